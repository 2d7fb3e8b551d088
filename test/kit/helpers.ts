/** Helpers for the client/server kit tests: run programs without a shell, temp dirs, free ports. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export { freePort, run, stopProcess, waitFor, type RunResult } from "../fixtures/processes";

export const ROOT = path.resolve(__dirname, "..", "..");

export function makeTmpDirs() {
  const dirs: string[] = [];
  return {
    make(prefix: string): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `borg-fleet-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Environment for borg in a test: its own base dir, unencrypted repos accepted, no prompts. */
export function borgEnv(baseDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("BORG_")) env[k] = v;
  return {
    ...env,
    TZ: "UTC",
    BORG_BASE_DIR: baseDir,
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes",
    BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    BORG_CHECK_I_KNOW_WHAT_I_AM_DOING: "YES",
    BORG_DELETE_I_KNOW_WHAT_I_AM_DOING: "YES",
    ...extra,
  };
}

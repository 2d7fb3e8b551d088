/** Small helpers shared by the benchmark scripts: timing statistics and starting the built app. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const s = (n: number) => `${(n / 1000).toFixed(2)} s`;

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Extra node flags for the benchmarked server (BENCH_NODE_FLAGS, space-separated), to compare V8 settings. */
function nodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
}

/**
 * The production server (scripts/server.mjs: `next start` plus the real client address; with
 * `nextStart`, plain `next start` of the same build, for comparison) on a loopback port with the given
 * environment; resolves when /api/health answers.
 */
export async function startServer(root: string, port: number, env: Record<string, string>, opts: { nextStart?: boolean } = {}): Promise<RunningServer> {
  const main = opts.nextStart ? [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start"] : [path.join(root, "scripts", "server.mjs")];
  const child = spawn(process.execPath, [...nodeFlags(), ...main, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not come up within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

/** Time `count` sequential GETs (after `warmup` untimed ones, same headers); returns milliseconds per request. */
export async function timeRequests(url: string, count: number, warmup = 5, init: RequestInit = {}): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await (await fetch(url, init)).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * A database for a synthetic-fleet server (BORG_FLEET_SYNTHETIC_DATA_DIR) with an admin session and an
 * admin API token, so benchmarks measure signed-in pages and the API rather than the sign-in page.
 */
export async function prepareBenchDatabase(dataDir: string): Promise<{ cookie: string; token: string }> {
  const { openDatabase } = await import("../../lib/db");
  const { addUser } = await import("../../lib/auth/users");
  const { createSession, SESSION_COOKIE } = await import("../../lib/auth/sessions");
  const { createToken } = await import("../../lib/auth/apiTokens");
  fs.rmSync(dataDir, { recursive: true, force: true });
  const db = openDatabase(dataDir);
  const user = await addUser(db, { username: "bench", password: "a long bench password", role: "admin", hosts: [] }, { by: "bench" });
  const session = createSession(db, user.id, null);
  const { secret } = createToken(db, { name: "bench", role: "admin", hosts: ["*"] }, { by: "bench" });
  db.close();
  return { cookie: `${SESSION_COOKIE}=${session}`, token: secret };
}

/**
 * `borg check`: the integrity checks behind lib/verify.
 *
 * - kind "repository": `--repository-only` reads every segment and checks its CRC32s and the index. It
 *   needs no key (it never decrypts), so it runs without the passphrase.
 * - kind "archives": `--archives-only` (optionally `--verify-data`, which decrypts and verifies every
 *   chunk's id/MAC) walks the archives' metadata; it needs the key.
 *
 * borg check takes the EXCLUSIVE repository lock for its whole run (it may repair/rewrite, so it cannot
 * use --bypass-lock). We pass a short --lock-wait: when a backup holds the lock, borg fails with
 * LockTimeout at once, which BorgError classifies as "busy" and the scheduler retries later. The other
 * way round, a `borg create` that starts while a check runs waits its own --lock-wait (the client kit
 * passes BORG_LOCK_WAIT, see deploy/client/borg-backup.sh), so check timeouts must stay below it.
 *
 * borg 1.2 reports "errors found" with exit code 1 (EXIT_WARNING), which runBorg treats as success:
 * here exit code 1 is a failed check, with borg's error lines as the message.
 */
import type { BorgTarget } from "./commands";
import { repoArg } from "./location";
import { runBorg, type BorgCallOptions } from "./run";
import type { BorgStderrEntry } from "./stderr";

export type CheckKind = "repository" | "archives";
export const CHECK_KINDS: readonly CheckKind[] = ["repository", "archives"];

export interface CheckRepoOptions extends BorgCallOptions {
  kind: CheckKind;
  /** archives only: also decrypt and verify every data chunk (reads the whole repo). */
  verifyData?: boolean;
  /** Seconds borg waits for the repo lock before giving up as "busy" (default 1, borg's own default). */
  lockWait?: number;
}

export interface CheckRepoResult {
  /** false when borg found problems (exit code 1). */
  ok: boolean;
  /** borg's warning/error lines (all of them when the check failed), oldest first. */
  messages: string[];
  durationMs: number;
}

/** The argv for a check (exported for the bench, which runs the same command raw). */
export function checkArgs(location: string, options: Pick<CheckRepoOptions, "kind" | "verifyData" | "lockWait">): string[] {
  const args = ["check", options.kind === "repository" ? "--repository-only" : "--archives-only"];
  if (options.kind === "archives" && options.verifyData) args.push("--verify-data");
  args.push(`--lock-wait=${Math.max(0, Math.floor(options.lockWait ?? 1))}`);
  args.push("--", repoArg(location));
  return args;
}

/** borg's problem reports: everything it logged at WARNING or above (check logs each finding as ERROR). */
function checkMessages(stderr: readonly BorgStderrEntry[]): string[] {
  const out: string[] = [];
  for (const entry of stderr) {
    if (entry.kind === "log" && /^(WARNING|ERROR|CRITICAL)$/.test(entry.levelname)) out.push(entry.message);
    else if (entry.kind === "plain") out.push(entry.text);
  }
  return out;
}

/**
 * Run one check. Resolves with ok true/false for a completed check; throws BorgError when borg could
 * not check at all (kind "busy" for a held lock, "timeout", "cancelled", wrong passphrase, ...).
 */
export async function checkRepo(target: BorgTarget, options: CheckRepoOptions): Promise<CheckRepoResult> {
  const { kind, verifyData, lockWait, ...callOptions } = options;
  const run = await runBorg(
    {
      args: checkArgs(target.location, { kind, verifyData, lockWait }),
      // The repository check never decrypts: it runs without the key (also on a storage server without it).
      secrets: kind === "archives" ? target.secrets : undefined,
      location: target.location,
      maxStdoutBytes: 1024 * 1024,
    },
    callOptions,
  );
  const messages = checkMessages(run.stderr);
  return { ok: run.exitCode === 0, messages, durationMs: run.durationMs };
}

/**
 * The passphrase borg would use for a repo, read by the dashboard itself: restore drills decrypt the
 * repo's key blob in memory (keyMaterial.ts) to check restored files against the archive's chunk ids.
 *
 * The same sources, with the same meaning, as the env that every borg call gets (env.ts):
 *   - passphraseFile: its first line (readPassphraseFile, read at call time);
 *   - passcommand: run exactly as borg 1.2 runs BORG_PASSCOMMAND (key.py `env_passcommand`): split
 *     like Python's shlex.split, started without a shell, with the environment borg itself would have
 *     (so the command sees the same HOME, PATH, BORG_* as when borg runs it), stdin closed; its output
 *     read as text with universal newlines, trailing newlines removed. Its stderr is dropped, as
 *     borg's own plain stderr is for passcommand calls (what it prints is not ours to show);
 *   - neither: the empty passphrase (a repokey repo may have one; borg gets an empty BORG_PASSPHRASE).
 * The passphrase is returned to the caller only: never logged, never put in a message.
 */
import { execa } from "execa";
import type { Secrets } from "@/lib/config/schema";
import { buildBorgEnv, defaultBaseDir, readPassphraseFile } from "./env";
import { BorgError } from "./errors";
import { DEFAULT_TIMEOUT_MS, type BorgCallOptions } from "./run";
import { shlexSplit, ShlexError } from "./shlexSplit";

/** Largest passcommand output read (a passphrase is a line; more is a misconfigured command). */
const MAX_PASSCOMMAND_OUTPUT = 64 * 1024;

export async function readPassphrase(secrets: Secrets | undefined, opts: BorgCallOptions = {}): Promise<string> {
  if (secrets?.passcommand) return runPasscommand(secrets, opts);
  if (secrets?.passphraseFile) return readPassphraseFile(secrets.passphraseFile);
  return "";
}

async function runPasscommand(secrets: Secrets, opts: BorgCallOptions): Promise<string> {
  const failed = (why: string, cause?: unknown) =>
    new BorgError({ kind: "wrong-passphrase", userMessage: `The passcommand could not give the passphrase: ${why}.`, cause });
  let argv: string[];
  try {
    argv = shlexSplit(secrets.passcommand!);
  } catch (err) {
    if (err instanceof ShlexError) throw failed(err.message);
    throw err;
  }
  if (argv.length === 0) throw failed("the command is empty");
  const { env } = await buildBorgEnv({ baseDir: opts.baseDir ?? defaultBaseDir(), secrets });
  const run = await execa(argv[0]!, argv.slice(1), {
    env,
    extendEnv: false,
    stdin: "ignore",
    stderr: "ignore",
    encoding: "utf8",
    stripFinalNewline: false,
    maxBuffer: MAX_PASSCOMMAND_OUTPUT,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    cancelSignal: opts.signal,
    reject: false,
  });
  if (run.isCanceled) throw new BorgError({ kind: "cancelled", userMessage: "Reading the passphrase was cancelled." });
  if (run.timedOut) throw new BorgError({ kind: "timeout", userMessage: "The passcommand did not finish in time." });
  if (run.isMaxBuffer) throw failed(`it printed more than ${MAX_PASSCOMMAND_OUTPUT} bytes`);
  // Only the errno's name or the exit status: the command's words may be secret (env.ts redactSecrets does the same).
  if (run.code === "ENOENT") throw failed("the command was not found");
  if (run.exitCode === undefined) throw failed(run.signal ? `it was killed by ${run.signal}` : (run.code ?? "it could not be started"));
  if (run.exitCode !== 0) throw failed(`it exited with status ${run.exitCode}`);
  return run.stdout.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
}

/**
 * The environment every borg process gets. Built from scratch (nothing inherited but PATH, HOME and
 * ssh-agent basics) so that stray BORG_* variables of the dashboard's own environment (BORG_REPO,
 * BORG_PASSPHRASE, BORG_EXIT_CODES, ...) can never change what a call does.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Secrets } from "@/lib/config/schema";
import { BorgError } from "./errors";

/** Inherited from the dashboard's environment; everything else is set explicitly below. */
const PASSTHROUGH = ["PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "SSH_AUTH_SOCK"] as const;

export interface BorgEnvOptions {
  /** BORG_BASE_DIR: the dashboard's own borg cache/config/security/keys, never a backup client's. */
  baseDir: string;
  secrets?: Secrets;
  /** For `borg init`: the passphrase of the new key (BORG_NEW_PASSPHRASE). */
  newPassphrase?: string;
  /** Answer yes to "previously unknown unencrypted repository" (default no: see buildBorgEnv). */
  allowUnknownUnencrypted?: boolean;
  /** PYTHONIOENCODING for this process (listContents uses unicode_escape for exact names). */
  pythonIoEncoding?: string;
  /** PYTHONUNBUFFERED=1: borg's prints reach us line by line. */
  pythonUnbuffered?: boolean;
  /** Where PATH, HOME etc. come from (default process.env). */
  parentEnv?: Record<string, string | undefined>;
}

export interface BorgEnv {
  env: Record<string, string>;
  /** Secret values that must be scrubbed from anything borg prints before it is shown or logged. */
  redact: string[];
  /** Whether a passphrase source was configured (to tell "wrong" from "none configured"). */
  passphraseConfigured: boolean;
  /**
   * A passcommand writes its own stderr into borg's (e.g. "cat: /path/to/secret: No such file"),
   * and what it prints is not ours to show: plain-text stderr lines are dropped for such calls.
   */
  hidePlainStderr: boolean;
}

export function defaultBaseDir(env: Record<string, string | undefined> = process.env): string {
  return env.BORG_FLEET_BORG_BASE_DIR || path.join(os.homedir(), ".borg-fleet", "borg");
}

export async function buildBorgEnv(options: BorgEnvOptions): Promise<BorgEnv> {
  const parent = options.parentEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const name of PASSTHROUGH) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";

  Object.assign(env, {
    // borg 1.x prints naive local times; with TZ=UTC they are UTC and parse without guessing.
    TZ: "UTC",
    // A UTF-8 locale: Python's filesystem encoding and borg's messages do not depend on the host's.
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    BORG_BASE_DIR: options.baseDir,
    // The dashboard reads repos by a path or URL that can differ from the one backup clients use,
    // and the storage may be moved; the repo id (checked against our security dir) is what counts.
    BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    // An unencrypted repo the dashboard never saw could be a swapped one: borg refuses, unless a
    // caller explicitly allows it (e.g. the operator confirmed the repo once).
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: options.allowUnknownUnencrypted ? "yes" : "no",
    BORG_DISPLAY_PASSPHRASE: "no",
    // borg's start-up self-test checks borg's own code, not the repo, and is about half the cost of a
    // small call; the dashboard runs thousands of them a day (borg documents this switch for speed).
    BORG_SELFTEST: "disabled",
    // Every other yes/no question borg could ask gets "no" from stdin (ignored = EOF) anyway.
    BORG_RSH: buildBorgRsh(options.secrets),
  });
  if (options.pythonIoEncoding) env.PYTHONIOENCODING = options.pythonIoEncoding;
  if (options.pythonUnbuffered) env.PYTHONUNBUFFERED = "1";

  const secrets = options.secrets ?? {};
  const redact: string[] = [];
  let passphraseConfigured = false;
  if (secrets.passcommand) {
    // borg splits it like a shell would and runs it itself; no shell involved.
    env.BORG_PASSCOMMAND = secrets.passcommand;
    redact.push(secrets.passcommand);
    passphraseConfigured = true;
  } else if (secrets.passphraseFile) {
    const passphrase = await readPassphraseFile(secrets.passphraseFile);
    env.BORG_PASSPHRASE = passphrase;
    if (passphrase.length > 0) redact.push(passphrase);
    passphraseConfigured = true;
  } else {
    // No passphrase source: an empty BORG_PASSPHRASE makes borg fail with PassphraseWrong on an
    // encrypted repo instead of prompting (and an unencrypted repo does not need one).
    env.BORG_PASSPHRASE = "";
  }
  if (secrets.keyFile) env.BORG_KEY_FILE = secrets.keyFile;
  if (options.newPassphrase !== undefined) {
    env.BORG_NEW_PASSPHRASE = options.newPassphrase;
    if (options.newPassphrase.length > 0) redact.push(options.newPassphrase);
  }
  return { env, redact, passphraseConfigured, hidePlainStderr: Boolean(secrets.passcommand) };
}

/** First line of the passphrase file, read at call time so a rotated passphrase needs no restart. */
export async function readPassphraseFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const why =
      code === "ENOENT" ? "it does not exist" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EISDIR" ? "it is a directory" : code;
    throw new BorgError({
      kind: "other",
      userMessage: `The passphrase file ${file} could not be read (${why}). It must be readable by the dashboard's user.`,
      cause: err,
    });
  }
  const newline = text.search(/\r?\n/);
  return newline === -1 ? text : text.slice(0, newline);
}

/**
 * Quote one word so Python's shlex.split (which borg applies to BORG_RSH) gives it back unchanged:
 * single quotes, with embedded single quotes as '"'"'.
 */
export function shlexQuote(word: string): string {
  if (word.length > 0 && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/**
 * ssh expands %-tokens (and splits UserKnownHostsFile on whitespace) in file options; escape "%" and
 * double-quote paths with whitespace so the file named is the file used.
 */
function sshFileValue(file: string): string {
  if (/["\n\r]/.test(file))
    throw new BorgError({ kind: "other", userMessage: `SSH file path ${JSON.stringify(file)} contains a quote or newline, which ssh cannot take.` });
  const escaped = file.replace(/%/g, "%%");
  return /\s/.test(escaped) ? `"${escaped}"` : escaped;
}

/**
 * The ssh command borg runs for ssh:// repos. BatchMode: ssh must never ask for a password or a
 * host-key confirmation (there is nobody to answer). StrictHostKeyChecking=yes: an unknown or changed
 * host key is an error, never silently trusted. IdentitiesOnly: with an explicit key, agent keys are
 * not tried first (servers drop the connection after a few failed keys).
 */
export function buildBorgRsh(secrets: Secrets | undefined): string {
  const words = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30"];
  if (secrets?.sshKeyFile) words.push("-i", secrets.sshKeyFile.replace(/%/g, "%%"), "-o", "IdentitiesOnly=yes");
  if (secrets?.knownHostsFile) words.push("-o", `UserKnownHostsFile=${sshFileValue(secrets.knownHostsFile)}`);
  words.push("-o", "StrictHostKeyChecking=yes");
  return words.map(shlexQuote).join(" ");
}

/** Replace every secret value in text with a marker. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("[redacted]");
  // borg echoes a failing passcommand back ("Command '['cmd', 'arg']' returned ..."); its words can be secret.
  out = out.replace(/(passcommand supplied in BORG_PASSCOMMAND failed: )(.*)$/gm, (_m, head: string, rest: string) => {
    const status = /returned non-zero exit status (\d+)/.exec(rest);
    if (status) return `${head}the command exited with status ${status[1]}`;
    const errno = /\[Errno \d+\] ([^:]+)/.exec(rest);
    return `${head}${errno ? errno[1] : "the command could not be run"}`;
  });
  return out;
}

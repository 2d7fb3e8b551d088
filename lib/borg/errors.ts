/**
 * borg failures as typed errors, and the classifier that turns borg's --log-json stderr plus its exit
 * code into one of a few kinds the UI can explain.
 *
 * Why msgids first: borg 1.2 logs the fatal error once, from main(), as a JSON `log_message` with
 * `msgid` = the exception's qualified name (`Repository.DoesNotExist`, `LockTimeout`, `PassphraseWrong`,
 * ...; for errors relayed from `borg serve` it is the remote exception class name). Those names are
 * stable across 1.x releases; the English texts are the fallback for lines that carry no msgid
 * (argument errors, which borg prints before logging is set up, and ssh's own messages).
 *
 * The exit code alone says little: borg 1.2 (legacy codes; we never set BORG_EXIT_CODES) exits 2 for
 * every error and 128+N for signal N. 255 only comes from ssh itself.
 */
import { parseBorgStderr, type BorgStderrEntry } from "./stderr";

/** Kinds of borg failure the UI can explain. Filled in by lib/borg (classification from --log-json msgids). */
export type BorgErrorKind =
  "busy" | "wrong-passphrase" | "repo-not-found" | "archive-not-found" | "connection-failed" | "path-not-allowed" | "timeout" | "cancelled" | "other";

export interface BorgErrorInit {
  kind: BorgErrorKind;
  /** borg's msgid (exception class), when borg logged one. */
  msgid?: string | null;
  /** borg's exit code; null when borg did not run or was killed by a signal. */
  exitCode?: number | null;
  /** borg's own text (already scrubbed of secrets). */
  borgMessage?: string | null;
  /** Plain-language explanation for operators. */
  userMessage: string;
  cause?: unknown;
}

export class BorgError extends Error {
  readonly kind: BorgErrorKind;
  readonly msgid: string | null;
  readonly exitCode: number | null;
  readonly borgMessage: string | null;
  readonly userMessage: string;

  constructor(init: BorgErrorInit) {
    // The Error message carries both texts so logs that only print `err.message` stay useful.
    super(init.borgMessage ? `${init.userMessage} (borg: ${init.borgMessage})` : init.userMessage, { cause: init.cause });
    this.name = "BorgError";
    this.kind = init.kind;
    this.msgid = init.msgid ?? null;
    this.exitCode = init.exitCode ?? null;
    this.borgMessage = init.borgMessage ?? null;
    this.userMessage = init.userMessage;
  }

  toJSON() {
    return { name: this.name, kind: this.kind, msgid: this.msgid, exitCode: this.exitCode, borgMessage: this.borgMessage, userMessage: this.userMessage };
  }
}

export function isBorgError(err: unknown): err is BorgError {
  return err instanceof BorgError;
}

export interface ClassifyInput {
  exitCode: number | null;
  /** borg's stderr (--log-json lines, possibly mixed with plain text), or entries parsed already. */
  stderr: string | BorgStderrEntry[];
  /** We stopped borg because the call's time ran out. */
  timedOut?: boolean;
  /** We stopped borg because the caller's AbortSignal fired. */
  cancelled?: boolean;
  /** Signal that ended borg, when it did not exit by itself. */
  signal?: string | null;
  context?: {
    /** Repo location as configured (no secrets in it), for messages. */
    location?: string;
    /** Whether a passphrase source (file, command) was configured: "wrong" vs "none configured". */
    passphraseConfigured?: boolean;
    timeoutMs?: number;
    /** The dashboard's BORG_BASE_DIR: a lock timeout on a path inside it is our own cache lock. */
    baseDir?: string;
  };
}

type Rule = { kind: BorgErrorKind; user: (ctx: RuleContext) => string };
interface RuleContext {
  message: string;
  where: string;
  passphraseConfigured: boolean | undefined;
  remoteHints: string[];
  baseDir: string | undefined;
}

const busyMessage = (c: RuleContext) =>
  c.baseDir && c.message.includes(c.baseDir)
    ? "Another dashboard task is using this repository's cache right now; it will be read again shortly."
    : `${c.where} is locked by another borg process (usually a backup that is running right now); it will be read again when the lock is free.`;

const wrongPassphrase = (c: RuleContext) =>
  c.passphraseConfigured === false
    ? `${c.where} is encrypted, but no passphrase (passphraseFile or passcommand) is configured for it.`
    : `The passphrase configured for ${c.where} is not the repository's passphrase.`;

const notFound = (c: RuleContext) => `No borg repository was found at ${c.where}. Check the path in the configuration, and that the backup storage is mounted.`;

const connection = (c: RuleContext) => {
  const why = describeSshProblem([c.message, ...c.remoteHints].join("\n"));
  return `Could not talk to borg on the storage server for ${c.where}${why ? `: ${why}` : ""}.`;
};

/** msgid -> kind and operator text. Keys are borg 1.2.4's exception qualnames (see borg/*.py). */
const MSGID_RULES: Record<string, Rule> = {
  // locking.py. LockFailed is deliberately NOT here: it means the lock file could not be created at
  // all (permissions, read-only filesystem), which is not "a backup is running".
  LockTimeout: { kind: "busy", user: busyMessage },
  LockError: { kind: "busy", user: busyMessage },
  // crypto/key.py
  PassphraseWrong: { kind: "wrong-passphrase", user: wrongPassphrase },
  PasscommandFailure: {
    kind: "wrong-passphrase",
    user: (c) => `The passcommand configured for ${c.where} failed, so borg got no passphrase. Run the command by hand as the dashboard's user to see why.`,
  },
  NoPassphraseFailure: { kind: "wrong-passphrase", user: wrongPassphrase },
  PasswordRetriesExceeded: { kind: "wrong-passphrase", user: wrongPassphrase },
  KeyfileNotFoundError: {
    kind: "wrong-passphrase",
    user: (c) => `${c.where} uses a key file, and no matching key file was found. Configure keyFile for this repository.`,
  },
  KeyfileInvalidError: { kind: "wrong-passphrase", user: (c) => `The key file configured for ${c.where} is not a valid borg key file.` },
  KeyfileMismatchError: { kind: "wrong-passphrase", user: (c) => `The key file configured for ${c.where} belongs to a different repository.` },
  RepoKeyNotFoundError: { kind: "wrong-passphrase", user: (c) => `${c.where} has no key in its config; a key file is needed (keyFile).` },
  // repository.py
  "Repository.DoesNotExist": { kind: "repo-not-found", user: notFound },
  "Repository.InvalidRepository": {
    kind: "repo-not-found",
    user: (c) => `${c.where} exists but is not a borg repository (its config file is missing). Check the path in the configuration.`,
  },
  "Repository.InvalidRepositoryConfig": { kind: "repo-not-found", user: (c) => `${c.where} has an invalid borg repository config.` },
  "Repository.ParentPathDoesNotExist": { kind: "repo-not-found", user: notFound },
  // archive.py
  "Archive.DoesNotExist": { kind: "archive-not-found", user: (c) => `That archive does not exist (any more) in ${c.where}; it may have been pruned.` },
  // remote.py
  ConnectionClosed: { kind: "connection-failed", user: connection },
  ConnectionClosedWithHint: { kind: "connection-failed", user: connection },
  UnexpectedRPCDataFormatFromServer: {
    kind: "connection-failed",
    user: (c) => `The storage server for ${c.where} answered with something that is not borg (a login banner or a wrong forced command in authorized_keys?).`,
  },
  "RemoteRepository.RPCServerOutdated": { kind: "connection-failed", user: (c) => `borg on the storage server for ${c.where} is too old.` },
  PathNotAllowed: {
    kind: "path-not-allowed",
    user: (c) =>
      `The storage server refused access to ${c.where}: the SSH key is restricted to other paths (borg serve --restrict-to-path / --restrict-to-repository).`,
  },
  // cache.py and security checks: borg refuses on purpose; explain why instead of "failed".
  "Cache.CacheInitAbortedError": {
    kind: "other",
    user: (c) =>
      `${c.where} is not encrypted and the dashboard has not read it before; borg refuses unknown unencrypted repositories because a swapped repository could not be detected. Read it once with unknown unencrypted access allowed, or encrypt it.`,
  },
  "Cache.RepositoryAccessAborted": { kind: "other", user: (c) => `borg refused to access ${c.where} (it answered a safety question with "no").` },
  "Cache.EncryptionMethodMismatch": {
    kind: "other",
    user: (c) =>
      `The encryption of ${c.where} differs from what the dashboard saw before. This can mean the repository was replaced; check it before trusting it.`,
  },
  "Cache.RepositoryReplay": {
    kind: "other",
    user: (c) => `${c.where} is older than what the dashboard saw before (restored from an old copy, or replaced). Check it before trusting it.`,
  },
  "Cache.RepositoryIDNotUnique": { kind: "other", user: (c) => `Another repository with the same id as ${c.where} was seen before.` },
  "Repository.CheckNeeded": { kind: "other", user: (c) => `${c.where} is inconsistent; run "borg check" on it.` },
  "Repository.AtticRepository": { kind: "other", user: (c) => `${c.where} is an old Attic repository; it must be upgraded with borg upgrade.` },
  MandatoryFeatureUnsupported: { kind: "other", user: (c) => `${c.where} needs a newer borg than the one the dashboard runs.` },
  "Signal.SIGTERM": { kind: "other", user: (c) => `borg was stopped (SIGTERM) while reading ${c.where}.` },
  "Signal.SIGHUP": { kind: "other", user: (c) => `borg was stopped (SIGHUP) while reading ${c.where}.` },
};

/** Text patterns for lines that carry no msgid (plain text, ssh output, older servers). Order matters. */
const TEXT_RULES: Array<{ test: RegExp; msgid: string }> = [
  { test: /Failed to create\/acquire the lock .*\(timeout\)/, msgid: "LockTimeout" },
  { test: /passphrase supplied in BORG_PASSPHRASE.*is incorrect/, msgid: "PassphraseWrong" },
  { test: /passcommand supplied in BORG_PASSCOMMAND failed/, msgid: "PasscommandFailure" },
  { test: /^Repository .* does not exist\.?$/m, msgid: "Repository.DoesNotExist" },
  { test: /is not a valid repository/, msgid: "Repository.InvalidRepository" },
  { test: /^Archive .* does not exist$/m, msgid: "Archive.DoesNotExist" },
  { test: /Repository path not allowed/, msgid: "PathNotAllowed" },
  { test: /Connection closed by remote host/, msgid: "ConnectionClosed" },
];

const SSH_PROBLEMS: Array<[RegExp, string]> = [
  [/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i, "the host name does not resolve"],
  [/Connection refused/i, "connection refused (is sshd running on that port?)"],
  [/Connection timed out|Operation timed out/i, "the connection timed out"],
  [/No route to host|Network is unreachable/i, "the host is unreachable"],
  [
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i,
    "the server's host key is not in the configured known_hosts file (or it changed)",
  ],
  [/Permission denied \(|Too many authentication failures/i, "the server did not accept the SSH key"],
  [/Connection (closed|reset) by .* port|kex_exchange_identification/i, "the server closed the connection"],
  [/command not found|borg: not found|No such file or directory.*borg/i, "borg is not installed on the server (or not in PATH)"],
];

function describeSshProblem(text: string): string | null {
  for (const [re, why] of SSH_PROBLEMS) if (re.test(text)) return why;
  return null;
}

const ERROR_LEVELS = new Set(["ERROR", "CRITICAL"]);

/** The one line that explains the failure: borg's fatal error (the last ERROR with a msgid). */
function mainError(entries: BorgStderrEntry[]): { msgid: string | null; message: string | null } {
  let withMsgid: BorgStderrEntry | undefined;
  let lastError: BorgStderrEntry | undefined;
  for (const e of entries) {
    if (e.kind !== "log") continue;
    if (ERROR_LEVELS.has(e.levelname)) {
      // borg logs a traceback as a second ERROR line without msgid ("Traceback ..."); skip those.
      if (!/^Traceback|^Local Exception/.test(e.message) || !lastError) lastError = e;
      if (e.msgid) withMsgid = e;
    }
  }
  if (withMsgid && withMsgid.kind === "log") return { msgid: withMsgid.msgid ?? null, message: withMsgid.message };
  if (lastError && lastError.kind === "log") return { msgid: null, message: lastError.message };
  return { msgid: null, message: null };
}

/** "Remote: ..." warnings are ssh's (or the remote borg's) own stderr, relayed by borg. */
function remoteHints(entries: BorgStderrEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.kind === "log" && e.message.startsWith("Remote: ")) out.push(e.message.slice("Remote: ".length).trim());
    else if (e.kind === "plain" && /^ssh: |Permission denied|Host key verification failed|Could not resolve/.test(e.text)) out.push(e.text.trim());
  }
  return out.filter((l) => l.length > 0 && !/^Borg server:|^Traceback|^\s*File "/.test(l));
}

function plainText(entries: BorgStderrEntry[]): string {
  return entries
    .filter((e): e is Extract<BorgStderrEntry, { kind: "plain" }> => e.kind === "plain")
    .map((e) => e.text)
    .join("\n");
}

/** Bare remote class names (RPCError.exception_class) and qualnames both map to the same rule. */
function ruleFor(msgid: string, message: string): { rule: Rule; msgid: string } | null {
  const direct = MSGID_RULES[msgid];
  if (direct) return { rule: direct, msgid };
  if (msgid === "DoesNotExist") {
    const q = /^Archive /.test(message) ? "Archive.DoesNotExist" : "Repository.DoesNotExist";
    return { rule: MSGID_RULES[q]!, msgid };
  }
  const bare = Object.keys(MSGID_RULES).find((k) => k.split(".").at(-1) === msgid);
  return bare ? { rule: MSGID_RULES[bare]!, msgid } : null;
}

export function classifyBorgFailure(input: ClassifyInput): BorgError {
  const entries = typeof input.stderr === "string" ? parseBorgStderr(input.stderr) : input.stderr;
  const ctx = input.context ?? {};
  const where = ctx.location ? `the repository ${ctx.location}` : "the repository";
  const hints = remoteHints(entries);
  const main = mainError(entries);
  const plain = plainText(entries);
  const exitCode = input.exitCode;
  const base = { exitCode, msgid: main.msgid };

  if (input.cancelled) {
    return new BorgError({ ...base, kind: "cancelled", borgMessage: null, userMessage: "The borg call was cancelled." });
  }
  if (input.timedOut) {
    const secs = ctx.timeoutMs ? ` after ${Math.round(ctx.timeoutMs / 1000)} s` : "";
    return new BorgError({
      ...base,
      kind: "timeout",
      borgMessage: null,
      userMessage: `Borg did not finish${secs} for ${where} and was stopped. A large repository or a slow link may need a longer timeout.`,
    });
  }

  const rc: RuleContext = {
    message: main.message ?? plain,
    where,
    passphraseConfigured: ctx.passphraseConfigured,
    remoteHints: hints,
    baseDir: ctx.baseDir,
  };
  const borgMessage = (msg: string | null) => {
    const parts = [msg, ...hints.filter((h) => !msg || !msg.includes(h))].filter((p): p is string => !!p && p.trim().length > 0);
    return parts.length ? parts.join(" | ") : null;
  };

  if (main.msgid) {
    const found = ruleFor(main.msgid, main.message ?? "");
    if (found) {
      return new BorgError({ ...base, kind: found.rule.kind, borgMessage: borgMessage(main.message), userMessage: capitalize(found.rule.user(rc)) });
    }
    if (main.msgid === "LockFailed") {
      return new BorgError({
        ...base,
        kind: "other",
        borgMessage: borgMessage(main.message),
        userMessage: `borg could not create a lock file (${lockFailedReason(main.message ?? "")}). Check permissions and free space of the repository and of the dashboard's borg directory.`,
      });
    }
  }

  // No usable msgid: look at the text (plain-text errors, remote hints, older borg).
  const allText = [main.message ?? "", plain, ...hints].join("\n");
  for (const { test, msgid } of TEXT_RULES) {
    if (test.test(allText)) {
      const rule = MSGID_RULES[msgid]!;
      const line = allText.split("\n").find((l) => test.test(l)) ?? main.message;
      return new BorgError({ exitCode, msgid: main.msgid, kind: rule.kind, borgMessage: borgMessage(line ?? null), userMessage: capitalize(rule.user(rc)) });
    }
  }
  const sshWhy = describeSshProblem(allText);
  if (exitCode === 255 || (sshWhy && !main.msgid)) {
    return new BorgError({
      exitCode,
      msgid: main.msgid,
      kind: "connection-failed",
      borgMessage: borgMessage(main.message ?? lastLine(plain)),
      userMessage: connection(rc),
    });
  }

  const message = main.message ?? lastLine(plain);
  const signalled = input.signal ? ` (stopped by ${input.signal})` : "";
  return new BorgError({
    exitCode,
    msgid: main.msgid,
    kind: "other",
    borgMessage: borgMessage(message),
    userMessage: message
      ? `Borg failed for ${where}${signalled}: ${firstLine(message)}`
      : `Borg failed for ${where}${signalled} (exit code ${exitCode ?? "none"}) without saying why.`,
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lockFailedReason(message: string): string {
  const m = /\(([^()]*)\)\.?$/.exec(message);
  return m?.[1] ?? "unknown reason";
}

function firstLine(s: string): string {
  return (
    s
      .split("\n")
      .find((l) => l.trim().length > 0)
      ?.trim() ?? s
  );
}

function lastLine(s: string): string | null {
  const lines = s.split("\n").filter((l) => l.trim().length > 0);
  return lines.at(-1)?.trim() ?? null;
}

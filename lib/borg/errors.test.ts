/**
 * Classification of real borg 1.2.4 failures. The fixtures in test/fixtures/borg/ are stderr and exit
 * codes captured from real borg runs (regenerate with test/fixtures/borg/capture.sh).
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BorgError, classifyBorgFailure, type BorgErrorKind } from "./errors";
import { redactSecrets } from "./env";
import { readBorgStderr } from "./run";
import { parseBorgStderr } from "./stderr";

interface Fixture {
  description: string;
  argv: string[];
  exitCode: number;
  stderr: string;
  stdout?: string;
}

const FIXTURES = path.resolve(__dirname, "../../test/fixtures/borg");
function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as Fixture;
}
function classify(name: string, context: Parameters<typeof classifyBorgFailure>[0]["context"] = {}) {
  const f = fixture(name);
  return classifyBorgFailure({ exitCode: f.exitCode, stderr: f.stderr, context: { location: "/srv/borg/web01", ...context } });
}

describe("classifyBorgFailure on real borg 1.2.4 stderr", () => {
  const cases: Array<[string, BorgErrorKind, string | null]> = [
    ["passphrase-wrong", "wrong-passphrase", "PassphraseWrong"],
    ["passphrase-empty", "wrong-passphrase", "PassphraseWrong"],
    ["passcommand-failed", "wrong-passphrase", "PasscommandFailure"],
    ["repo-does-not-exist", "repo-not-found", "Repository.DoesNotExist"],
    ["repo-invalid", "repo-not-found", "Repository.InvalidRepository"],
    ["archive-does-not-exist", "archive-not-found", "Archive.DoesNotExist"],
    ["lock-timeout-create", "busy", "LockTimeout"],
    ["lock-timeout-list", "busy", "LockTimeout"],
    ["unknown-unencrypted", "other", "Cache.CacheInitAbortedError"],
    ["sigterm", "other", "Signal.SIGTERM"],
    ["bypass-lock-refused", "other", null],
    ["argument-error", "other", null],
    ["invalid-placeholder", "other", null],
    ["ssh-connection-refused", "connection-failed", "ConnectionClosedWithHint"],
    ["ssh-unresolvable", "connection-failed", "ConnectionClosedWithHint"],
    ["ssh-host-key-unknown", "connection-failed", "ConnectionClosedWithHint"],
    ["ssh-key-rejected", "connection-failed", "ConnectionClosedWithHint"],
    ["ssh-path-not-allowed", "path-not-allowed", "PathNotAllowed"],
    ["ssh-repo-does-not-exist", "repo-not-found", "Repository.DoesNotExist"],
    // relayed from `borg serve` as a bare class name (RPCError.exception_class)
    ["ssh-repo-invalid", "repo-not-found", "InvalidRepository"],
    ["ssh-passphrase-wrong", "wrong-passphrase", "PassphraseWrong"],
    ["ssh-archive-does-not-exist", "archive-not-found", "Archive.DoesNotExist"],
    ["ssh-lock-timeout", "busy", "LockTimeout"],
  ];

  it.each(cases)("%s -> %s", (name, kind, msgid) => {
    const err = classify(name);
    expect(err).toBeInstanceOf(BorgError);
    expect(err.kind).toBe(kind);
    expect(err.msgid).toBe(msgid);
    expect(err.exitCode).toBe(fixture(name).exitCode);
    expect(err.userMessage.length).toBeGreaterThan(10);
    expect(err.userMessage).toMatch(/^[A-Z]/);
  });

  it("every failure fixture is covered by a case above", () => {
    const names = readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, ""))
      .filter((n) => fixture(n).exitCode >= 2);
    expect(names.sort()).toEqual(cases.map(([n]) => n).sort());
  });

  it("keeps borg's own message, and ssh's reason from the relayed 'Remote:' lines", () => {
    const err = classify("ssh-connection-refused");
    expect(err.borgMessage).toContain("Connection closed by remote host");
    expect(err.borgMessage).toContain("Connection refused");
    expect(err.userMessage).toMatch(/connection refused/);
    expect(classify("ssh-unresolvable").userMessage).toMatch(/does not resolve/);
    expect(classify("ssh-host-key-unknown").userMessage).toMatch(/host key/);
    expect(classify("ssh-key-rejected").userMessage).toMatch(/did not accept the SSH key/);
  });

  it("tells 'no passphrase configured' from 'wrong passphrase'", () => {
    expect(classify("passphrase-empty", { passphraseConfigured: false }).userMessage).toMatch(/no passphrase .* is configured/);
    expect(classify("passphrase-wrong", { passphraseConfigured: true }).userMessage).toMatch(/not the repository's passphrase/);
  });

  it("plain-text errors keep their text", () => {
    expect(classify("bypass-lock-refused").borgMessage).toContain("Not allowed to bypass locking mechanism");
    expect(classify("argument-error").borgMessage).toContain("unrecognized arguments: --no-such-option");
    expect(classify("invalid-placeholder").borgMessage).toContain('Invalid placeholder "b"');
  });

  it("a lock timeout on the dashboard's own cache says so", () => {
    const err = classifyBorgFailure({
      exitCode: 2,
      stderr: JSON.stringify({
        type: "log_message",
        levelname: "ERROR",
        name: "borg.archiver",
        msgid: "LockTimeout",
        message: "Failed to create/acquire the lock /var/lib/borg-fleet/borg/.cache/borg/abc/lock.exclusive (timeout).",
      }),
      context: { baseDir: "/var/lib/borg-fleet/borg" },
    });
    expect(err.kind).toBe("busy");
    expect(err.userMessage).toMatch(/dashboard task/);
  });
});

describe("classifyBorgFailure edge cases", () => {
  const log = (o: Record<string, unknown>) => JSON.stringify({ type: "log_message", levelname: "ERROR", name: "borg.archiver", time: 1, ...o });

  it("cancelled and timeout win over whatever borg printed while being stopped", () => {
    const stderr = fixture("sigterm").stderr;
    expect(classifyBorgFailure({ exitCode: 143, stderr, cancelled: true }).kind).toBe("cancelled");
    const t = classifyBorgFailure({ exitCode: 143, stderr, timedOut: true, context: { timeoutMs: 90_000 } });
    expect(t.kind).toBe("timeout");
    expect(t.userMessage).toMatch(/90 s/);
  });

  it("survives non-JSON, truncated JSON and unknown JSON lines", () => {
    const stderr = [
      "some plain text",
      '{"type": "log_message", "levelname": "ERR',
      '{"type": "something_new", "x": 1}',
      "[1, 2, 3]",
      "",
      log({ msgid: "Repository.DoesNotExist", message: "Repository /x does not exist." }),
      "trailing garbage \u0000\u0001",
    ].join("\n");
    const err = classifyBorgFailure({ exitCode: 2, stderr });
    expect(err.kind).toBe("repo-not-found");
    expect(err.borgMessage).toBe("Repository /x does not exist.");
  });

  it("falls back to the text when there is no msgid", () => {
    expect(classifyBorgFailure({ exitCode: 2, stderr: "Failed to create/acquire the lock /r/lock.exclusive (timeout)." }).kind).toBe("busy");
    expect(
      classifyBorgFailure({ exitCode: 2, stderr: "passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect." }).kind,
    ).toBe("wrong-passphrase");
    expect(classifyBorgFailure({ exitCode: 2, stderr: "/srv/x is not a valid repository. Check repo config." }).kind).toBe("repo-not-found");
    expect(classifyBorgFailure({ exitCode: 2, stderr: "Archive foo does not exist" }).kind).toBe("archive-not-found");
    expect(classifyBorgFailure({ exitCode: 2, stderr: "Repository path not allowed: /srv/other" }).kind).toBe("path-not-allowed");
  });

  it("ssh's own exit code 255 and its messages are connection failures", () => {
    expect(classifyBorgFailure({ exitCode: 255, stderr: "" }).kind).toBe("connection-failed");
    const e = classifyBorgFailure({ exitCode: 2, stderr: "ssh: Could not resolve hostname backup.example: Name or service not known" });
    expect(e.kind).toBe("connection-failed");
    expect(e.userMessage).toMatch(/does not resolve/);
  });

  it("LockFailed (cannot create the lock at all) is not 'busy'", () => {
    const err = classifyBorgFailure({
      exitCode: 2,
      stderr: log({
        msgid: "LockFailed",
        message: "Failed to create/acquire the lock /srv/borg/x/lock.exclusive ([Errno 13] Permission denied: '/srv/borg/x/lock.exclusive.abc.tmp').",
      }),
    });
    expect(err.kind).toBe("other");
    expect(err.userMessage).toMatch(/Permission denied/);
  });

  it("a Local Exception keeps its first line, not the traceback", () => {
    const stderr = [
      log({ msgid: "Exception", message: "Local Exception" }),
      log({ message: 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom' }),
    ].join("\n");
    const err = classifyBorgFailure({ exitCode: 2, stderr });
    expect(err.kind).toBe("other");
    expect(err.msgid).toBe("Exception");
    expect(err.userMessage).toMatch(/Local Exception/);
  });

  it("a failure without any output still explains itself", () => {
    const err = classifyBorgFailure({ exitCode: 2, stderr: "" });
    expect(err.kind).toBe("other");
    expect(err.userMessage).toMatch(/exit code 2/);
  });

  it("accepts already parsed entries", () => {
    const entries = parseBorgStderr(fixture("lock-timeout-create").stderr);
    expect(classifyBorgFailure({ exitCode: 2, stderr: entries }).kind).toBe("busy");
  });
});

describe("secrets never reach error messages", () => {
  it("the failing passcommand that borg echoes is removed", () => {
    const f = fixture("passcommand-failed");
    // The passcommand's own stderr ("cat: /tmp/.../secret-passphrase-file...") is in borg's stderr too.
    expect(f.stderr).toContain("cat: ");
    const entries = readBorgStderr(f.stderr, { redact: [], hidePlainText: true });
    expect(JSON.stringify(entries)).not.toContain("secret-passphrase-file");
    const err = classifyBorgFailure({ exitCode: f.exitCode, stderr: entries });
    expect(err.kind).toBe("wrong-passphrase");
    expect(err.borgMessage).toContain("exited with status 1");
    expect(JSON.stringify(err)).not.toContain("secret-passphrase-file");
    expect(err.message).not.toContain("secret-passphrase-file");
  });

  it("secret values are replaced wherever they appear", () => {
    expect(redactSecrets("a hunter2 b hunter2", ["hunter2"])).toBe("a [redacted] b [redacted]");
    expect(redactSecrets("passcommand supplied in BORG_PASSCOMMAND failed: [Errno 2] No such file or directory: '/x/y'", [])).toBe(
      "passcommand supplied in BORG_PASSCOMMAND failed: No such file or directory",
    );
  });
});

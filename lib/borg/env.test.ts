import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BorgError } from "./errors";
import { buildBorgEnv, buildBorgRsh, readPassphraseFile, shlexQuote } from "./env";

/** What borg does with BORG_RSH: shlex.split (remote.py ssh_cmd). One python3 run for many strings. */
function pythonShlexSplitAll(texts: string[]): string[][] {
  const script = "import shlex,sys,json; print(json.dumps([shlex.split(t) for t in json.loads(sys.stdin.read())]))";
  return JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(texts) }).toString()) as string[][];
}
function pythonShlexSplit(text: string): string[] {
  return pythonShlexSplitAll([text])[0]!;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-env-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("BORG_RSH", () => {
  it("never prompts and always checks host keys", () => {
    expect(pythonShlexSplit(buildBorgRsh(undefined))).toEqual(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o", "StrictHostKeyChecking=yes"]);
  });

  it("quotes awkward key and known_hosts paths so borg's shlex.split gives them back", () => {
    const key = "/etc/borg fleet/it's a key;$(rm -rf /)`x`\\n";
    const known = "/etc/borg-fleet/known_hosts";
    const words = pythonShlexSplit(buildBorgRsh({ sshKeyFile: key, knownHostsFile: known }));
    expect(words).toEqual([
      "ssh",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=30",
      "-i",
      key,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${known}`,
      "-o",
      "StrictHostKeyChecking=yes",
    ]);
  });

  it("escapes ssh's %-tokens and quotes known_hosts paths with spaces (ssh splits that option on whitespace)", () => {
    const words = pythonShlexSplit(buildBorgRsh({ sshKeyFile: "/keys/100%/id", knownHostsFile: "/etc/my hosts/known %d" }));
    expect(words).toContain("/keys/100%%/id");
    expect(words).toContain('UserKnownHostsFile="/etc/my hosts/known %%d"');
  });

  it("refuses a known_hosts path ssh cannot take", () => {
    expect(() => buildBorgRsh({ knownHostsFile: '/etc/a"b' })).toThrow(BorgError);
  });

  it("shlexQuote round-trips anything", () => {
    const words = ["", "plain", "a b", "'", "''", `"'"`, "$HOME", "a\nb", "-x", "ü", "a\\b"];
    expect(pythonShlexSplitAll(words.map(shlexQuote))).toEqual(words.map((w) => [w]));
  });
});

describe("buildBorgEnv", () => {
  it("sets the fixed environment and inherits no BORG_* from the dashboard", async () => {
    const { env } = await buildBorgEnv({
      baseDir: "/var/lib/fleet/borg",
      parentEnv: {
        PATH: "/usr/bin",
        HOME: "/root",
        BORG_REPO: "/evil",
        BORG_PASSPHRASE: "parent-secret",
        BORG_EXIT_CODES: "modern",
        PYTHONIOENCODING: "latin1",
        TZ: "Europe/Berlin",
      },
    });
    expect(env).toMatchObject({
      PATH: "/usr/bin",
      HOME: "/root",
      TZ: "UTC",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      BORG_BASE_DIR: "/var/lib/fleet/borg",
      BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
      BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "no",
      BORG_DISPLAY_PASSPHRASE: "no",
      BORG_PASSPHRASE: "",
    });
    expect(env.BORG_REPO).toBeUndefined();
    expect(env.BORG_EXIT_CODES).toBeUndefined();
    expect(env.PYTHONIOENCODING).toBeUndefined();
    expect(env.BORG_RSH).toMatch(/^ssh -o BatchMode=yes/);
  });

  it("passphraseFile: first line, read at call time", async () => {
    const file = path.join(dir, "pw");
    await writeFile(file, "first line secret\nsecond line\n");
    const a = await buildBorgEnv({ baseDir: "/b", secrets: { passphraseFile: file } });
    expect(a.env.BORG_PASSPHRASE).toBe("first line secret");
    expect(a.redact).toContain("first line secret");
    expect(a.passphraseConfigured).toBe(true);
    await writeFile(file, "rotated\r\n");
    expect((await buildBorgEnv({ baseDir: "/b", secrets: { passphraseFile: file } })).env.BORG_PASSPHRASE).toBe("rotated");
    await writeFile(file, "no newline at end");
    expect(await readPassphraseFile(file)).toBe("no newline at end");
  });

  it("an unreadable passphrase file is a clear error without the file's content", async () => {
    await expect(buildBorgEnv({ baseDir: "/b", secrets: { passphraseFile: path.join(dir, "missing") } })).rejects.toMatchObject({
      kind: "other",
      userMessage: expect.stringMatching(/passphrase file .*missing could not be read \(it does not exist\)/),
    });
    await expect(readPassphraseFile(dir)).rejects.toMatchObject({ userMessage: expect.stringMatching(/it is a directory/) });
    if (process.getuid?.() !== 0) {
      const locked = path.join(dir, "locked");
      await writeFile(locked, "x");
      await chmod(locked, 0o000);
      await expect(readPassphraseFile(locked)).rejects.toMatchObject({ userMessage: expect.stringMatching(/permission denied/) });
    }
  });

  it("passcommand goes to BORG_PASSCOMMAND, with no BORG_PASSPHRASE to override it", async () => {
    const { env, redact, hidePlainStderr } = await buildBorgEnv({ baseDir: "/b", secrets: { passcommand: "pass show borg/web01", keyFile: "/k/web01" } });
    expect(env.BORG_PASSCOMMAND).toBe("pass show borg/web01");
    expect(env.BORG_PASSPHRASE).toBeUndefined();
    expect(env.BORG_KEY_FILE).toBe("/k/web01");
    expect(redact).toContain("pass show borg/web01");
    expect(hidePlainStderr).toBe(true);
  });

  it("unicode_escape and unknown-unencrypted are opt-in", async () => {
    const { env } = await buildBorgEnv({ baseDir: "/b", pythonIoEncoding: "unicode_escape", allowUnknownUnencrypted: true });
    expect(env.PYTHONIOENCODING).toBe("unicode_escape");
    expect(env.BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK).toBe("yes");
  });
});

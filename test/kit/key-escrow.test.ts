/** deploy/server/borg-key-escrow.sh with real borg repositories and real gpg. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { borgEnv, makeTmpDirs, ROOT, run } from "./helpers";

const SCRIPT = path.join(ROOT, "deploy/server/borg-key-escrow.sh");
const tmp = makeTmpDirs();
afterAll(() => tmp.cleanup());

describe("borg key escrow", () => {
  let base = "";
  const repos: Record<string, string> = {};
  const env = (extra: Record<string, string> = {}) => borgEnv(base, { BORG_PASSPHRASE: "escrow test", ...extra });
  beforeAll(async () => {
    base = tmp.make("escrow");
    for (const [host, mode] of [
      ["web1.example.com", "repokey-blake2"],
      ["db1.example.com", "keyfile-blake2"],
    ] as const) {
      repos[host] = path.join(base, "srv", host);
      fs.mkdirSync(path.dirname(repos[host]!), { recursive: true });
      const r = await run("borg", ["init", "-e", mode, repos[host]!], { env: env() });
      expect(r.code, r.stderr).toBe(0);
    }
  });
  const expectedKey = async (host: string) => (await run("borg", ["key", "export", repos[host]!], { env: env() })).stdout;

  it("exports every host's key into the keys directory (0700, files 0600); a failing host does not stop the others", async () => {
    const keysDir = path.join(tmp.make("keys"), "keys");
    const r = await run(
      SCRIPT,
      [
        "--local",
        `web1.example.com=${repos["web1.example.com"]}`,
        `gone.example.com=${path.join(base, "nope")}`,
        `db1.example.com=${repos["db1.example.com"]}`,
      ],
      {
        env: env({ KEYS_DIR: keysDir }),
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("gone.example.com: borg key export failed");
    expect(fs.readdirSync(keysDir).sort()).toEqual(["db1.example.com.key", "web1.example.com.key"]);
    expect(fs.statSync(keysDir).mode & 0o777).toBe(0o700);
    for (const host of ["web1.example.com", "db1.example.com"]) {
      const file = path.join(keysDir, `${host}.key`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const key = fs.readFileSync(file, "utf8");
      expect(key).toMatch(/^BORG_KEY [0-9a-f]{64}\n/);
      expect(key).toBe(await expectedKey(host));
    }
    expect((await run(SCRIPT, ["--local", "bad host=/x"], { env: env({ KEYS_DIR: keysDir }) })).code).toBe(1);
  });

  it("encrypts the keys at rest for KEY_RECIPIENT (gpg) and leaves no clear copy", async () => {
    const gnupg = tmp.make("gnupg");
    fs.chmodSync(gnupg, 0o700);
    const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
    onTestFinished(async () => {
      await run("gpgconf", ["--kill", "all"], { env: gpgEnv }); // the agent this test started
    });
    const gen = await run("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "escrow@example.com", "default", "default", "never"], { env: gpgEnv });
    expect(gen.code, gen.stderr).toBe(0);
    const keysDir = path.join(tmp.make("keys"), "keys");
    fs.mkdirSync(keysDir);
    fs.writeFileSync(path.join(keysDir, "web1.example.com.key"), "an earlier clear copy\n");
    const r = await run(SCRIPT, ["--local", `web1.example.com=${repos["web1.example.com"]}`], {
      env: env({ KEYS_DIR: keysDir, KEY_RECIPIENT: "escrow@example.com", GNUPGHOME: gnupg }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(keysDir)).toEqual(["web1.example.com.key.gpg"]);
    const encrypted = fs.readFileSync(path.join(keysDir, "web1.example.com.key.gpg"));
    expect(encrypted.includes(Buffer.from("BORG_KEY"))).toBe(false);
    const dec = await run("gpg", ["--batch", "--quiet", "--decrypt", path.join(keysDir, "web1.example.com.key.gpg")], { env: gpgEnv });
    expect(dec.code, dec.stderr).toBe(0);
    expect(dec.stdout).toBe(await expectedKey("web1.example.com"));
  });
});

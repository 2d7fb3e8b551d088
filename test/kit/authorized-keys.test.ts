/**
 * The authorized_keys generator (npm run authorized-keys): strict key validation, stable atomic output,
 * and a real sshd on 127.0.0.1 with the generated file: a host key reaches only its own repository,
 * the team key reaches every host's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { renderAuthorizedKeys, InventoryError } from "@/lib/kit/authorizedKeys";
import { parsePublicKey, KeyError } from "@/lib/kit/sshKey";
import { borgEnv, freePort, makeTmpDirs, ROOT, run, stopProcess, waitFor } from "./helpers";

const tmp = makeTmpDirs();
afterAll(() => tmp.cleanup());

const cli = (args: string[]) => run(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts/kit/authorized-keys.ts"), ...args]);

async function keygen(dir: string, name: string, type = "ed25519"): Promise<{ priv: string; pub: string }> {
  const priv = path.join(dir, name);
  const r = await run("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", `root@${name}`, "-f", priv]);
  expect(r.code, r.stderr).toBe(0);
  return { priv, pub: fs.readFileSync(`${priv}.pub`, "utf8") };
}

let keys: Record<"a" | "b" | "team" | "rsa" | "ecdsa", { priv: string; pub: string }>;
let keyDir: string;
beforeAll(async () => {
  keyDir = tmp.make("keys");
  keys = {
    a: await keygen(keyDir, "host-a"),
    b: await keygen(keyDir, "host-b"),
    team: await keygen(keyDir, "alice"),
    rsa: await keygen(keyDir, "rsa", "rsa"),
    ecdsa: await keygen(keyDir, "ecdsa", "ecdsa"),
  };
});

describe("public key validation", () => {
  it("accepts the types ssh-keygen makes, and a security-key ed25519 key", () => {
    for (const k of [keys.a, keys.rsa, keys.ecdsa]) expect(() => parsePublicKey(k.pub)).not.toThrow();
    // sk-ssh-ed25519@openssh.com: string type, string 32-byte key, string application
    const str = (b: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const blob = Buffer.concat([str(Buffer.from("sk-ssh-ed25519@openssh.com")), str(Buffer.alloc(32, 7)), str(Buffer.from("ssh:"))]).toString("base64");
    expect(parsePublicKey(`sk-ssh-ed25519@openssh.com ${blob} yubikey`).type).toBe("sk-ssh-ed25519@openssh.com");
  });

  it("refuses a key with an injected second line, options, wrong types and bodies", () => {
    const [type, blob] = keys.a.pub.trim().split(" ") as [string, string];
    const other = keys.b.pub.trim();
    const bad = [
      `${keys.a.pub.trim()}\n${other}`, // newline + second key
      `${keys.a.pub.trim()}\r${other}`,
      `${type} ${blob} x\nfrom="*" ${other}`,
      `command="/bin/sh" ${keys.a.pub.trim()}`, // options
      `restrict ${keys.a.pub.trim()}`,
      `ssh-dss ${blob}`, // not accepted
      `ssh-rsa ${blob}`, // body is an ed25519 key
      `${type} ${blob.slice(0, -8)}`, // truncated
      `${type} ${blob}AAAA`, // trailing bytes
      `${type} ${blob.replace(/[A-Za-z]/, "!")}`,
      `${type}  ${blob}`,
      "",
    ];
    for (const text of bad) expect(() => parsePublicKey(text), JSON.stringify(text)).toThrow(KeyError);
  });

  it("the generator refuses an inventory with an injected key and writes nothing", async () => {
    const dir = tmp.make("inject");
    const inventory = path.join(dir, "inventory.yml");
    const out = path.join(dir, "authorized_keys");
    fs.writeFileSync(out, "previous\n");
    fs.writeFileSync(inventory, YAML.stringify({ hosts: { "a.example": `${keys.a.pub.trim()}\n${keys.team.pub.trim()}` } }));
    const r = await cli(["--inventory", inventory, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("host a.example: must be one line");
    expect(fs.readFileSync(out, "utf8")).toBe("previous\n");
    expect(() => renderAuthorizedKeys({ hosts: { x: [`${keys.a.pub}${keys.b.pub}`] }, team: {} }, { root: "/srv/borg" })).toThrow(InventoryError);
  });
});

describe("authorized_keys output", () => {
  it("is stable, sorted, forced to borg serve, with --append-only for hosts only", () => {
    const inv = { hosts: { "b.example": [keys.b.pub], "a.example": [keys.a.pub] }, team: { alice: [keys.team.pub] } };
    const text = renderAuthorizedKeys(inv, { root: "/srv/borg/", appendOnly: true });
    const blob = (k: { pub: string }) => k.pub.split(" ")[1];
    expect(text).toBe(
      `command="borg serve --append-only --restrict-to-path /srv/borg/a.example",restrict ssh-ed25519 ${blob(keys.a)} host:a.example\n` +
        `command="borg serve --append-only --restrict-to-path /srv/borg/b.example",restrict ssh-ed25519 ${blob(keys.b)} host:b.example\n` +
        `command="borg serve --restrict-to-path /srv/borg",restrict ssh-ed25519 ${blob(keys.team)} team:alice\n`,
    );
    const reordered = { team: { alice: [keys.team.pub] }, hosts: { "a.example": [keys.a.pub], "b.example": [keys.b.pub] } };
    expect(renderAuthorizedKeys(reordered, { root: "/srv/borg", appendOnly: true })).toBe(text);
    expect(() => renderAuthorizedKeys(inv, { root: 'srv/"borg' })).toThrow(InventoryError);
    expect(() => renderAuthorizedKeys({ hosts: { a: [keys.a.pub], b: [keys.a.pub] }, team: {} }, { root: "/srv/borg" })).toThrow(/already used/);
  });

  it("the CLI previews a diff (--dry-run writes nothing), then writes atomically with mode 0600", async () => {
    const dir = tmp.make("cli");
    const inventory = path.join(dir, "inventory.yml");
    const out = path.join(dir, "authorized_keys");
    fs.writeFileSync(inventory, YAML.stringify({ root: "/srv/borg", hosts: { "a.example": keys.a.pub } }));
    let r = await cli(["--inventory", inventory, "--out", out, "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\+ command="borg serve --restrict-to-path \/srv\/borg\/a\.example",restrict ssh-ed25519 /m);
    expect(fs.existsSync(out)).toBe(false);
    r = await cli(["--inventory", inventory, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    fs.writeFileSync(inventory, YAML.stringify({ root: "/srv/borg", hosts: { "b.example": keys.b.pub } }));
    r = await cli(["--inventory", inventory, "--out", out]);
    expect(r.stdout).toMatch(/^- .*host:a\.example$/m);
    expect(r.stdout).toMatch(/^\+ .*host:b\.example$/m);
    expect(fs.readdirSync(dir).sort()).toEqual(["authorized_keys", "inventory.yml"]);
    r = await cli(["--inventory", inventory, "--out", out]);
    expect(r.stdout).toContain("no changes");
  });
});

describe("real sshd with the generated authorized_keys", () => {
  let sshd: ChildProcess | undefined;
  let port = 0;
  let borgRoot = "";
  let base = "";
  let sshLog = "";
  beforeAll(async () => {
    const dir = tmp.make("sshd");
    borgRoot = path.join(dir, "srv", "borg");
    fs.mkdirSync(borgRoot, { recursive: true });
    base = path.join(dir, "borg-base");
    const inventory = path.join(dir, "inventory.yml");
    fs.writeFileSync(
      inventory,
      YAML.stringify({ root: borgRoot, hosts: { "a.example": keys.a.pub, "b.example": keys.b.pub }, team: { alice: keys.team.pub } }),
    );
    const authorized = path.join(dir, "authorized_keys");
    const r = await cli(["--inventory", inventory, "--out", authorized]);
    expect(r.code, r.stderr).toBe(0);
    const hostKey = path.join(dir, "ssh_host_ed25519_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    port = await freePort();
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const config = [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      "StrictModes no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PidFile none",
      "LogLevel VERBOSE",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "sshd_config"), `${config}\n`);
    sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    sshd.stderr?.on("data", (d: Buffer) => (sshLog += d.toString()));
    await waitFor("sshd to listen", async () => (sshLog.includes("Server listening") ? true : undefined));
  });
  afterAll(async () => {
    await stopProcess(sshd);
  });

  const borgAs = (key: { priv: string }, args: string[]) =>
    run("borg", args, {
      env: borgEnv(base, {
        BORG_RSH: `ssh -i ${key.priv} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
      }),
    });
  const url = (host: string) => `ssh://root@127.0.0.1:${port}${borgRoot}/${host}`;

  it("host A's key backs up into A's path and is refused on B's path", async () => {
    const src = tmp.make("src");
    fs.writeFileSync(path.join(src, "hello.txt"), "from a\n");
    let r = await borgAs(keys.a, ["init", "-e", "none", url("a.example")]);
    expect(r.code, r.stderr + sshLog).toBe(0);
    r = await borgAs(keys.a, ["create", `${url("a.example")}::first`, src]);
    expect(r.code, r.stderr).toBe(0);
    r = await borgAs(keys.b, ["init", "-e", "none", url("b.example")]);
    expect(r.code, r.stderr).toBe(0);
    // A on B's repository (existing) and on a new path beside it: both refused by --restrict-to-path.
    r = await borgAs(keys.a, ["list", url("b.example")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PathNotAllowed|not allowed/i);
    r = await borgAs(keys.a, ["init", "-e", "none", `ssh://root@127.0.0.1:${port}${borgRoot}/c.example`]);
    expect(r.code).not.toBe(0);
    expect(fs.existsSync(path.join(borgRoot, "c.example"))).toBe(false);
    // No shell either: the forced command ignores what the client asks for.
    const shell = await run("ssh", [
      "-i",
      keys.a.priv,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-p",
      String(port),
      "root@127.0.0.1",
      "id",
    ]);
    expect(shell.stdout).not.toContain("uid=");
  });

  it("the team key lists both hosts' repositories", async () => {
    const a = await borgAs(keys.team, ["list", "--short", url("a.example")]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trim()).toBe("first");
    const b = await borgAs(keys.team, ["list", url("b.example")]);
    expect(b.code, b.stderr).toBe(0);
  });
});

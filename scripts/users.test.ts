import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../lib/auth/passwords";
import { createSession, readSession } from "../lib/auth/sessions";
import { findUser } from "../lib/auth/users";
import { queryAudit } from "../lib/audit/log";
import { openDatabase } from "../lib/db";
import { DEMO_USERS, seedDemoUsers, type DemoCredential } from "./seed/users";
import { runUsers } from "./users";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-users-"));
  fs.mkdirSync(path.join(dir, "srv"));
  fs.writeFileSync(path.join(dir, "fleet.yml"), "dataDir: ./data\ncollector: { enabled: false }\nsites:\n  - name: onsite\n    root: ./srv\n");
});
afterEach(() => {
  openDatabase(path.join(dir, "data")).close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run users", () => {
  it("adds, lists, changes passwords and removes users; password changes and removals end sessions", async () => {
    const config = path.join(dir, "fleet.yml");
    let out = "";
    const print = (s: string) => void (out += s);
    expect(await runUsers(["add", "alice", "--role", "operator", "--hosts", "web-*,db-?.example.com", "--config", config], print)).toBe(0);
    const password = /password: (\S+)/.exec(out)![1]!;
    const db = openDatabase(path.join(dir, "data"));
    const alice = findUser(db, "alice")!;
    expect(alice.hosts).toEqual(["web-*", "db-?.example.com"]);
    expect(await verifyPassword(password, alice.passwordHash)).toBe(true);

    await expect(runUsers(["add", "bob", "--role", "operator", "--config", config], print)).rejects.toThrow(/needs --hosts/);
    await expect(runUsers(["add", "bob", "--role", "root", "--config", config], print)).rejects.toThrow(/--role/);

    out = "";
    await runUsers(["list", "--config", config], print);
    expect(out).toBe("alice\toperator\tweb-*,db-?.example.com\n");

    const session = createSession(db, alice.id, null);
    await runUsers(["passwd", "alice", "--config", config], print);
    expect(readSession(db, session)).toBeNull();
    const again = createSession(db, alice.id, null);
    await runUsers(["remove", "alice", "--config", config], print);
    expect(readSession(db, again)).toBeNull();
    expect(findUser(db, "alice")).toBeUndefined();
    expect(queryAudit(db).map((r) => `${r.username} ${r.action}`)).toEqual(["cli user:remove", "cli user:passwd", "cli user:add"]);
  });
});

describe("demo users", () => {
  it("creates the three demo users with random passwords, writes credentials.json (0600), keeps them on a second run", async () => {
    const quiet = () => undefined;
    const first = await seedDemoUsers(dir, quiet);
    expect(first.map((c) => [c.username, c.role])).toEqual(DEMO_USERS.map((u) => [u.username, u.role]));
    const file = path.join(dir, "credentials.json");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const written = JSON.parse(fs.readFileSync(file, "utf8")) as DemoCredential[];
    expect(Object.keys(written[0]!)).toEqual(["username", "password", "role", "hosts"]);
    expect(new Set(written.map((c) => c.password)).size).toBe(3);
    expect(written.find((c) => c.role === "operator")!.hosts).toEqual(["web-*", "db-??"]);

    const second = await seedDemoUsers(dir, quiet);
    expect(second).toEqual(first);
    const db = openDatabase(path.join(dir, "data"));
    for (const c of second) expect(await verifyPassword(c.password, findUser(db, c.username)!.passwordHash)).toBe(true);
  });
});

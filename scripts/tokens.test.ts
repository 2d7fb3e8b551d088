import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authenticateToken } from "../lib/auth/apiTokens";
import { openDatabase } from "../lib/db";
import { runTokens } from "./tokens";

let dir: string;
let config: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-tokens-"));
  fs.mkdirSync(path.join(dir, "srv"));
  config = path.join(dir, "fleet.yml");
  fs.writeFileSync(config, "dataDir: ./data\ncollector: { enabled: false }\nsites:\n  - name: onsite\n    root: ./srv\n");
});
afterEach(() => {
  openDatabase(path.join(dir, "data")).close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run tokens", () => {
  it("creates a token printed once, lists it without the secret, and revokes it", () => {
    const now = Date.UTC(2026, 11, 6);
    let out = "";
    const print = (s: string) => void (out += s);
    expect(runTokens(["create", "ansible", "--role", "viewer", "--hosts", "web-*", "--expires", "90d", "--config", config], print, now)).toBe(0);
    const secret = /token: (bft_\S+)/.exec(out)![1]!;
    expect(out).toContain("expires 2027-03-06T00:00:00Z");
    const db = openDatabase(path.join(dir, "data"));
    expect(authenticateToken(db, secret, now).ok).toBe(true);

    out = "";
    expect(runTokens(["list", "--config", config], print, now)).toBe(0);
    expect(out).toMatch(/^ansible\tviewer\tweb-\*\texpires 2027-03-06T00:00:00Z\tlast used 2026-12-06T00:00:00Z\tactive\n$/);
    expect(out).not.toContain(secret.slice(-43));

    expect(runTokens(["revoke", "ansible", "--config", config], print, now)).toBe(0);
    expect(authenticateToken(db, secret, now)).toMatchObject({ ok: false, reason: "revoked" });
  });

  it("makes up a name when none is given (the issue's own example has none)", () => {
    let out = "";
    const now = Date.UTC(2026, 11, 6);
    expect(runTokens(["create", "--role", "viewer", "--hosts", "web-*", "--expires", "90d", "--config", config], (s) => void (out += s), now)).toBe(0);
    const name = /created token (cli-viewer-20261206-[0-9a-f]{4}) \(viewer on web-\*, expires 2027-03-06T00:00:00Z\)/.exec(out)?.[1];
    expect(name).toBeDefined();
    const secret = /token: (bft_\S+)/.exec(out)![1]!;
    const check = authenticateToken(openDatabase(path.join(dir, "data")), secret, now);
    expect(check.ok && check.principal.username).toBe(`token ${name}`);
  });

  it("refuses bad options with a clear message", () => {
    const print = () => undefined;
    expect(() => runTokens(["create", "x", "--role", "root", "--config", config], print)).toThrow(/--role must be/);
    expect(() => runTokens(["create", "x", "--role", "viewer", "--hosts", "*", "--expires", "soon", "--config", config], print)).toThrow(/not a duration/);
    expect(() => runTokens(["create", "x", "--role", "viewer", "--hosts", "*", "--expires", "400d", "--config", config], print)).toThrow(/within 366 days/);
    expect(() => runTokens(["revoke", "--config", config], print)).toThrow(/needs a token name/);
    expect(() => runTokens(["frobnicate", "--config", config], print)).toThrow(/unknown command/);
    expect(runTokens([], print)).toBe(2);
  });
});

/**
 * Restores through /api/v1 on a real borg repo with the real runner: a token starts a job, polls it
 * until it succeeded, and the files are on disk; who may start and cancel (role × scope × token
 * state), bad paths refused, every refusal audited with the token as the actor.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeHandler } from "@/lib/api/endpoint";
import { cancelRestore, getRestore, startRestore } from "@/lib/api/endpoints/restores";
import { queryAudit } from "@/lib/audit/log";
import { createToken, revokeToken } from "@/lib/auth/apiTokens";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { RestoreRunner, setRestoreRunner } from "@/lib/restore/runner";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { installFleet } from "./fixtures";

const ARCHIVE = "web-01-2026-12-01T03:00";
let repo: TempRepo;
let db: Db;
let restoreRoot: string;
const tokens: Record<"admin" | "operator" | "dbOperator" | "viewer" | "revoked", string> = { admin: "", operator: "", dbOperator: "", viewer: "", revoked: "" };

beforeAll(async () => {
  repo = await makeTempRepo();
  await repo.addArchive(ARCHIVE, {
    files: [
      { path: "etc/motd", content: "hello from web-01\n" },
      { path: "etc/hosts", content: "127.0.0.1 localhost\n" },
    ],
  });
  restoreRoot = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-api-restore-"));
  process.env.BORG_FLEET_BORG_BASE_DIR = repo.baseDir;
  const config = configSchema.parse({
    dataDir: repo.root,
    sites: [{ name: "onsite", root: repo.root, discover: false }],
    repos: [{ host: "web-01", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    restore: { root: restoreRoot },
  });
  setCurrentConfig(config);
  installFleet([]); // resolveArchive falls back to one `borg list` of the configured repo
  db = openMemoryDatabase();
  setDatabase(db);
  setRestoreRunner(new RestoreRunner({ db, config, borg: repo.opts }));
  const by = { by: "test" };
  tokens.admin = createToken(db, { name: "admin", role: "admin", hosts: ["*"] }, by).secret;
  tokens.operator = createToken(db, { name: "web-op", role: "operator", hosts: ["web-*"] }, by).secret;
  tokens.dbOperator = createToken(db, { name: "db-op", role: "operator", hosts: ["db-*"] }, by).secret;
  tokens.viewer = createToken(db, { name: "viewer", role: "viewer", hosts: ["*"] }, by).secret;
  tokens.revoked = createToken(db, { name: "gone", role: "admin", hosts: ["*"] }, by).secret;
  revokeToken(db, "gone", by);
});

afterAll(async () => {
  setRestoreRunner(undefined);
  setDatabase(undefined);
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
  await rm(restoreRoot, { recursive: true, force: true });
});

const headers = (token: string | undefined, json = true) => ({
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...(json ? { "content-type": "application/json" } : {}),
});

async function start(token: string | undefined, body: unknown) {
  const response = await routeHandler(startRestore)(
    new Request("http://127.0.0.1/api/v1/restores", { method: "POST", headers: headers(token), body: JSON.stringify(body) }),
  );
  return { status: response.status, body: await response.json() };
}

async function get(token: string, id: number) {
  const response = await routeHandler(getRestore)(new Request(`http://127.0.0.1/api/v1/restores/${id}`, { headers: headers(token, false) }), {
    params: Promise.resolve({ id: String(id) }),
  });
  return { status: response.status, body: await response.json() };
}

async function cancel(token: string | undefined, id: number) {
  const response = await routeHandler(cancelRestore)(
    new Request(`http://127.0.0.1/api/v1/restores/${id}/cancel`, { method: "POST", headers: headers(token, false) }),
    {
      params: Promise.resolve({ id: String(id) }),
    },
  );
  return { status: response.status, body: await response.json() };
}

const refused = () => queryAudit(db, { outcome: "refused", limit: 1000 }).length;

describe("POST /api/v1/restores", () => {
  it("starts a job that a token can poll until it succeeded; the files are restored byte for byte", async () => {
    const started = await start(tokens.operator, { host: "web-01", site: "onsite", archive: ARCHIVE, paths: ["etc/motd"] });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ host: "web-01", archive: ARCHIVE, requestedBy: "token web-op", paths: ["etc/motd"] });
    let job = started.body;
    for (let i = 0; i < 300 && !["succeeded", "failed", "cancelled", "interrupted"].includes(job.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await get(tokens.operator, started.body.id)).body;
    }
    expect(job.state).toBe("succeeded");
    expect(await readFile(path.join(job.destination, "etc/motd"), "utf8")).toBe("hello from web-01\n");
    const rows = queryAudit(db, { username: "token web-op", action: "archive:restore" });
    expect(rows.some((r) => r.outcome === "ok")).toBe(true);
  });

  // [caller, body, expected status]
  const CASES: [string, Record<string, unknown>, number][] = [
    ["admin", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 202],
    ["operator", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 202],
    ["dbOperator", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 404],
    ["viewer", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 403],
    ["revoked", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 401],
    ["missing", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"] }, 401],
    ["operator", { host: "web-01", archive: ARCHIVE, paths: ["../etc/passwd"] }, 400],
    ["operator", { host: "web-01", archive: ARCHIVE, paths: ["etc/../../x"] }, 400],
    ["operator", { host: "web-01", archive: ARCHIVE, paths: [] }, 400],
    ["operator", { host: "web-01", archive: "no-such-archive", paths: ["etc/hosts"] }, 404],
    ["admin", { host: "nosuchhost", archive: ARCHIVE, paths: ["etc/hosts"] }, 404],
    ["operator", { host: "web-01", archive: ARCHIVE, paths: ["etc/hosts"], extra: 1 }, 400],
  ];
  for (const [caller, body, expected] of CASES) {
    it(`${caller} ${JSON.stringify(body)} → ${expected}, refusals audited`, async () => {
      const before = refused();
      const result = await start(caller === "missing" ? undefined : tokens[caller as keyof typeof tokens], body);
      expect(result.status).toBe(expected);
      expect(refused() - before).toBe(expected === 202 ? 0 : 1);
      if (expected !== 202) expect(result.body).toMatchObject({ status: expected, title: expect.any(String) });
    });
  }

  it("refuses a body that is not JSON, and one that is too large", async () => {
    const notJson = await routeHandler(startRestore)(
      new Request("http://127.0.0.1/api/v1/restores", { method: "POST", headers: headers(tokens.admin), body: "host=web-01" }),
    );
    expect(notJson.status).toBe(400);
    const form = await routeHandler(startRestore)(
      new Request("http://127.0.0.1/api/v1/restores", {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/x-www-form-urlencoded" },
        body: "a=b",
      }),
    );
    expect(form.status).toBe(415);
    const huge = await start(tokens.admin, { host: "web-01", archive: ARCHIVE, paths: Array.from({ length: 200_000 }, (_, i) => `etc/file-${i}`) });
    expect(huge.status).toBe(413);
  });
});

describe("POST /api/v1/restores/{id}/cancel", () => {
  it("cancels only within scope; a finished job answers 409", async () => {
    const started = await start(tokens.admin, { host: "web-01", archive: ARCHIVE, paths: ["etc"] });
    expect(started.status).toBe(202);
    const id = started.body.id as number;
    expect((await cancel(tokens.viewer, id)).status).toBe(403);
    expect((await cancel(tokens.dbOperator, id)).status).toBe(404);
    expect((await cancel(undefined, id)).status).toBe(401);
    const first = await cancel(tokens.operator, id);
    // The job may have finished already on a fast machine; either way the answer says what it is now.
    expect([200, 409]).toContain(first.status);
    let job = (await get(tokens.admin, id)).body;
    for (let i = 0; i < 300 && !["succeeded", "failed", "cancelled", "interrupted"].includes(job.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await get(tokens.admin, id)).body;
    }
    expect(["cancelled", "succeeded"]).toContain(job.state);
    const again = await cancel(tokens.operator, id);
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already|finished|cannot/i);
  });
});

/**
 * The archive request layer on its own, on a real borg repo: what an opened request holds, how its
 * audit rows are filled in, a second archive resolved in the first one's repo, and the one refusal
 * value turned into each surface's answer.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";

vi.mock("next/headers", async () => (await import("@/test/fixtures/routeSession")).nextHeadersMock);

import { queryAudit } from "@/lib/audit/log";
import { setDatabase } from "@/lib/db/current";
import type { Db } from "@/lib/db";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { asSession, installAuthDb, signIn } from "@/test/fixtures/routeSession";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { archiveFieldsSchema, archivePathSchema } from "./params";
import { openArchiveRequest, refusalResponse, refusalResult } from "./request";

const schema = archiveFieldsSchema.extend({ paths: z.array(archivePathSchema), to: z.string().optional() });
const action = { surface: { kind: "action" } as const, action: "archive:restore" as const, schema };

let repo: TempRepo;
let db: Db;

beforeAll(async () => {
  repo = await makeTempRepo({ archives: [{ name: "web1-a" }, { name: "web1-b" }] });
  process.env.BORG_FLEET_BORG_BASE_DIR = repo.baseDir;
  setCurrentConfig(
    configSchema.parse({
      sites: [
        { name: "offsite", root: path.join(repo.root, "nowhere"), discover: false },
        { name: "onsite", root: path.join(repo.root, "storage"), discover: false },
      ],
      repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    }),
  );
  db = installAuthDb();
  asSession(await signIn(db, { username: "op", role: "operator", hosts: ["web*"] }), "198.51.100.7");
});

afterAll(async () => {
  setDatabase(undefined);
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
});

describe("openArchiveRequest", () => {
  it("opens a request: the principal, the parsed input (paths as bytes), the archive and its repo target", async () => {
    const opened = await openArchiveRequest({ host: "web1", archive: "web1-a", paths: ["etc/motd"] }, action);
    if (!opened.ok) throw new Error(opened.refusal.message);
    expect(opened.principal.username).toBe("op");
    expect(opened.input.paths).toEqual([Buffer.from("etc/motd")]);
    // No site given: the host's repos are tried in the config's site order.
    expect(opened.ref).toMatchObject({ host: "web1", site: "onsite", repoId: "onsite/web1", archive: { name: "web1-a" } });
    expect(opened.ref.target.location).toBe(repo.location);
    expect(queryAudit(db, { action: "archive:restore" })).toEqual([]); // opening is not an event; what the caller does with it is
  });

  it("audits the caller's outcome with who, where, which archive and which paths filled in", async () => {
    const opened = await openArchiveRequest({ host: "web1", site: "onsite", archive: "web1-a", paths: ["etc/motd", "var/log"] }, action);
    if (!opened.ok) throw new Error(opened.refusal.message);
    await opened.audit({ outcome: "ok", reason: "done" });
    expect(queryAudit(db, { limit: 1 })[0]).toMatchObject({
      username: "op",
      action: "archive:restore",
      host: "web1",
      archive: "web1-a",
      paths: JSON.stringify(["etc/motd", "var/log"]),
      outcome: "ok",
      reason: "done",
    });
  });

  it("resolves further archives in the first one's repo, and refuses the request when one is missing", async () => {
    const both = await openArchiveRequest({ host: "web1", archive: "web1-a", to: "web1-b", paths: [] }, { ...action, alsoArchives: (i) => [i.to!] });
    if (!both.ok) throw new Error(both.refusal.message);
    expect(both.also.map((r) => [r.site, r.archive.name])).toEqual([["onsite", "web1-b"]]);
    const missing = await openArchiveRequest(
      { host: "web1", archive: "web1-a", to: "web1-zzz", paths: [] },
      { ...action, auditAction: "archive:diff", alsoArchives: (i) => [i.to!] },
    );
    expect(missing).toMatchObject({ ok: false, refusal: { status: 404, message: "No such archive." } });
    expect(queryAudit(db, { limit: 1 })[0]).toMatchObject({
      action: "archive:diff",
      host: "web1",
      archive: "web1-a → web1-zzz",
      outcome: "refused",
      reason: "archive not found",
    });
  });

  it("refuses bad input with the issues in words, and records the raw host it named", async () => {
    const bad = await openArchiveRequest({ host: "web1", archive: "web1-a", paths: ["/etc/shadow"] }, action);
    expect(bad).toMatchObject({ ok: false, refusal: { status: 400, message: "Invalid request: paths[0]: the path is absolute." } });
    expect(queryAudit(db, { limit: 1 })[0]).toMatchObject({
      host: "web1",
      archive: "web1-a",
      outcome: "refused",
      reason: "invalid input: paths[0]: the path is absolute",
    });
  });
});

describe("one refusal, each surface's answer", () => {
  it("a route answers JSON { error } with the status, never cached; an action a failed ActionResult", async () => {
    const response = refusalResponse({ status: 404, message: "No such archive." });
    expect(response.status).toBe(404);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ error: "No such archive." });
    expect(refusalResult({ status: 400, message: "Invalid request: x." })).toEqual({ ok: false, message: "Invalid request: x." });
  });
});

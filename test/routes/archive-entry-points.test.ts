/**
 * The five archive entry points refuse the same bad requests the same way, on a real borg repo:
 *
 *   index routes   GET /api/archives/entries, GET+POST /api/archives/index-status
 *   download route GET+POST /api/archives/download
 *   restore action startRestore, retryRestore (of a stored job), cancelRestore
 *   archive page   /hosts/<host>/archives/<archive>
 *   diff page      /hosts/<host>/diff?from=&to=
 *
 * For a forged host (a valid name that no config knows), an out-of-scope host and a ".." path, each
 * one answers with its surface's form of the one refusal (lib/archives/request.ts): routes a JSON
 * `{ error }` with 404 / 403 / 400, actions `{ ok: false, message }` with the same text (403 thrown
 * like Next's forbidden()), pages a 404 (nothing about a host leaks) — and writes exactly one audit row.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.mock("next/headers", async () => (await import("@/test/fixtures/routeSession")).nextHeadersMock);

import { cancelRestore, retryRestore, startRestore } from "@/app/actions/restore";
import { GET as downloadGET, POST as downloadPOST } from "@/app/api/archives/download/route";
import { GET as entriesGET } from "@/app/api/archives/entries/route";
import { GET as statusGET, POST as statusPOST } from "@/app/api/archives/index-status/route";
import ArchivePage from "@/app/hosts/[host]/archives/[archive]/page";
import DiffPage from "@/app/hosts/[host]/diff/page";
import { stopArchiveIndexes } from "@/lib/archives/index/runtime";
import { encodePathParam } from "@/lib/archives/pathParam";
import { queryAudit } from "@/lib/audit/log";
import { setDatabase } from "@/lib/db/current";
import type { Db } from "@/lib/db";
import { listArchives } from "@/lib/borg";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState } from "@/lib/fleet/types";
import { RestoreRunner, setRestoreRunner } from "@/lib/restore/runner";
import { insertJob } from "@/lib/restore/store";
import { asSession, installAuthDb, signIn } from "@/test/fixtures/routeSession";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";

const HOST = "web1";
const FORGED = "web9"; // in the operator's scope (web*), in no config
const OUT_OF_SCOPE = "db1";
const FROM = "web1-2026-11-01";
const TO = "web1-2026-11-02";

let repo: TempRepo;
let db: Db;
let token: string;
/** The stored job of each case (inserted before the tests: insertJob writes its own audit row). */
const storedJobs = new Map<Asked, number>();

/** What an entry point answered, in one shape: an HTTP status (thrown digests included) and the error text, if any. */
interface Answer {
  status: number | "action-failed";
  message: string | null;
}

async function answerOf(call: () => Promise<unknown>): Promise<Answer> {
  try {
    const value = await call();
    if (value instanceof Response) return { status: value.status, message: value.ok ? null : ((await value.json()) as { error: string }).error };
    const result = value as { ok: boolean; message: string };
    if (result && typeof result === "object" && "ok" in result && !result.ok) return { status: "action-failed", message: result.message };
    return { status: 200, message: null };
  } catch (err) {
    const digest = (err as { digest?: unknown }).digest;
    const m = typeof digest === "string" ? /^NEXT_HTTP_ERROR_FALLBACK;(\d{3})$/.exec(digest) : null;
    if (m) return { status: Number(m[1]), message: null };
    throw err;
  }
}

type Case = "forged host" | "out-of-scope host" | "'..' path";
interface Asked {
  host: string;
  archive: string;
  path: string;
}

const requests: Record<Case, Asked> = {
  "forged host": { host: FORGED, archive: FROM, path: "etc/motd" },
  "out-of-scope host": { host: OUT_OF_SCOPE, archive: FROM, path: "etc/motd" },
  "'..' path": { host: HOST, archive: FROM, path: "etc/../../etc/passwd" },
};

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();
const form = (params: Record<string, string>) =>
  new Request("http://localhost/api/archives/download", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: query(params),
  });

/** A queued job as a stored row (the way a retry finds it), for the cases a start could never store. */
function storedJob(r: Asked): number {
  return insertJob(db, {
    host: r.host,
    site: "onsite",
    repoId: `onsite/${r.host}`,
    archive: r.archive,
    archiveId: "0".repeat(64),
    paths: [encodePathParam(Buffer.from(r.path))],
    stripComponents: 0,
    requestedBy: "admin",
    destinationFor: (id) => `/nonexistent/job-${id}`,
  }).id;
}

/** Each entry point, called with one request (index-status reads no path, but checks one sent along). */
const entryPoints: Array<{ name: string; surface: "route" | "action" | "page"; call: (r: Asked) => Promise<unknown> }> = [
  {
    name: "GET /api/archives/entries",
    surface: "route",
    call: (r) => entriesGET(new Request(`http://localhost/api/archives/entries?${query({ host: r.host, site: "onsite", archive: r.archive, path: r.path })}`)),
  },
  {
    name: "GET /api/archives/index-status",
    surface: "route",
    call: (r) =>
      statusGET(new Request(`http://localhost/api/archives/index-status?${query({ host: r.host, site: "onsite", archive: r.archive, path: r.path })}`)),
  },
  {
    name: "POST /api/archives/index-status",
    surface: "route",
    call: (r) =>
      statusPOST(
        new Request(`http://localhost/api/archives/index-status?${query({ host: r.host, site: "onsite", archive: r.archive, path: r.path })}`, {
          method: "POST",
        }),
      ),
  },
  {
    name: "GET /api/archives/download",
    surface: "route",
    call: (r) =>
      downloadGET(new Request(`http://localhost/api/archives/download?${query({ host: r.host, site: "onsite", archive: r.archive, path: r.path })}`)),
  },
  {
    name: "POST /api/archives/download",
    surface: "route",
    call: (r) => downloadPOST(form({ host: r.host, site: "onsite", archive: r.archive, path: r.path })),
  },
  { name: "startRestore", surface: "action", call: (r) => startRestore({ host: r.host, site: "onsite", archive: r.archive, paths: [r.path] }) },
  { name: "retryRestore", surface: "action", call: (r) => retryRestore({ jobId: storedJobs.get(r)! }) },
  {
    name: "archive page",
    surface: "page",
    call: (r) =>
      ArchivePage({
        params: Promise.resolve({ host: r.host, archive: encodeURIComponent(r.archive) }),
        searchParams: Promise.resolve({ site: "onsite", path: r.path }),
      }),
  },
  {
    name: "diff page",
    surface: "page",
    call: (r) =>
      DiffPage({ params: Promise.resolve({ host: r.host }), searchParams: Promise.resolve({ site: "onsite", from: r.archive, to: TO, path: r.path }) }),
  },
];

/** What each surface answers for each case, and the audit row it writes. */
const expected: Record<Case, { route: Answer; action: Answer; page: Answer; audit: () => Record<string, unknown> }> = {
  "forged host": {
    route: { status: 404, message: "No such archive." },
    action: { status: "action-failed", message: "No such archive." },
    page: { status: 404, message: null },
    audit: () => ({ host: FORGED, outcome: "refused", reason: "archive not found" }),
  },
  "out-of-scope host": {
    route: { status: 403, message: null },
    action: { status: 403, message: null },
    page: { status: 404, message: null },
    audit: () => ({ host: OUT_OF_SCOPE, outcome: "refused", reason: `host ${OUT_OF_SCOPE} is outside the user's scope` }),
  },
  "'..' path": {
    route: {
      status: 400,
      message: expect.stringMatching(/^Invalid request: paths?(\[0\])?: the path has an empty, "\." or "\.\." component\.$/) as unknown as string,
    },
    action: {
      status: "action-failed",
      message: expect.stringMatching(/^Invalid request: paths\[0\]: the path has an empty, "\." or "\.\." component\.$/) as unknown as string,
    },
    page: { status: 404, message: null },
    audit: () => ({
      host: HOST,
      outcome: "refused",
      reason: expect.stringMatching(/^invalid input: paths?(\[0\])?: the path has an empty, "\." or "\.\." component$/),
    }),
  },
};

beforeAll(async () => {
  repo = await makeTempRepo();
  await repo.addArchive(FROM, { files: [{ path: "etc/motd", content: "one\n" }] });
  await repo.addArchive(TO, { files: [{ path: "etc/motd", content: "two\n" }] });
  process.env.BORG_FLEET_BORG_BASE_DIR = repo.baseDir;
  const dataDir = path.join(repo.root, "data");
  fs.mkdirSync(dataDir);
  const config = configSchema.parse({
    dataDir,
    sites: [{ name: "onsite", root: path.join(repo.root, "storage"), discover: false }],
    repos: [{ host: HOST, site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    restore: { root: path.join(repo.root, "restores") },
  });
  setCurrentConfig(config);
  const archives = (await listArchives(repo.target, repo.opts)).archives.map((a) => ({ ...a, end: null, stats: null }));
  const state = { repos: [{ id: `onsite/${HOST}`, host: HOST, site: "onsite", archives }], sites: [], problems: [] } as unknown as FleetState;
  setFleetProvider({ getState: () => state, getRepoHistory: () => [], getSiteHistory: () => [] });
  db = installAuthDb();
  setRestoreRunner(new RestoreRunner({ db, config, borg: repo.opts }));
  token = await signIn(db, { username: "op", role: "operator", hosts: ["web*"] });
  for (const asked of Object.values(requests)) storedJobs.set(asked, storedJob(asked));
});

afterAll(async () => {
  setRestoreRunner(undefined);
  await stopArchiveIndexes();
  setDatabase(undefined);
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
});

describe("the archive entry points refuse bad requests the same way, each with one audit row", () => {
  for (const entry of entryPoints) {
    for (const [name, request] of Object.entries(requests) as Array<[Case, Asked]>) {
      it(`${entry.name}: ${name}`, async () => {
        asSession(token);
        const before = queryAudit(db, { limit: 1 })[0]?.id ?? 0;
        const answer = await answerOf(() => entry.call(request));
        expect(answer).toEqual(expected[name][entry.surface]);
        const rows = queryAudit(db).filter((r) => r.id > before);
        expect(rows, JSON.stringify(rows)).toHaveLength(1);
        expect(rows[0]).toMatchObject({ username: "op", ...expected[name].audit() });
        expect(rows[0]!.action).toMatch(/^archive:/);
      });
    }
  }

  it("cancelRestore: a job of an out-of-scope host is 403, an unknown job refused, each audited once", async () => {
    asSession(token);
    const outside = storedJobs.get(requests["out-of-scope host"])!;
    let before = queryAudit(db, { limit: 1 })[0]!.id;
    expect(await answerOf(() => cancelRestore({ jobId: outside }))).toEqual({ status: 403, message: null });
    expect(queryAudit(db).filter((r) => r.id > before)).toMatchObject([{ username: "op", host: OUT_OF_SCOPE, outcome: "refused" }]);
    before = queryAudit(db, { limit: 1 })[0]!.id;
    expect(await answerOf(() => cancelRestore({ jobId: 987_654 }))).toEqual({ status: "action-failed", message: "No restore job 987654." });
    expect(queryAudit(db).filter((r) => r.id > before)).toMatchObject([{ username: "op", outcome: "refused", reason: "cancel: no restore job 987654" }]);
  });
});

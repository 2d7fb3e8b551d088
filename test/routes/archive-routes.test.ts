/**
 * The archive browser's route handlers (/api/archives/entries, /api/archives/index-status) on a real
 * borg repo: each authorises itself (anonymous 401, viewer 403, out-of-scope operator 403, all
 * audited), validates its input, 404s an archive that is not in the repo, and serves folders and
 * search from the index it builds on first use.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as entriesGET } from "@/app/api/archives/entries/route";
import { GET as statusGET, POST as statusPOST } from "@/app/api/archives/index-status/route";
import type { DirectoryJson, IndexStatusJson, SearchJson } from "@/lib/archives/index/api";
import { getArchiveIndexes, stopArchiveIndexes } from "@/lib/archives/index/runtime";
import { encodePathParam } from "@/lib/archives/pathParam";
import { queryAudit } from "@/lib/audit/log";
import { createSession } from "@/lib/auth/sessions";
import { setDatabase } from "@/lib/db/current";
import { addUser } from "@/lib/auth/users";
import { listArchives } from "@/lib/borg";
import { setCurrentConfig } from "@/lib/config/current";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState } from "@/lib/fleet/types";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { makeTempRepo, type TempRepo } from "../fixtures/borgRepo";

// What next.config.ts's experimental.authInterrupts sets for the real server: unauthorized()/forbidden() work.
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

// The session cookie and client address the guard reads (next/headers needs a request scope otherwise).
const requestState: { token: string | undefined } = { token: undefined };
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: () => (requestState.token ? { value: requestState.token } : undefined) }),
  // The socket peer as the production server wrapper records it (lib/net/clientAddress.ts).
  headers: async () => new Headers({ "x-borg-fleet-peer": "192.0.2.7" }),
}));

const NON_UTF8 = Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "r\xe9sum\xe9.txt" in Latin-1

let repo: TempRepo;
let db: Db;
const tokens: Record<string, string> = {};

function as(user: keyof typeof tokens | null) {
  requestState.token = user ? tokens[user] : undefined;
}

const url = (route: string, params: Record<string, string>) => `http://localhost/api/archives/${route}?${new URLSearchParams(params)}`;
const archiveParams = (extra: Record<string, string> = {}) => ({ host: "web1", site: "onsite", archive: "web1-2026-11-01", ...extra });

/** Next turns unauthorized()/forbidden() into 401/403; called directly they throw with that digest. */
async function statusOf(call: Promise<Response>): Promise<number> {
  try {
    return (await call).status;
  } catch (err) {
    const digest = (err as { digest?: string }).digest ?? "";
    const m = /^NEXT_HTTP_ERROR_FALLBACK;(\d+)$/.exec(digest);
    if (!m) throw err;
    return Number(m[1]);
  }
}

async function untilComplete(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = (await (await statusGET(new Request(url("index-status", archiveParams())))).json()) as IndexStatusJson;
    if (body.state === "complete") return;
    if (body.state === "failed") throw new Error(body.error ?? "failed");
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("index not complete in time");
}

beforeAll(async () => {
  repo = await makeTempRepo({
    archives: [
      {
        name: "web1-2026-11-01",
        files: [
          { path: "etc/hostname", content: "web1\n" },
          { path: "etc/nginx/nginx.conf", content: "worker_processes 2;\n" },
          { path: Buffer.concat([Buffer.from("home/alice/"), NON_UTF8]), content: "cv" },
          { path: "var/www/index.html", content: "<h1>hi</h1>" },
        ],
      },
    ],
  });
  const dataDir = path.join(repo.root, "data");
  fs.mkdirSync(dataDir);
  setCurrentConfig(
    configSchema.parse({
      dataDir,
      sites: [{ name: "onsite", root: path.join(repo.root, "storage"), discover: false }],
      repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    }),
  );
  // Fleet state knows the archive's file count (borg info): the progress bar's 100 %.
  const archive = (await listArchives(repo.target, repo.opts)).archives[0]!;
  const state = {
    repos: [{ id: "onsite/web1", host: "web1", site: "onsite", archives: [{ ...archive, end: null, stats: { files: 7 } }] }],
    sites: [],
    problems: [],
  } as unknown as FleetState;
  setFleetProvider({ getState: () => state, getRepoHistory: () => [], getSiteHistory: () => [] });
  db = openMemoryDatabase();
  setDatabase(db);
  const users = [
    { username: "op", role: "operator" as const, hosts: ["web*"] },
    { username: "other-op", role: "operator" as const, hosts: ["db-*"] },
    { username: "viewer", role: "viewer" as const, hosts: ["*"] },
  ];
  for (const u of users) {
    const user = await addUser(db, { ...u, password: "a long enough password" }, { by: "test" });
    tokens[u.username] = createSession(db, user.id, null);
  }
});

afterAll(async () => {
  await stopArchiveIndexes();
  setDatabase(undefined);
  setCurrentConfig(undefined);
  await repo?.cleanup();
});

describe("archive route handlers: access", () => {
  const cases: Array<[string, keyof typeof tokens | null, number]> = [
    ["anonymous", null, 401],
    ["a viewer", "viewer", 403],
    ["an operator whose scope does not hold the host", "other-op", 403],
  ];
  for (const [who, user, expected] of cases) {
    it(`refuses ${who} (${expected}) on both routes, and audits it`, async () => {
      as(user);
      const before = queryAudit(db, { outcome: "refused" }).length;
      expect(await statusOf(entriesGET(new Request(url("entries", archiveParams()))))).toBe(expected);
      expect(await statusOf(statusGET(new Request(url("index-status", archiveParams()))))).toBe(expected);
      expect(await statusOf(statusPOST(new Request(url("index-status", archiveParams()), { method: "POST" })))).toBe(expected);
      const refusals = queryAudit(db, { outcome: "refused" });
      expect(refusals.length - before).toBe(3);
      expect(refusals[0]).toMatchObject({ action: "archive:browse", host: "web1", username: user, address: "192.0.2.7" });
      // Nothing was built for a refused request.
      expect(getArchiveIndexes()?.catalogRows() ?? []).toEqual([]);
    });
  }

  it("refuses an anonymous request with a malformed host before looking at it", async () => {
    as(null);
    expect(await statusOf(entriesGET(new Request(url("entries", { host: "../etc", archive: "x" }))))).toBe(401);
  });
});

describe("archive route handlers: an operator in scope", () => {
  it("rejects bad input with 400 and an unknown or forged archive with 404", async () => {
    as("op");
    expect((await entriesGET(new Request(url("entries", { host: "bad host!", archive: "x" })))).status).toBe(400);
    expect((await entriesGET(new Request(url("entries", archiveParams({ sort: "owner" }))))).status).toBe(400);
    expect((await entriesGET(new Request(url("entries", archiveParams({ limit: "5000" }))))).status).toBe(400);
    expect((await entriesGET(new Request(url("entries", archiveParams({ path: "~b64~not base64!" }))))).status).toBe(400);
    expect((await entriesGET(new Request(url("entries", archiveParams({ archive: "web1-1999-01-01" }))))).status).toBe(404);
    expect((await entriesGET(new Request(url("entries", archiveParams({ archive: "a/b" }))))).status).toBe(404); // no archive can have that name
    expect((await entriesGET(new Request(url("entries", archiveParams({ archive: "--help" }))))).status).toBe(404);
    expect((await statusGET(new Request(url("index-status", archiveParams({ site: "offsite" }))))).status).toBe(404);
    expect((await statusGET(new Request(url("index-status", { ...archiveParams(), host: "web2" })))).status).toBe(404);
  });

  it("builds the index on first use and serves folders, breadcrumbs and search from it", async () => {
    as("op");
    const first = (await (await statusGET(new Request(url("index-status", archiveParams())))).json()) as IndexStatusJson;
    expect(["queued", "building", "complete"]).toContain(first.state);
    expect(first.expected).toBe(7);
    await untilComplete();
    const done = (await (await statusGET(new Request(url("index-status", archiveParams())))).json()) as IndexStatusJson;
    // borg listed the root ".", 6 folders and 4 files.
    expect(done).toEqual({ state: "complete", entries: 11, expected: 7, error: null, errorKind: null });

    const root = (await (await entriesGET(new Request(url("entries", archiveParams())))).json()) as DirectoryJson;
    expect(root.found).toBe(true);
    expect(root.rows.map((r) => r.name)).toEqual(["etc", "home", "var"]);

    const etc = (await (await entriesGET(new Request(url("entries", archiveParams({ path: "etc", sort: "size", order: "desc" }))))).json()) as DirectoryJson;
    expect(etc.rows.map((r) => r.name)).toEqual(["hostname", "nginx"]); // 5 bytes, then the folder (0)
    expect(etc.breadcrumbs).toEqual([{ name: "etc", path: "etc" }]);

    const exact = Buffer.concat([Buffer.from("home/alice/"), NON_UTF8]);
    const alice = (await (await entriesGET(new Request(url("entries", archiveParams({ path: "home/alice" }))))).json()) as DirectoryJson;
    expect(alice.rows).toHaveLength(1);
    expect(alice.rows[0]!.path).toBe(encodePathParam(exact));
    expect(alice.rows[0]!.name).toBe("r\\xe9sum\\xe9.txt");

    const search = (await (await entriesGET(new Request(url("entries", archiveParams({ q: "NGINX" }))))).json()) as SearchJson;
    expect(search.rows.map((r) => r.display)).toEqual(["etc/nginx", "etc/nginx/nginx.conf"]);
    expect(search.rows[1]!.parent).toBe("etc/nginx");

    expect((await entriesGET(new Request(url("entries", archiveParams({ path: "no/such/folder" }))))).status).toBe(404);
    // Rows are served without an audit row each: browsing is audited once per archive open, by the page.
    expect(queryAudit(db, { username: "op", outcome: "ok" })).toEqual([]);
  });
});

/**
 * GET/POST /api/archives/download against a REAL borg repository: bytes and names, the access rules
 * (each refusal audited), 404s, and a client that disconnects mid-download (borg must go away).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { randomBytes } from "node:crypto";
import { GET, POST } from "@/app/api/archives/download/route";
import { encodePathParam } from "@/lib/archives/pathParam";
import { queryAudit } from "@/lib/audit/log";
import { setCurrentConfig } from "@/lib/config/current";
import type { Db } from "@/lib/db";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { installEmptyFleet } from "@/test/fixtures/emptyFleet";
import {
  AWKWARD_NAME,
  BIG_NAME,
  downloadFixture,
  LATIN1_NAME,
  LONG_NAME,
  pathKey,
  UTF8_NAME,
  type DownloadFixture,
  serveOnly,
} from "@/test/fixtures/downloadFiles";
import { borgProcessesOf, waitFor } from "@/test/fixtures/processes";
import { asSession, httpStatusOf, signIn, installAuthDb } from "@/test/fixtures/routeSession";

vi.mock("next/headers", async () => (await import("@/test/fixtures/routeSession")).nextHeadersMock);

const HOST = "web1";
const ARCHIVE = "web1-2026-01-01";
const BASE = "http://dashboard.test/api/archives/download";

let repo: TempRepo;
let fixture: DownloadFixture;
let db: Db;
let scratch: string;
const tokens: Record<"admin" | "operator" | "outsider" | "viewer", string> = { admin: "", operator: "", outsider: "", viewer: "" };

installEmptyFleet();

function url(params: Record<string, string | string[]>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const value of Array.isArray(v) ? v : [v]) search.append(k, value);
  return `${BASE}?${search}`;
}

const fileUrl = (p: string | Buffer, extra: Record<string, string> = {}) =>
  url({ host: HOST, archive: ARCHIVE, path: encodePathParam(typeof p === "string" ? Buffer.from(p) : p), ...extra });

async function body(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

const lastAudit = () => queryAudit(db, { action: "archive:download", limit: 1 })[0]!;

beforeAll(async () => {
  repo = await makeTempRepo();
  fixture = downloadFixture();
  fixture.entries.push({ path: "data/huge.bin", content: randomBytes(40 * 1024 * 1024) });
  await repo.addArchive(ARCHIVE, { files: fixture.entries });
  scratch = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-download-route-"));
  serveOnly(repo, HOST);
  db = installAuthDb();
  tokens.admin = await signIn(db, { username: "admin", role: "admin" });
  tokens.operator = await signIn(db, { username: "op", role: "operator", hosts: ["web*"] });
  tokens.outsider = await signIn(db, { username: "dbop", role: "operator", hosts: ["db*"] });
  tokens.viewer = await signIn(db, { username: "viewer", role: "viewer", hosts: ["*"] });
});

afterAll(async () => {
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => asSession(tokens.operator));

describe("one file", () => {
  it.each([
    ["a non-UTF-8 name", LATIN1_NAME, "caf_.txt"],
    ["a name with newline, quotes and a leading dash", AWKWARD_NAME, "-dash _quoted_ *?[x] {now}_newline.txt"],
    ["a large file", BIG_NAME, "big.bin"],
  ])("streams %s with the same bytes, a safe file name and its length", async (_what, p, asciiName) => {
    const response = await GET(new Request(fileUrl(p)));
    expect(response.status).toBe(200);
    const expected = fixture.contents.get(pathKey(p))!;
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-length")).toBe(String(expected.length));
    const disposition = response.headers.get("content-disposition")!;
    expect(disposition).toContain(`filename="${asciiName}"`);
    expect(disposition).toMatch(/filename\*=UTF-8''[A-Za-z0-9%._~!$&+^`|{}#-]+$/);
    expect((await body(response)).equals(expected)).toBe(true);
    const row = lastAudit();
    expect(row).toMatchObject({ username: "op", address: "unknown", host: HOST, archive: ARCHIVE, outcome: "ok" });
    expect(row.reason).toBe(`file, ${expected.length} bytes`);
  });

  it("gives the UTF-8 file name in filename*", async () => {
    const response = await GET(new Request(fileUrl(UTF8_NAME)));
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="caf_.txt"; filename*=UTF-8''caf%C3%A9.txt`);
    expect((await body(response)).toString()).toBe("utf-8 named file\n");
  });

  it("records the client's address the server wrapper saw, not a client-sent X-Forwarded-For", async () => {
    const headers = { "x-borg-fleet-peer": "203.0.113.5", "x-forwarded-for": "198.51.100.66" };
    const response = await GET(new Request(fileUrl("data/small.txt"), { headers }));
    await body(response);
    expect(lastAudit().address).toBe("203.0.113.5");
  });

  it("sends a directory as a tar", async () => {
    const response = await GET(new Request(fileUrl("docs")));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-tar");
    expect(response.headers.get("cache-control")).toContain("no-transform");
    expect(response.headers.get("content-disposition")).toContain('filename="docs.tar"');
    const names = execFileSync("tar", ["-t", "--quoting-style=literal", "-f", "-"], { input: await body(response) }).toString("latin1");
    expect(names).toContain(`${pathKey(LATIN1_NAME)}\n`);
  });

  it("answers 404 (audited) for a path that is not in the archive", async () => {
    const response = await GET(new Request(fileUrl("etc/nothing-here")));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("etc/nothing-here");
    expect(lastAudit()).toMatchObject({ username: "op", outcome: "failed" });
    expect(lastAudit().reason).toContain("not in the archive: etc/nothing-here");
  });
});

describe("tar", () => {
  async function unpack(response: Response): Promise<string> {
    const dir = await mkdtemp(path.join(scratch, "tar-"));
    execFileSync("tar", ["-x", "-f", "-", "-C", dir], { input: await body(response) });
    return dir;
  }

  it("GET with repeated path and format=tar: names (non-UTF-8, > 100 bytes) and bytes as in the archive", async () => {
    const paths = [LATIN1_NAME, Buffer.from(LONG_NAME), Buffer.from(AWKWARD_NAME)];
    const response = await GET(new Request(url({ host: HOST, archive: ARCHIVE, format: "tar", path: paths.map(encodePathParam) })));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain(`filename="${HOST}-${ARCHIVE}.tar"`);
    const dir = await unpack(response);
    for (const p of paths) {
      const onDisk = await readFile(Buffer.concat([Buffer.from(`${dir}/`), p]));
      expect(onDisk.equals(fixture.contents.get(pathKey(p))!), pathKey(p)).toBe(true);
    }
    expect(lastAudit()).toMatchObject({ outcome: "ok", archive: ARCHIVE });
    expect(JSON.parse(lastAudit().paths!)).toEqual(["docs/caf\\xe9.txt", LONG_NAME, AWKWARD_NAME]);
  });

  it("POST form (path repeated) streams the selection as a tar", async () => {
    const form = new URLSearchParams({ host: HOST, site: "main", archive: ARCHIVE, format: "tar" });
    form.append("path", "data/small.txt");
    form.append("path", encodePathParam(LATIN1_NAME));
    const response = await POST(new Request(BASE, { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(response.status).toBe(200);
    const dir = await unpack(response);
    expect((await readFile(path.join(dir, "data/small.txt"))).toString()).toBe("small\n");
    expect((await readFile(Buffer.concat([Buffer.from(`${dir}/`), LATIN1_NAME]))).toString()).toBe("latin-1 named file\n");
  });

  it("answers 404 when one of the paths is missing, naming it", async () => {
    const response = await GET(new Request(url({ host: HOST, archive: ARCHIVE, format: "tar", path: ["data/small.txt", "data/missing.txt"] })));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("data/missing.txt");
  });
});

describe("access and bad input (every refusal audited)", () => {
  it("anonymous: 401", async () => {
    asSession(null);
    expect(await httpStatusOf(GET(new Request(fileUrl("data/small.txt"))))).toBe(401);
    expect(lastAudit()).toMatchObject({ username: null, outcome: "refused" });
  });

  it("viewer: 403", async () => {
    asSession(tokens.viewer);
    expect(await httpStatusOf(GET(new Request(fileUrl("data/small.txt"))))).toBe(403);
    expect(lastAudit()).toMatchObject({ username: "viewer", outcome: "refused" });
  });

  it("operator whose scope does not include the host: 403", async () => {
    asSession(tokens.outsider);
    expect(await httpStatusOf(GET(new Request(fileUrl("data/small.txt"))))).toBe(403);
    expect(lastAudit()).toMatchObject({ username: "dbop", host: HOST, outcome: "refused" });
  });

  it("admin may download", async () => {
    asSession(tokens.admin);
    const response = await GET(new Request(fileUrl("data/small.txt")));
    expect((await body(response)).toString()).toBe("small\n");
  });

  it("forged archive, host or site: 404", async () => {
    asSession(tokens.admin);
    for (const params of <Array<Record<string, string>>>[
      { host: HOST, archive: "web1-1999-01-01", path: "data/small.txt" },
      { host: "web9", archive: ARCHIVE, path: "data/small.txt" },
      { host: HOST, site: "elsewhere", archive: ARCHIVE, path: "data/small.txt" },
      { host: HOST, archive: `${ARCHIVE}::x`, path: "data/small.txt" },
    ]) {
      expect(await httpStatusOf(GET(new Request(url(params)))), JSON.stringify(params)).toBe(404);
      expect(lastAudit()).toMatchObject({ outcome: "refused", reason: "archive not found" });
    }
  });

  it("invalid input: 400 for absolute, .. and malformed paths, no path, too many paths", async () => {
    for (const p of ["/etc/passwd", "../x", "data/../../x", "~b64~!!", ""]) {
      expect(await httpStatusOf(GET(new Request(url({ host: HOST, archive: ARCHIVE, path: p })))), p).toBe(400);
      expect(lastAudit().outcome).toBe("refused");
    }
    expect(await httpStatusOf(GET(new Request(url({ host: HOST, archive: ARCHIVE }))))).toBe(400);
    const many = Array.from({ length: 10_001 }, (_, i) => `f${i}`);
    expect(await httpStatusOf(GET(new Request(url({ host: HOST, archive: ARCHIVE, path: many }))))).toBe(400);
    expect(await httpStatusOf(GET(new Request(url({ host: "not a host!", archive: ARCHIVE, path: "x" }))))).toBe(400);
  });
});

describe("borg failing mid-stream", () => {
  it("errors the response stream (no silently short file) and audits the download as failed", async () => {
    const response = await GET(new Request(fileUrl("data/huge.bin")));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    // borg dies on its own (not stopped by us): e.g. the repository vanished or the OOM killer.
    for (const pid of borgProcessesOf(repo.location)) process.kill(pid, "SIGKILL");
    let received = 0;
    const outcome = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return "ended";
        received += value.length;
      }
    })().catch(() => "errored");
    expect(outcome).toBe("errored");
    expect(received).toBeLessThan(40 * 1024 * 1024);
    expect(lastAudit()).toMatchObject({ outcome: "failed", username: "op" });
    expect(lastAudit().reason).toMatch(/SIGKILL|borg/i);
  });
});

describe("client disconnect", () => {
  it.each([
    ["the response body is cancelled", "cancel"],
    ["the request's signal aborts", "abort"],
  ])("stops borg when %s after the first chunk, and audits the download as failed", async (_what, how) => {
    const controller = new AbortController();
    const response = await GET(new Request(fileUrl("data/huge.bin"), { signal: controller.signal }));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(borgProcessesOf(repo.location).length).toBeGreaterThan(0);
    if (how === "cancel") await reader.cancel();
    else controller.abort();
    await waitFor("borg to exit", async () => (borgProcessesOf(repo.location).length === 0 ? true : undefined), 5_000);
    await waitFor("the audit row", async () => (lastAudit().outcome === "failed" ? true : undefined), 5_000);
    expect(lastAudit().reason).toMatch(/cancel/i);
    if (how === "abort") await expect(reader.read()).rejects.toBeDefined();
  });
});

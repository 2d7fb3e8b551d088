/**
 * The download route's direct path: a REAL node:http server that lends each request its Node response
 * as scripts/server.mjs does (lib/http/lentResponse.mjs) and otherwise stands in for Next (calls the
 * handler, sends a response it returned), a REAL borg repository, and a real HTTP client. The route
 * pipes borg's stdout straight into the lent response: exact bytes and names, the headers, audit rows
 * with outcome and bytes, a client that goes away (borg must go), borg dying mid-stream (the client
 * must see a broken download). The web-stream path is covered by download-route.test.ts.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { GET, POST } from "@/app/api/archives/download/route";
import { encodePathParam } from "@/lib/archives/pathParam";
import { queryAudit } from "@/lib/audit/log";
import { setCurrentConfig } from "@/lib/config/current";
import type { Db } from "@/lib/db";
import { LENT_RESPONSE_HEADER, lendResponse, takeLentResponse } from "@/lib/http/lentResponse.mjs";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { AWKWARD_NAME, BIG_NAME, downloadFixture, LATIN1_NAME, LONG_NAME, pathKey, type DownloadFixture, serveOnly } from "@/test/fixtures/downloadFiles";
import { installEmptyFleet } from "@/test/fixtures/emptyFleet";
import { borgProcessesOf, waitFor } from "@/test/fixtures/processes";
import { asSession, installAuthDb, signIn } from "@/test/fixtures/routeSession";

vi.mock("next/headers", async () => (await import("@/test/fixtures/routeSession")).nextHeadersMock);

const HOST = "web1";
const ARCHIVE = "web1-2026-01-01";
const HUGE = "data/huge.bin";
const hugeContent = randomBytes(40 * 1024 * 1024);

let repo: TempRepo;
let fixture: DownloadFixture;
let db: Db;
let scratch: string;
let server: http.Server;
let origin: string;
/** Whether the handler of the last request wrote into the lent response itself. */
let wentDirect = false;
let operator = "";

installEmptyFleet();

/** What scripts/server.mjs and Next do around the route handler, reduced to what the route relies on. */
async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  lendResponse(req, res);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  // Next aborts the request's signal when the connection closes before the response finished.
  const aborted = new AbortController();
  res.once("close", () => res.writableFinished || aborted.abort());
  const body = req.method === "POST" ? Buffer.concat(await req.toArray()) : undefined;
  const request = new Request(`http://dashboard.test${req.url}`, { method: req.method, headers, body, signal: aborted.signal });
  const response = await (req.method === "POST" ? POST : GET)(request);
  wentDirect = res.headersSent;
  if (wentDirect) {
    // Next pipes the returned body into the (already answered) response: it must be empty and end.
    const rest = Buffer.from(await response.arrayBuffer());
    if (rest.length > 0) throw new Error("the direct path returned a body to Next");
    return;
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended cleanly (false: the connection broke before the end). */
  complete: boolean;
}

function get(query: URLSearchParams, init: { method?: string; form?: URLSearchParams } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const url = init.form ? `${origin}/api/archives/download` : `${origin}/api/archives/download?${query}`;
    const req = http.request(
      url,
      { method: init.method ?? "GET", headers: init.form ? { "content-type": "application/x-www-form-urlencoded" } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
        res.on("end", done);
        res.on("error", done);
        res.on("aborted", done);
      },
    );
    req.on("error", reject);
    req.end(init.form?.toString());
  });
}

const fileQuery = (p: string | Buffer) =>
  new URLSearchParams({ host: HOST, archive: ARCHIVE, path: encodePathParam(typeof p === "string" ? Buffer.from(p) : p) });
let auditSeen = 0;
/** The audit row of the download just made: written when it ends, which may be after the client saw the end. */
async function auditRow() {
  const row = await waitFor(
    "the audit row",
    async () => {
      const last = queryAudit(db, { action: "archive:download", limit: 1 })[0];
      return last && last.id > auditSeen ? last : undefined;
    },
    5_000,
  );
  auditSeen = row.id;
  return row;
}

beforeAll(async () => {
  repo = await makeTempRepo();
  fixture = downloadFixture();
  fixture.entries.push({ path: HUGE, content: hugeContent }, { path: "data/empty", content: Buffer.alloc(0) });
  await repo.addArchive(ARCHIVE, { files: fixture.entries });
  scratch = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-download-direct-"));
  serveOnly(repo, HOST);
  db = installAuthDb();
  operator = await signIn(db, { username: "op", role: "operator", hosts: ["web*"] });
  server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      console.error(err);
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => asSession(operator));

describe("the loan", () => {
  it("is made for the download path only, names itself in a private header, and is taken once", () => {
    const fake = () => ({ once: () => undefined, headersSent: false, destroyed: false }) as unknown as http.ServerResponse;
    const other = { url: "/api/archives/list?x=1", headers: {}, rawHeaders: [] } as unknown as http.IncomingMessage;
    lendResponse(other, fake());
    expect(other.headers[LENT_RESPONSE_HEADER]).toBeUndefined();

    const req = { url: "/api/archives/download?host=a", headers: {}, rawHeaders: [] } as unknown as http.IncomingMessage;
    const res = fake();
    lendResponse(req, res);
    const id = req.headers[LENT_RESPONSE_HEADER] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(takeLentResponse(new Headers({ [LENT_RESPONSE_HEADER]: "not-a-loan" }))).toBeNull();
    expect(takeLentResponse(new Headers({ [LENT_RESPONSE_HEADER]: id }))).toBe(res);
    expect(takeLentResponse(new Headers({ [LENT_RESPONSE_HEADER]: id }))).toBeNull();
  });
});

describe("direct download", () => {
  it.each([
    ["a non-UTF-8 name", LATIN1_NAME, "caf_.txt"],
    ["a large file", BIG_NAME, "big.bin"],
  ])("sends %s with the same bytes, its length and the safe headers, and audits the bytes", async (_what, p, asciiName) => {
    const got = await get(fileQuery(p));
    expect(wentDirect).toBe(true);
    expect(got.status).toBe(200);
    expect(got.complete).toBe(true);
    const expected = fixture.contents.get(pathKey(p))!;
    expect(got.body.equals(expected)).toBe(true);
    expect(got.headers["content-type"]).toBe("application/octet-stream");
    expect(got.headers["content-length"]).toBe(String(expected.length));
    expect(got.headers["x-content-type-options"]).toBe("nosniff");
    expect(got.headers["cache-control"]).toContain("no-transform");
    expect(got.headers["content-disposition"]).toContain(`filename="${asciiName}"`);
    expect(await auditRow()).toMatchObject({ username: "op", host: HOST, archive: ARCHIVE, outcome: "ok", reason: `file, ${expected.length} bytes` });
  });

  it("sends an empty file as an empty, complete body", async () => {
    const got = await get(fileQuery("data/empty"));
    expect(wentDirect).toBe(true);
    expect(got).toMatchObject({ status: 200, complete: true });
    expect(got.body.length).toBe(0);
    expect(got.headers["content-length"]).toBe("0");
    expect(await auditRow()).toMatchObject({ outcome: "ok", reason: "file, 0 bytes" });
  });

  it("sends a tar (POST form) whose names (non-UTF-8, > 100 bytes) and bytes are the archive's", async () => {
    const paths = [LATIN1_NAME, Buffer.from(LONG_NAME), Buffer.from(AWKWARD_NAME)];
    const form = new URLSearchParams({ host: HOST, site: "main", archive: ARCHIVE, format: "tar" });
    for (const p of paths) form.append("path", encodePathParam(p));
    const got = await get(form, { method: "POST", form });
    expect(wentDirect).toBe(true);
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("application/x-tar");
    expect(got.headers["content-disposition"]).toContain(`filename="${HOST}-${ARCHIVE}.tar"`);
    const dir = await mkdtemp(path.join(scratch, "tar-"));
    execFileSync("tar", ["-x", "-f", "-", "-C", dir], { input: got.body });
    for (const p of paths) {
      const onDisk = await readFile(Buffer.concat([Buffer.from(`${dir}/`), p]));
      expect(onDisk.equals(fixture.contents.get(pathKey(p))!), pathKey(p)).toBe(true);
    }
    expect(await auditRow()).toMatchObject({ outcome: "ok", reason: `tar, ${got.body.length} bytes` });
  });

  it("answers a path that is not in the archive with a 404 through the ordinary response", async () => {
    const got = await get(fileQuery("etc/nothing-here"));
    expect(wentDirect).toBe(false);
    expect(got.status).toBe(404);
    expect((await auditRow()).reason).toContain("not in the archive: etc/nothing-here");
  });

  it("keeps every byte in order when the client reads slowly (reading from borg pauses and resumes)", async () => {
    const got = await new Promise<Buffer>((resolve, reject) => {
      const req = http.get(`${origin}/api/archives/download?${fileQuery(HUGE)}`, (res) => {
        const chunks: Buffer[] = [];
        let stalls = 0;
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          // Stall a few times so the socket and the server's buffers fill up and borg has to wait.
          if (stalls++ < 5) {
            res.pause();
            setTimeout(() => res.resume(), 200);
          }
        });
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
    expect(got.equals(hugeContent)).toBe(true);
    expect(await auditRow()).toMatchObject({ outcome: "ok", reason: `file, ${hugeContent.length} bytes` });
  });

  it("stops borg when the client goes away after the first bytes, and audits the download as failed", async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${origin}/api/archives/download?${fileQuery(HUGE)}`, (res) => {
        res.once("data", (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    });
    expect(received).toBeGreaterThan(0);
    await waitFor("borg to exit", async () => (borgProcessesOf(repo.location).length === 0 ? true : undefined), 5_000);
    expect(await auditRow()).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/^cancelled: the client closed the connection \(file, \d+ bytes sent\)$/),
    });
  });

  it("breaks the connection (no silently short file) when borg dies mid-stream, and audits it as failed", async () => {
    const got = await new Promise<Got>((resolve, reject) => {
      const req = http.get(`${origin}/api/archives/download?${fileQuery(HUGE)}`, (res) => {
        const chunks: Buffer[] = [];
        let killed = false;
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          if (killed) return;
          killed = true;
          // borg dies on its own (not stopped by us): e.g. the repository vanished or the OOM killer.
          for (const pid of borgProcessesOf(repo.location)) process.kill(pid, "SIGKILL");
        });
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
        res.on("end", done);
        res.on("aborted", done);
        res.on("error", done);
      });
      req.on("error", reject);
    });
    expect(got.status).toBe(200);
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(40 * 1024 * 1024);
    expect(await auditRow()).toMatchObject({ outcome: "failed", reason: expect.stringMatching(/SIGKILL|borg/i) });
  });
});

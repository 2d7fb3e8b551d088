/**
 * Run reports: the Healthchecks-compatible /ping/<token> route, the run store, the host page's list,
 * the borg_backup_last_run_* metrics, the ping-token CLI, and the real backup script reporting a
 * failure over HTTP.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/ping/[...slug]/route";
import { RecentRunsList } from "@/components/host/RecentRuns";
import { openDatabase, openMemoryDatabase } from "@/lib/db";
import { installEmptyFleet } from "@/test/fixtures/emptyFleet";
import { getRegistry } from "@/lib/metrics/registry";
import { MAX_BODY_BYTES, PER_ADDRESS_PER_MINUTE, PER_TOKEN_PER_MINUTE, handlePing, resetRateLimits } from "@/lib/ping/handler";
import { PingStore, setPingStore } from "@/lib/ping/store";
import { borgEnv, makeTmpDirs, ROOT, run } from "./helpers";

const tmp = makeTmpDirs();
afterAll(() => tmp.cleanup());

installEmptyFleet();

let store: PingStore;
let token: string;
beforeEach(() => {
  resetRateLimits();
  store = new PingStore(openMemoryDatabase());
  setPingStore(store);
  token = store.createToken("web1.example.com");
});

const ping = (suffix: string, body?: string | Uint8Array, method = body === undefined ? "GET" : "POST") => {
  const slug = [token, ...(suffix ? [suffix] : [])];
  const request = new Request(`http://dashboard/ping/${slug.join("/")}`, { method, body: body as BodyInit | undefined });
  return (method === "POST" ? POST : GET)(request, { params: Promise.resolve({ slug }) });
};

const metricLines = async () => (await getRegistry().metrics()).split("\n").filter((l) => l.startsWith("borg_backup_last_run"));

describe("/ping/<token>", () => {
  it("records a successful run: start, then success with its log; duration and metrics", async () => {
    let r = await ping("start");
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("OK\n");
    expect(store.recentRuns("web1.example.com")[0]).toMatchObject({ status: "running", exitStatus: null });
    r = await ping("0", "Creating archive...\nterminating with success status, rc 0\n");
    expect(r.status).toBe(200);
    const [run] = store.recentRuns("web1.example.com");
    expect(run).toMatchObject({ status: "success", exitStatus: 0, log: "Creating archive...\nterminating with success status, rc 0\n" });
    expect(run!.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(store.recentRuns("web1.example.com")).toHaveLength(1);
    const lines = await metricLines();
    expect(lines).toContain('borg_backup_last_run_success{host="web1.example.com"} 1');
    expect(lines.find((l) => l.startsWith("borg_backup_last_run_timestamp_seconds"))).toMatch(
      /^borg_backup_last_run_timestamp_seconds\{host="web1\.example\.com"\} \d+(\.\d+)?$/,
    );
    // Plain /ping/<token> is success too (Healthchecks), as a run of its own.
    expect((await ping("")).status).toBe(200);
    expect(store.recentRuns("web1.example.com")[0]).toMatchObject({ status: "success", startedAt: null });
  });

  it("records a failure with its exit status and log; the host page lists it with the log open", async () => {
    await ping("start");
    const log =
      "borg-backup: snapshot of / mounted on /backup\nRepository /srv/borg/web1 does not exist.\nborg-backup: borg create failed (rc 2)\nexit status 2 after 3s\n";
    expect((await ping("2", log)).status).toBe(200);
    const runs = store.recentRuns("web1.example.com");
    expect(runs[0]).toMatchObject({ status: "failure", exitStatus: 2, log });
    expect(await metricLines()).toContain('borg_backup_last_run_success{host="web1.example.com"} 0');
    const html = renderToStaticMarkup(RecentRunsList({ runs, now: Date.now() }));
    expect(html).toContain("failed (exit 2)");
    expect(html).toContain("borg create failed (rc 2)");
    expect(html).toMatch(/<details[^>]* open=""/);
    // /fail (borgmatic's hook) is exit status 1.
    await ping("fail", "oops");
    expect(store.recentRuns("web1.example.com")[0]).toMatchObject({ status: "failure", exitStatus: 1, log: "oops" });
  });

  it("refuses an unknown token, a malformed one and unknown suffixes without recording anything", async () => {
    const other = new PingStore(openMemoryDatabase()).createToken("web1.example.com"); // same host, other database
    for (const slug of [[other], [other, "start"], ["short"], ["../../etc/passwd"], [token, "256"], [token, "07"], [token, "status"], [token, "0", "x"]]) {
      const r = await handlePing(new Request("http://dashboard/ping/x", { method: "POST", body: "log" }), slug);
      expect(r.status, slug.join("/")).toBe(404);
      expect(await r.text()).toBe("not found\n");
    }
    expect(store.recentRuns("web1.example.com")).toEqual([]);
  });

  it("cuts an oversized body at 100 KiB and keeps the report", async () => {
    await ping("start");
    const big = "x".repeat(MAX_BODY_BYTES + 50_000);
    const r = await ping("1", big);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain("body cut");
    const [run] = store.recentRuns("web1.example.com");
    expect(run!.log.length).toBe(MAX_BODY_BYTES);
    expect(run!.logTruncated).toBe(true);
    expect(run!.status).toBe("failure");
  });

  it("stores HTML in a log as text and never renders it as HTML", async () => {
    const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>\u0000\xff`;
    const r = await ping("1", evil);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const runs = store.recentRuns("web1.example.com");
    expect(runs[0]!.log).toBe(`<script>alert(1)</script><img src=x onerror=alert(2)>\uFFFD\xff`);
    const html = renderToStaticMarkup(RecentRunsList({ runs, now: Date.now() }));
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;");
  });

  it("rate-limits per token", async () => {
    for (let i = 0; i < PER_TOKEN_PER_MINUTE; i++) expect((await ping("log", `line ${i}`)).status).toBe(200);
    const r = await ping("log", "one too many");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("60");
    expect(store.recentRuns("web1.example.com")[0]!.log).toBe(`line ${PER_TOKEN_PER_MINUTE - 1}`);
  });

  it("rate-limits refused requests per address, without locking out a valid token", async () => {
    const wrong = () => handlePing(new Request("http://dashboard/ping/x"), ["A".repeat(43)]);
    for (let i = 0; i < PER_ADDRESS_PER_MINUTE; i++) expect((await wrong()).status).toBe(404);
    expect((await wrong()).status).toBe(429);
    expect((await ping("start")).status).toBe(200);
  });

  it("stores only the token's sha256; a new token replaces the old one", () => {
    const db = openMemoryDatabase();
    const s = new PingStore(db);
    const first = s.createToken("db1");
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(db.prepare("SELECT * FROM ping_tokens").all())).not.toContain(first);
    expect(s.hostForToken(first)).toBe("db1");
    const second = s.createToken("db1");
    expect(s.hostForToken(first)).toBeNull();
    expect(s.hostForToken(second)).toBe("db1");
  });
});

describe("npm run ping-token", () => {
  it("creates a token for a host in the dashboard's database, lists and revokes it", async () => {
    const dataDir = tmp.make("data");
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const cli = (args: string[]) => run(tsx, [path.join(ROOT, "scripts/kit/ping-token.ts"), ...args, "--data-dir", dataDir]);
    const created = await cli(["create", "web2.example.com"]);
    expect(created.code, created.stderr).toBe(0);
    const newToken = created.stdout.trim();
    expect(created.stderr).toContain(`PING_URL="<dashboard url>/ping/${newToken}"`);
    expect(new PingStore(openDatabase(dataDir)).hostForToken(newToken)).toBe("web2.example.com");
    expect((await cli(["list"])).stdout).toMatch(/^web2\.example\.com\tcreated /);
    expect((await cli(["create", "bad host"])).code).toBe(2);
    expect((await cli(["revoke", "web2.example.com"])).code).toBe(0);
    expect(fs.readFileSync(path.join(dataDir, "borg-fleet.sqlite")).includes(Buffer.from(newToken))).toBe(false);
  });
});

describe("the backup script reporting to the dashboard over HTTP", () => {
  it("a failed backup shows on the host page with its log at once", async () => {
    // The route's handler behind a real HTTP server (what `next start` does), and the real script.
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const slug = url.pathname.split("/").slice(2);
      const request = new Request(url, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
      const response = await handlePing(request, slug, store);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const base = tmp.make("base");
      const r = await run("bash", [path.join(ROOT, "deploy/client/borg-backup.sh")], {
        env: borgEnv(base, {
          BORG_REPO: path.join(base, "no-such-repo"),
          BACKUP_PATHS: base,
          BACKUP_LOCK_FILE: path.join(base, "lock"),
          DUMP_DATABASES: "no",
          PING_URL: `http://127.0.0.1:${port}/ping/${token}`,
        }),
      });
      expect(r.code).toBe(2);
      const runs = store.recentRuns("web1.example.com");
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: "failure", exitStatus: 2 });
      expect(runs[0]!.durationSeconds).not.toBeNull();
      expect(runs[0]!.log).toContain("does not exist");
      expect(runs[0]!.log).toMatch(/exit status 2 after \d+s/);
      const html = renderToStaticMarkup(RecentRunsList({ runs, now: Date.now() }));
      expect(html).toContain("borg create failed (rc 2)");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

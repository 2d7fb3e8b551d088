/**
 * The restore server actions called as Next would call them (a session cookie, request headers), on a
 * real borg repo: who may start, cancel and retry; what input is refused; every refusal audited.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

let sessionToken: string | undefined;
const PEER = vi.hoisted(() => "x-borg-fleet-peer");
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "borg_fleet_session" && sessionToken ? { name, value: sessionToken } : undefined) }),
  // The socket peer as the server wrapper records it (lib/net/clientAddress.ts).
  headers: async () => new Headers({ [PEER]: "192.0.2.7" }),
}));

import { cancelRestore, retryRestore, startRestore } from "@/app/actions/restore";
import { GET as getJobRoute } from "@/app/api/restores/[id]/route";
import { GET as listJobsRoute } from "@/app/api/restores/route";
import { encodePathParam } from "@/lib/archives/pathParam";
import { queryAudit } from "@/lib/audit/log";
import { createSession } from "@/lib/auth/sessions";
import { setDatabase } from "@/lib/db/current";
import { addUser } from "@/lib/auth/users";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { RestoreRunner, setRestoreRunner, type RestoreSource } from "@/lib/restore/runner";
import { getJob, type RestoreJob } from "@/lib/restore/store";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";

process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

let repo: TempRepo;
let db: Db;
let runner: RestoreRunner;
let restoreRootDir: string;
const tokens: Record<string, string> = {};
const ARCHIVE = "web1-2026-11-20T03:00";

/** Next's unauthorized()/forbidden()/notFound() throw errors with these digests. */
async function httpStatusOf(p: Promise<unknown>): Promise<number | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    const digest = (err as { digest?: string }).digest ?? "";
    const m = /;(\d{3})$/.exec(digest);
    if (m) return Number(m[1]);
    throw err;
  }
}

const as = (user: string | null) => {
  sessionToken = user ? tokens[user] : undefined;
};
const p = (s: string) => encodePathParam(Buffer.from(s));

beforeAll(async () => {
  repo = await makeTempRepo();
  await repo.addArchive(ARCHIVE, {
    files: [
      { path: "etc/motd", content: "hello from web1\n" },
      { path: "etc/hosts", content: "127.0.0.1 localhost\n" },
    ],
  });
  restoreRootDir = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-restore-actions-"));
  process.env.BORG_FLEET_BORG_BASE_DIR = repo.baseDir; // resolveArchive's borg list
  const config = configSchema.parse({
    dataDir: repo.root,
    sites: [{ name: "onsite", root: repo.root, discover: false }],
    repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
    restore: { root: restoreRootDir },
  });
  setCurrentConfig(config);
  db = openMemoryDatabase();
  setDatabase(db);
  runner = new RestoreRunner({ db, config, borg: repo.opts });
  setRestoreRunner(runner);
  const ctx = { by: "setup", address: null };
  for (const [username, role, hosts] of [
    ["admin", "admin", []],
    ["op", "operator", ["web*"]],
    ["other", "operator", ["db*"]],
    ["viewer", "viewer", ["*"]],
  ] as const) {
    const user = await addUser(db, { username, password: "a long enough password 1", role, hosts: [...hosts] }, ctx);
    tokens[username] = createSession(db, user.id, null);
  }
});

afterAll(async () => {
  setRestoreRunner(undefined);
  setDatabase(undefined);
  setCurrentConfig(undefined);
  delete process.env.BORG_FLEET_BORG_BASE_DIR;
  await repo?.cleanup();
  await rm(restoreRootDir, { recursive: true, force: true });
});

beforeEach(() => as(null));

/** A runner whose jobs wait on a gate before they reach borg (the source is the one the action passed). */
class GatedRunner extends RestoreRunner {
  constructor(
    private readonly gate: Promise<void>,
    options: ConstructorParameters<typeof RestoreRunner>[0],
  ) {
    super(options);
  }
  protected override async sourceOf(job: RestoreJob): Promise<RestoreSource> {
    await this.gate;
    return super.sourceOf(job);
  }
}

const lastAudit = () => queryAudit(db, { limit: 1 })[0]!;

describe("startRestore", () => {
  it("lets an operator in scope restore; the job succeeds and is visible through /api/restores", async () => {
    as("op");
    const result = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] });
    expect(result.ok, result.message).toBe(true);
    if (!result.ok) return;
    await runner.whenIdle();
    const job = getJob(db, result.jobId)!;
    expect(job.state, job.error ?? "").toBe("succeeded");
    expect(job.requestedBy).toBe("op");
    expect(await readFile(path.join(job.destination, "etc/motd"), "utf8")).toBe("hello from web1\n");
    const rows = queryAudit(db, { action: "archive:restore", username: "op" });
    expect(rows.map((r) => r.reason)).toEqual([`restore job ${job.id} succeeded`, `restore job ${job.id} queued`]);
    expect(rows[1]!.address).toBe("192.0.2.7");

    const response = await getJobRoute(new Request("http://localhost/api/restores/1"), { params: Promise.resolve({ id: String(job.id) }) });
    const body = (await response.json()) as { job: { state: string; rsync: { command: string } | null; log: unknown[]; pid?: unknown } };
    expect(body.job.state).toBe("succeeded");
    expect(body.job.rsync!.command).toBe(`rsync -aHAX --numeric-ids --info=progress2 ${job.destination}/ root@web1:/`);
    expect(body.job).not.toHaveProperty("pid");
    expect(body.job.log.length).toBeGreaterThan(2);
  });

  it("refuses an operator out of scope (403) and a viewer (403, before reading input), audited", async () => {
    as("other");
    expect(await httpStatusOf(startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] }))).toBe(403);
    expect(lastAudit()).toMatchObject({ username: "other", action: "archive:restore", host: "web1", outcome: "refused" });
    as("viewer");
    expect(await httpStatusOf(startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] }))).toBe(403);
    expect(lastAudit()).toMatchObject({ username: "viewer", action: "archive:restore", host: "web1", outcome: "refused" });
    as(null);
    expect(await httpStatusOf(startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] }))).toBe(401);
    as("viewer");
    expect(await httpStatusOf(listJobsRoute())).toBe(403);
  });

  it("refuses a forged archive name or host as not found, audited", async () => {
    as("admin");
    for (const archive of ["no-such-archive", "../../etc", `${ARCHIVE}/x`, "a::b"]) {
      const result = await startRestore({ host: "web1", site: "onsite", archive, paths: [p("etc/motd")] });
      expect(result.ok, archive).toBe(false);
      expect(lastAudit(), archive).toMatchObject({ username: "admin", outcome: "refused", reason: "archive not found" });
    }
    const forgedHost = await startRestore({ host: "evil-host", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] });
    expect(forgedHost.ok).toBe(false);
    expect(lastAudit()).toMatchObject({ host: "evil-host", outcome: "refused", reason: "archive not found" });
    as("op");
    expect(await httpStatusOf(startRestore({ host: "db1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] }))).toBe(403);
  });

  it("refuses paths with '..', absolute paths, bad encodings, bad hosts and too many paths", async () => {
    as("op");
    const bad: unknown[] = [
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["../etc/passwd"] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["etc/../../x"] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["/etc/motd"] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: [encodePathParam(Buffer.from("../x\xff", "latin1"))] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["~b64~!!"] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: [] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: Array.from({ length: 10_001 }, (_, i) => `f${i}`) },
      { host: "../web1", site: "onsite", archive: ARCHIVE, paths: ["etc"] },
      { host: "web1", site: "../onsite", archive: ARCHIVE, paths: ["etc"] },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["etc"], stripComponents: -1 },
      { host: "web1", site: "onsite", archive: ARCHIVE, paths: ["etc"], destination: "/tmp" },
    ];
    for (const input of bad) {
      const result = await startRestore(input as Parameters<typeof startRestore>[0]);
      expect(result.ok, JSON.stringify(input).slice(0, 200)).toBe(false);
      expect(lastAudit()).toMatchObject({ username: "op", outcome: "refused" });
      expect(lastAudit().reason).toMatch(/^invalid input/);
    }
  });
});

describe("cancelRestore and retryRestore", () => {
  it("authorise against the stored job's host: out of scope 403 (audited), in scope works", async () => {
    as("admin");
    const started = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/hosts")] });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    await runner.whenIdle();

    as("other");
    expect(await httpStatusOf(getJobRoute(new Request("http://localhost/"), { params: Promise.resolve({ id: String(started.jobId) }) }))).toBe(403);
    const listed = (await (await listJobsRoute()).json()) as { jobs: Array<{ host: string }> };
    expect(listed.jobs).toEqual([]); // web1 is not in this operator's scope
    expect(await httpStatusOf(retryRestore({ jobId: started.jobId }))).toBe(403);
    expect(lastAudit()).toMatchObject({ username: "other", host: "web1", outcome: "refused" });
    expect(await httpStatusOf(cancelRestore({ jobId: started.jobId }))).toBe(403);
    as("viewer");
    expect(await httpStatusOf(cancelRestore({ jobId: started.jobId }))).toBe(403);

    as("op");
    const finished = await cancelRestore({ jobId: started.jobId });
    expect(finished).toMatchObject({ ok: false, message: expect.stringMatching(/finished already/) });
    const retried = await retryRestore({ jobId: started.jobId });
    expect(retried).toMatchObject({ ok: false, message: expect.stringMatching(/only failed, cancelled or interrupted/) });
    expect(await cancelRestore({ jobId: 999_999 })).toMatchObject({ ok: false });
    expect(lastAudit()).toMatchObject({ username: "op", outcome: "refused", reason: "cancel: no restore job 999999" });
  });

  it("cancel a queued job and retry it as a new job", async () => {
    // One slot, held by a job that waits on a gate before it reaches borg: the next job stays queued.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const config = configSchema.parse({
      dataDir: repo.root,
      sites: [{ name: "onsite", root: repo.root, discover: false }],
      repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
      restore: { root: restoreRootDir, concurrency: 1 },
    });
    const gated = new GatedRunner(gate, { db, config, borg: repo.opts });
    setRestoreRunner(gated);
    try {
      as("op");
      const a = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc")] });
      const c = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] });
      if (!a.ok || !c.ok) throw new Error("start failed");
      expect(getJob(db, a.jobId)!.state).toBe("running");
      expect(getJob(db, c.jobId)!.state).toBe("queued");
      expect(await cancelRestore({ jobId: c.jobId })).toMatchObject({ ok: true, message: "Restore cancelled." });
      expect(lastAudit()).toMatchObject({ username: "op", outcome: "ok", reason: `restore job ${c.jobId} cancelled by op before it started` });
      open();
      const retried = await retryRestore({ jobId: c.jobId });
      expect(retried.ok).toBe(true);
      await gated.whenIdle();
      if (!retried.ok) return;
      expect(getJob(db, a.jobId)!.state).toBe("succeeded");
      expect(getJob(db, retried.jobId)!).toMatchObject({ state: "succeeded", retryOf: c.jobId, requestedBy: "op" });
    } finally {
      open();
      setRestoreRunner(runner);
    }
  });

  it("refuses a user's job past restore.maxOpenJobsPerUser (audited) while other users can still queue", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const config = configSchema.parse({
      dataDir: repo.root,
      sites: [{ name: "onsite", root: repo.root, discover: false }],
      repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
      restore: { root: restoreRootDir, concurrency: 1, maxOpenJobsPerUser: 2 },
    });
    const gated = new GatedRunner(gate, { db, config, borg: repo.opts });
    setRestoreRunner(gated);
    try {
      as("op");
      const first = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/motd")] });
      const second = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc/hosts")] });
      expect([first.ok, second.ok]).toEqual([true, true]);
      const third = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc")] });
      expect(third).toMatchObject({ ok: false, message: expect.stringMatching(/already have 2 restore jobs waiting or running/) });
      expect(lastAudit()).toMatchObject({ username: "op", host: "web1", outcome: "refused", reason: expect.stringMatching(/maxOpenJobsPerUser/) });
      as("admin");
      const admins = await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc")] });
      expect(admins.ok).toBe(true);
      open();
      await gated.whenIdle();
      as("op");
      // Once the first two have finished, op may start again.
      expect((await startRestore({ host: "web1", site: "onsite", archive: ARCHIVE, paths: [p("etc")] })).ok).toBe(true);
      await gated.whenIdle();
    } finally {
      open();
      setRestoreRunner(runner);
    }
  });
});

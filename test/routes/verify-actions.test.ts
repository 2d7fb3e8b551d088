/**
 * "Run check now" / "Run drill now" (app/actions/verify.ts) called as Next would call it, on a real borg
 * repo: who may run them, what input is refused, and that the run is recorded and audited with the user.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

let sessionToken: string | undefined;
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (name === "borg_fleet_session" && sessionToken ? { name, value: sessionToken } : undefined) }),
  headers: async () => new Headers({ "x-borg-fleet-peer": "192.0.2.7" }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

import { runVerifyAction } from "@/app/actions/verify";
import { queryAudit } from "@/lib/audit/log";
import { createSession } from "@/lib/auth/sessions";
import { addUser } from "@/lib/auth/users";
import { setCurrentConfig } from "@/lib/config/current";
import { configSchema } from "@/lib/config/schema";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { MaintenanceScheduler, setMaintenanceScheduler } from "@/lib/verify/scheduler";
import { lastCheckRuns, lastDrillRuns } from "@/lib/verify/store";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";

process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

let repo: TempRepo;
let db: Db;
let scheduler: MaintenanceScheduler;
const tokens: Record<string, string> = {};

async function statusOf(p: Promise<unknown>): Promise<number | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    const m = /;(\d{3})$/.exec((err as { digest?: string }).digest ?? "");
    if (m) return Number(m[1]);
    throw err;
  }
}

const as = (user: string | null) => {
  sessionToken = user ? tokens[user] : undefined;
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

beforeAll(async () => {
  repo = await makeTempRepo({ archives: [{ name: "web1-1", files: [{ path: "etc/motd", content: "hello\n" }] }] });
  const config = configSchema.parse({
    dataDir: repo.root,
    sites: [{ name: "onsite", root: repo.root, discover: false }],
    repos: [{ host: "web1", site: "onsite", location: repo.location, secrets: { passphraseFile: repo.passphraseFile } }],
  });
  setCurrentConfig(config);
  db = openMemoryDatabase();
  setDatabase(db);
  scheduler = new MaintenanceScheduler({ db, config, baseDir: repo.baseDir, repos: async () => [], log: () => {} });
  setMaintenanceScheduler(scheduler);
  for (const [username, role, hosts] of [
    ["op", "operator", ["web*"]],
    ["other", "operator", ["db*"]],
    ["viewer", "viewer", ["*"]],
  ] as const) {
    const user = await addUser(db, { username, password: "a long enough password 1", role, hosts: [...hosts] }, { by: "setup", address: null });
    tokens[username] = createSession(db, user.id, null);
  }
});

afterAll(async () => {
  setMaintenanceScheduler(undefined);
  setDatabase(undefined);
  setCurrentConfig(undefined);
  await repo?.cleanup();
});

beforeEach(() => as(null));

describe("runVerifyAction", () => {
  it("refuses anonymous users, viewers and operators out of scope, and audits the refusal", async () => {
    const input = form({ host: "web1", site: "onsite", job: "repository" });
    expect(await statusOf(runVerifyAction(null, input))).toBe(401);
    as("viewer");
    expect(await statusOf(runVerifyAction(null, input))).toBe(403);
    as("other");
    expect(await statusOf(runVerifyAction(null, input))).toBe(403);
    expect(queryAudit(db, { username: "other", limit: 1 })[0]).toMatchObject({ outcome: "refused", host: "web1" });
    expect(lastCheckRuns(db, "onsite/web1", "repository").last).toBeNull();
  });

  it("refuses invalid input before anything runs", async () => {
    as("op");
    for (const fields of [
      { host: "web1", site: "onsite", job: "repair" },
      { host: "../web1", site: "onsite", job: "repository" },
      { host: "web1", site: "on site", job: "repository" },
    ]) {
      expect(await runVerifyAction(null, form(fields))).toEqual({ ok: false, message: "Invalid request." });
    }
    expect(await runVerifyAction(null, form({ host: "web1", site: "offsite", job: "repository" }))).toMatchObject({ ok: false });
    expect(lastCheckRuns(db, "onsite/web1", "repository").last).toBeNull();
  });

  it("lets an operator in scope run a check and a drill; both are recorded and audited with the user", async () => {
    as("op");
    await runVerifyAction(null, form({ host: "web1", site: "onsite", job: "repository" }));
    await vi.waitFor(() => expect(lastCheckRuns(db, "onsite/web1", "repository").last?.outcome).toBe("ok"), { timeout: 120_000, interval: 200 });
    expect(lastCheckRuns(db, "onsite/web1", "repository").last?.requestedBy).toBe("op");
    await runVerifyAction(null, form({ host: "web1", site: "onsite", job: "drill" }));
    await vi.waitFor(() => expect(lastDrillRuns(db, "onsite/web1").last?.outcome).toBe("ok"), { timeout: 120_000, interval: 200 });
    expect(lastDrillRuns(db, "onsite/web1").last).toMatchObject({ requestedBy: "op", files: 1, archive: "web1-1" });
    const actions = queryAudit(db, { username: "op", limit: 10 }).map((r) => `${r.action} ${r.outcome}`);
    expect(actions).toContain("repo:check ok");
    expect(actions).toContain("restore:drill ok");
  });
});

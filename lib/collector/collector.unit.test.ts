/**
 * The collector's scheduling rules with a scripted borg reader (the real-borg behaviour is covered
 * by collector.integration.test.ts): one borg process per repo, busy is not failure, and the
 * expensive `borg info` runs only when the newest archive changed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import { openMemoryDatabase } from "@/lib/db";
import { repoStatus } from "@/lib/fleet/status";
import type { BorgReader, DetailedArchive, ListedArchive } from "./borgReader";
import { Collector } from "./collector";

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bf-collector-unit-"));
  for (const host of ["web-01", "web-02", "db-01"]) {
    fs.mkdirSync(path.join(root, host));
    fs.writeFileSync(path.join(root, host, "config"), "[repository]\nversion = 1\n");
  }
  fs.mkdirSync(path.join(root, "not-a-repo"));
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function config(concurrency = 2) {
  return parseConfig(`dataDir: ${root}/data\ncollector: { concurrency: ${concurrency} }\nsites:\n  - name: onsite\n    root: ${root}\n`, `${root}/fleet.yml`);
}

class FakeBorg implements BorgReader {
  calls: string[] = [];
  active = new Map<string, number>();
  maxPerRepo = 0;
  maxTotal = 0;
  locked = new Set<string>();
  archives = new Map<string, ListedArchive[]>();
  delayMs = 20;

  private async track<T>(op: string, location: string, fn: () => T): Promise<T> {
    this.calls.push(`${op} ${path.basename(location)}`);
    const n = (this.active.get(location) ?? 0) + 1;
    this.active.set(location, n);
    this.maxPerRepo = Math.max(this.maxPerRepo, n);
    const total = [...this.active.values()].reduce((a, b) => a + b, 0);
    this.maxTotal = Math.max(this.maxTotal, total);
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.active.set(location, (this.active.get(location) ?? 1) - 1);
    return fn();
  }

  list(location: string): ListedArchive[] {
    return this.archives.get(path.basename(location)) ?? [];
  }

  newestArchive = (t: { location: string }) => this.track("newest", t.location, () => this.list(t.location).at(-1) ?? null);
  listArchives = (t: { location: string }) => this.track("list", t.location, () => ({ archives: this.list(t.location), encryption: "repokey" }));
  archivesInfo = (t: { location: string }, last: number) =>
    this.track("info", t.location, () => ({
      stats: { totalSize: 1000, totalCsize: 800, uniqueCsize: 300 },
      archives: this.list(t.location)
        .slice(-last)
        .map((a): DetailedArchive => ({
          ...a,
          end: a.start + 60_000,
          durationSeconds: 60,
          originalSize: 100,
          compressedSize: 80,
          deduplicatedSize: 30,
          nfiles: 5,
        })),
    }));
  repoStats = (t: { location: string }) => this.track("stats", t.location, () => ({ totalSize: 0, totalCsize: 0, uniqueCsize: 0 }));
  isRepoLockedLocally = async (p: string) => this.locked.has(path.basename(p));
  localRepoTransaction?: (p: string) => Promise<number | null>;
}

const NOW = Date.UTC(2026, 10, 26, 12);
const archive = (n: number, hoursAgo: number): ListedArchive => ({ name: `a${n}`, id: `id${n}`, start: NOW - hoursAgo * 3600_000 });

describe("Collector", () => {
  it("records every archive it sees once, and keeps pruned ones for the compliance report", async () => {
    const borg = new FakeBorg();
    borg.archives.set("web-01", [archive(1, 50), archive(2, 26), archive(3, 2)]);
    const db = openMemoryDatabase();
    const c = new Collector({ config: config(), db, borg, now: () => NOW });
    await c.runCycle();
    // A new backup and a prune of a1.
    borg.archives.set("web-01", [archive(2, 26), archive(3, 2), archive(4, 1)]);
    await c.runCycle();
    const rows = db.prepare("SELECT host, site, archive_id, name, start_ms, end_ms FROM archives_seen ORDER BY start_ms").all();
    expect(rows).toEqual(
      [1, 2, 3, 4].map((n, i) => {
        const start = NOW - [50, 26, 2, 1][i]! * 3600_000;
        return { host: "web-01", site: "onsite", archive_id: `id${n}`, name: `a${n}`, start_ms: start, end_ms: start + 60_000 };
      }),
    );
  });

  it("discovers <root>/<host> repos and reads archives, sizes and disk usage", async () => {
    const borg = new FakeBorg();
    borg.archives.set("web-01", [archive(1, 50), archive(2, 26), archive(3, 2)]);
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg, now: () => NOW });
    const report = await c.runCycle();
    expect(report.repos).toBe(3);
    const state = c.getState();
    expect(state.repos.map((r) => r.id)).toEqual(["onsite/db-01", "onsite/web-01", "onsite/web-02"]);
    const web01 = state.repos.find((r) => r.host === "web-01")!;
    expect(web01.archiveCount).toBe(3);
    expect(web01.lastArchive).toMatchObject({ name: "a3", end: NOW - 2 * 3600_000 + 60_000 });
    expect(web01.sizes).toEqual({ originalBytes: 1000, compressedBytes: 800, deduplicatedBytes: 300 });
    expect(web01.diskUsageBytes).toBeGreaterThan(0);
    expect(
      repoStatus(
        state.repos.find((r) => r.host === "web-02")!,
        NOW,
        state.staleAfterSeconds,
      ),
    ).toBe("never");
  });

  it("runs the expensive info only when the newest archive changed", async () => {
    const borg = new FakeBorg();
    borg.archives.set("web-01", [archive(1, 5)]);
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg, now: () => NOW });
    await c.runCycle();
    // First read: a full read is due anyway, so no separate probe.
    expect(borg.calls.filter((x) => x.endsWith("web-01"))).toEqual(["list web-01", "info web-01"]);
    borg.calls = [];
    await c.runCycle();
    expect(borg.calls.filter((x) => x.endsWith("web-01"))).toEqual(["newest web-01"]);
    borg.archives.set("web-01", [archive(1, 5), archive(2, 1)]);
    borg.calls = [];
    await c.runCycle();
    expect(borg.calls.filter((x) => x.endsWith("web-01"))).toEqual(["newest web-01", "list web-01", "info web-01"]);
    // Only the one new archive needed stats: --last 1.
    expect(
      c
        .getState()
        .repos.find((r) => r.host === "web-01")!
        .archives.every((a) => a.stats !== null),
    ).toBe(true);
  });

  it("never runs two borg processes on one repo and respects the concurrency limit", async () => {
    const borg = new FakeBorg();
    borg.delayMs = 30;
    const c = new Collector({ config: config(2), db: openMemoryDatabase(), borg, now: () => NOW });
    await Promise.all([c.runCycle(), c.refreshRepo("onsite/web-01"), c.refreshRepo("onsite/web-01"), c.collectRepo("onsite/db-01")]);
    expect(borg.maxPerRepo).toBe(1);
    expect(borg.maxTotal).toBeLessThanOrEqual(2);
  });

  it("shows a locked repo as busy, keeps its last figures and does not call borg on it", async () => {
    const borg = new FakeBorg();
    borg.archives.set("web-01", [archive(1, 5)]);
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg, now: () => NOW });
    await c.runCycle();
    borg.locked.add("web-01");
    borg.calls = [];
    await c.runCycle();
    const web01 = c.getState().repos.find((r) => r.host === "web-01")!;
    expect(borg.calls.some((x) => x.endsWith("web-01"))).toBe(false);
    expect(web01.busy).toBe(true);
    expect(web01.lastError).toBeNull();
    expect(web01.archiveCount).toBe(1);
    expect(repoStatus(web01, NOW, 129600)).toBe("busy");
    c.stop();
  });

  it("classifies a busy error from borg as busy, and other errors as failures with a message", async () => {
    const borg = new FakeBorg();
    borg.listArchives = async (t) => {
      if (t.location.endsWith("web-01")) throw Object.assign(new Error("lock"), { kind: "busy", userMessage: "locked" });
      if (t.location.endsWith("web-02"))
        throw Object.assign(new Error("pw"), {
          kind: "wrong-passphrase",
          userMessage: "The passphrase is wrong.",
          borgMessage: "passphrase supplied is incorrect",
        });
      return { archives: [], encryption: "repokey" };
    };
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg, now: () => NOW });
    await c.runCycle();
    c.stop();
    const byHost = Object.fromEntries(c.getState().repos.map((r) => [r.host, r]));
    expect(byHost["web-01"]!.busy).toBe(true);
    expect(byHost["web-01"]!.lastError).toBeNull();
    expect(byHost["web-02"]!.lastError).toMatchObject({
      kind: "wrong-passphrase",
      message: "The passphrase is wrong.",
      detail: "passphrase supplied is incorrect",
    });
  });

  it("reads again when a backup committed under a failed lock-free read, and reports a failure when nothing changed", async () => {
    const borg = new FakeBorg();
    const transactions = new Map([
      ["web-01", 7],
      ["web-02", 7],
    ]);
    borg.localRepoTransaction = async (p: string) => transactions.get(path.basename(p)) ?? null;
    const failures = new Map([
      ["web-01", 1],
      ["web-02", 2],
    ]);
    borg.listArchives = async (t) => {
      const host = path.basename(t.location);
      const left = failures.get(host) ?? 0;
      if (left > 0) {
        failures.set(host, left - 1);
        // web-01: a backup committed while we read (transaction 7 -> 8); web-02: nothing changed.
        if (host === "web-01") transactions.set(host, 8);
        throw Object.assign(new Error("torn"), { kind: "other", userMessage: "borg failed", borgMessage: "Local Exception" });
      }
      return { archives: [archive(1, 5)], encryption: "repokey" };
    };
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg, now: () => NOW });
    await c.runCycle();
    c.stop();
    const byHost = Object.fromEntries(c.getState().repos.map((r) => [r.host, r]));
    expect(byHost["web-01"]!.lastError).toBeNull();
    expect(byHost["web-01"]!.archiveCount).toBe(1);
    expect(byHost["web-02"]!.lastError).toMatchObject({ kind: "other", detail: "Local Exception" });
    expect(failures.get("web-02")).toBe(1); // tried once: an unchanged repo is not read twice
  });

  it("restores the last known state from SQLite after a restart", async () => {
    const db = openMemoryDatabase();
    const borg = new FakeBorg();
    borg.archives.set("web-01", [archive(1, 5)]);
    await new Collector({ config: config(), db, borg, now: () => NOW }).runCycle();
    const restarted = new Collector({ config: config(), db, borg, now: () => NOW });
    const web01 = restarted.getState().repos.find((r) => r.host === "web-01");
    expect(web01?.lastArchive?.name).toBe("a1");
  });

  it("reads site capacity with statfs", async () => {
    const c = new Collector({ config: config(), db: openMemoryDatabase(), borg: new FakeBorg(), now: () => NOW });
    await c.runCycle();
    const site = c.getState().sites[0]!;
    const st = fs.statfsSync(root);
    expect(site.capacitySource).toBe("statfs");
    expect(site.sizeBytes).toBe(st.blocks * st.bsize);
    expect(Math.abs(site.freeBytes! - st.bavail * st.bsize)).toBeLessThan(50 * 1024 * 1024);
  });
});

describe("Collector during its first cycle", () => {
  it("lists repos not read yet as pending instead of hiding them", async () => {
    const borg = new FakeBorg();
    borg.delayMs = 200;
    const c = new Collector({ config: config(1), db: openMemoryDatabase(), borg, now: () => NOW });
    const cycle = c.runCycle();
    await new Promise((r) => setTimeout(r, 100));
    const during = c.getState().repos;
    expect(during.map((r) => r.id)).toEqual(["onsite/db-01", "onsite/web-01", "onsite/web-02"]);
    expect(during.filter((r) => repoStatus(r, NOW, 129600) === "pending").length).toBeGreaterThanOrEqual(2);
    await cycle;
    expect(c.getState().repos.some((r) => repoStatus(r, NOW, 129600) === "pending")).toBe(false);
  });
});

/**
 * What each user sees of alerts and restore jobs, decided next to can() (lib/auth/policy.ts) and read
 * through one data access function each (firingAlertViews, visibleJobViews) on a real database.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AlertStore, getAlertStore, setAlertStore } from "@/lib/alerts/store";
import { firingAlertViews } from "@/lib/alerts/view";
import { webhookSchema } from "@/lib/alerts/webhook";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { insertJob, jobFromParam } from "@/lib/restore/store";
import { visibleJobViews } from "@/lib/restore/view";
import { restoreJobVisible, visibleAlerts, type Principal } from "./policy";

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const admin: Principal = { username: "root", role: "admin", hosts: [] };
const webOperator: Principal = { username: "ops", role: "operator", hosts: ["web*"] };
const webViewer: Principal = { username: "eve", role: "viewer", hosts: ["web*"] };

describe("visibleAlerts", () => {
  const alerts = [{ host: "web1" }, { host: "db1" }, { host: null }];

  it("shows alerts about hosts in scope; alerts tied to no host to admins only", () => {
    expect(visibleAlerts(admin, alerts)).toEqual(alerts);
    expect(visibleAlerts(webOperator, alerts)).toEqual([{ host: "web1" }]);
    expect(visibleAlerts(webViewer, alerts)).toEqual([{ host: "web1" }]);
    expect(visibleAlerts(null, alerts)).toEqual([]);
  });
});

describe("firingAlertViews", () => {
  const previous = getAlertStore();
  afterEach(() => {
    if (previous) setAlertStore(previous);
  });

  function alert(fingerprint: string, labels: Record<string, string>) {
    return {
      status: "firing",
      labels: { alertname: "BorgMissingBackup", severity: "critical", ...labels },
      annotations: { summary: `missing backup ${labels.host ?? ""}` },
      startsAt: new Date(NOW - 60_000).toISOString(),
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint,
    };
  }

  it("reads the firing alerts the user may see, of one host on its page", () => {
    const store = new AlertStore(openMemoryDatabase());
    const payload = webhookSchema.parse({
      receiver: "borg-fleet",
      status: "firing",
      alerts: [alert("a1", { host: "web1" }), alert("a2", { host: "db1" }), alert("a3", {})],
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "http://127.0.0.1:9093",
      version: "4",
      groupKey: "{}",
      truncatedAlerts: 0,
    });
    store.ingest(payload, NOW);
    setAlertStore(store);

    expect(
      firingAlertViews(admin, NOW)
        .map((a) => a.host ?? "(no host)")
        .sort(),
    ).toEqual(["(no host)", "db1", "web1"]);
    expect(firingAlertViews(webOperator, NOW).map((a) => a.host)).toEqual(["web1"]);
    expect(firingAlertViews(webOperator, NOW, "db1")).toEqual([]);
    expect(firingAlertViews(admin, NOW, "db1").map((a) => a.summary)).toEqual(["missing backup db1"]);
  });
});

describe("restore jobs", () => {
  function addJob(db: Db, host: string) {
    return insertJob(db, {
      host,
      site: "onsite",
      repoId: `onsite/${host}`,
      archive: `${host}-2026-12-06`,
      archiveId: "ab".repeat(32),
      paths: ["etc/hostname"],
      stripComponents: 0,
      requestedBy: "root",
      destinationFor: (id) => `/var/lib/borg-fleet/restores/${host}/${id}`,
    });
  }

  it("are visible to those who may restore on the job's host", () => {
    expect(restoreJobVisible(admin, "db1")).toBe(true);
    expect(restoreJobVisible(webOperator, "web1")).toBe(true);
    expect(restoreJobVisible(webOperator, "db1")).toBe(false);
    expect(restoreJobVisible(webViewer, "web1")).toBe(false);
    expect(restoreJobVisible(null, "web1")).toBe(false);
  });

  it("are listed newest first, only those the user may see, without internals", () => {
    const db = openMemoryDatabase();
    const web = addJob(db, "web1");
    const dbJob = addJob(db, "db1");
    const web2 = addJob(db, "web2");

    expect(visibleJobViews(db, admin).map((j) => j.id)).toEqual([web2.id, dbJob.id, web.id]);
    expect(visibleJobViews(db, webOperator).map((j) => j.host)).toEqual(["web2", "web1"]);
    expect(visibleJobViews(db, webViewer)).toEqual([]);
    expect(visibleJobViews(db, admin, 1).map((j) => j.id)).toEqual([web2.id]);
    expect(visibleJobViews(db, admin)[0]).not.toHaveProperty("pid");
  });

  it("are found by the id a URL names, and by nothing else", () => {
    const db = openMemoryDatabase();
    const job = addJob(db, "web1");
    expect(jobFromParam(db, String(job.id))?.host).toBe("web1");
    expect(jobFromParam(db, `${job.id}.0`)).toBeNull();
    expect(jobFromParam(db, "-1")).toBeNull();
    expect(jobFromParam(db, "9".repeat(16))).toBeNull();
    expect(jobFromParam(db, String(job.id + 1))).toBeNull();
  });
});

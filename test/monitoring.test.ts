/**
 * The monitoring bundle: Prometheus config and targets, alert rules and their promtool tests,
 * Alertmanager (config, routes, a live run with inhibition and the webhook's bearer token), Grafana
 * provisioning, docker-compose and its images' scripts, and the client-side textfile collector.
 *
 * Runs the real tools (Debian's promtool, amtool, prometheus, prometheus-alertmanager, docker-compose,
 * borg, sshd). Beyond the shipped promtool tests it mutates the rules to prove those tests catch each
 * change, and generates further scenarios whose expected outcome is computed here, independently.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { parseConfig } from "@/lib/config/load";
import { prng } from "@/lib/random";

import { SKIP_OUTSIDE_CI } from "./fixtures/ci";
import { freePort, run, stopProcess, waitFor, type RunResult } from "./fixtures/processes";

const ROOT = path.resolve(__dirname, "..");
const rel = (...parts: string[]) => path.join(ROOT, ...parts);
const read = (...parts: string[]) => fs.readFileSync(rel(...parts), "utf8");

// ---------------------------------------------------------------------------------------------------
// Helpers

function which(program: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

const tmpDirs: string[] = [];
function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `borg-fleet-${prefix}-`));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Copies a directory tree (files and directories only). */
function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** Prometheus' humanizeDuration for whole seconds of one second or more (template/template.go). */
function humanizeDuration(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  const v = Math.abs(seconds);
  const days = Math.floor(v / 86400);
  const hours = Math.floor(v / 3600) % 24;
  const minutes = Math.floor(v / 60) % 60;
  const secs = Math.floor(v) % 60;
  if (days) return `${sign}${days}d ${hours}h ${minutes}m ${secs}s`;
  if (hours) return `${sign}${hours}h ${minutes}m ${secs}s`;
  if (minutes) return `${sign}${minutes}m ${secs}s`;
  return `${sign}${secs}s`;
}

/** Durations as promtool reads them ("2d3h4m"). */
function promDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d ? `${d}d` : ""}${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
}

const SEED = process.env.BORG_FLEET_TEST_SEED ? Number(process.env.BORG_FLEET_TEST_SEED) : Date.now() % 2147483647;

// ---------------------------------------------------------------------------------------------------
// Rule file model

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}
const RULES_PATH = rel("prometheus/rules/borg.yml");
const ruleFile = (): RuleFile => YAML.parse(fs.readFileSync(RULES_PATH, "utf8")) as RuleFile;
/** Every shipped rule file (borg.yml, verify.yml for checks and drills). */
const RULE_FILES = fs.readdirSync(rel("prometheus/rules")).filter((f) => f.endsWith(".yml"));
const allRules = (): Rule[] =>
  RULE_FILES.flatMap((f) => (YAML.parse(fs.readFileSync(rel("prometheus/rules", f), "utf8")) as RuleFile).groups.flatMap((g) => g.rules));
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

const THRESHOLD = 86400 * 1.5;
const MISSING_DESCRIPTION = (host: string, site: string, age: number) =>
  `Borg has not backed up ${host} (site ${site}) for more than 1.5 days. Last backup was made ${humanizeDuration(age)} ago. ` +
  `Runbook: open the triage page; on the host check "systemctl status borg-backup.timer borg-backup.service" and ` +
  `"journalctl -u borg-backup.service" (failed or hung borg create, repository lock, SSH key rejected, storage server full or unreachable).`;

/** Writes a promtool test file (YAML) and runs it. */
async function promtoolTest(dir: string, name: string, doc: unknown): Promise<RunResult> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, YAML.stringify(doc, { lineWidth: 0 }));
  return run("promtool", ["test", "rules", file]);
}

// ---------------------------------------------------------------------------------------------------

describe("prometheus.yml and targets", () => {
  it("promtool accepts the shipped config with the local (loopback) targets", async () => {
    const r = await run("promtool", ["check", "config", "prometheus/prometheus.yml"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // rules/borg.yml and rules/verify.yml (integrity checks and restore drills).
    expect(r.stdout + r.stderr).toContain("SUCCESS: 2 rule files found");
  });

  it("the same config is valid with the compose targets mounted over targets/local", async () => {
    const dir = tmpDir("compose-prom");
    copyTree(rel("prometheus"), path.join(dir, "prometheus"));
    const local = path.join(dir, "prometheus/targets/local");
    fs.rmSync(local, { recursive: true });
    copyTree(rel("prometheus/targets/compose"), local);
    const r = await run("promtool", ["check", "config", path.join(dir, "prometheus/prometheus.yml")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("scrapes the four jobs from targets/local via file_sd and alerts through it", () => {
    const config = YAML.parse(read("prometheus/prometheus.yml")) as {
      rule_files: string[];
      alerting: { alertmanagers: { file_sd_configs: { files: string[] }[] }[] };
      scrape_configs: { job_name: string; metrics_path?: string; file_sd_configs?: { files: string[] }[]; static_configs?: unknown[] }[];
    };
    expect(config.rule_files).toEqual(["rules/*.yml"]);
    const jobs = Object.fromEntries(config.scrape_configs.map((j) => [j.job_name, j]));
    expect(Object.keys(jobs).sort()).toEqual(["alertmanager", "borg-fleet", "node", "prometheus"]);
    expect(jobs["borg-fleet"]?.metrics_path).toBe("/metrics");
    for (const job of ["borg-fleet", "node", "alertmanager"]) {
      expect(jobs[job]?.file_sd_configs?.[0]?.files).toEqual([`targets/local/${job}*.yml`]);
    }
    expect(config.alerting.alertmanagers[0]?.file_sd_configs[0]?.files).toEqual(["targets/local/alertmanager*.yml"]);
  });

  it("local targets are loopback on the agreed ports; compose targets are compose services", () => {
    const targets = (dir: string, job: string) =>
      (YAML.parse(read("prometheus/targets", dir, `${job}.yml`)) as { targets: string[] }[]).flatMap((g) => g.targets);
    expect(targets("local", "borg-fleet")).toEqual(["127.0.0.1:3000"]);
    expect(targets("local", "node")).toEqual(["127.0.0.1:9100"]);
    expect(targets("local", "alertmanager")).toEqual(["127.0.0.1:9093"]);
    const compose = YAML.parse(read("docker-compose.yml")) as { services: Record<string, unknown> };
    const expected: Record<string, string> = { "borg-fleet": "dashboard:3000", node: "node-exporter:9100", alertmanager: "alertmanager:9093" };
    for (const [job, target] of Object.entries(expected)) {
      expect(targets("compose", job)).toEqual([target]);
      expect(Object.keys(compose.services)).toContain(target.split(":")[0]);
    }
    // Both directories hold the same files, so the overlay replaces every job's targets.
    expect(fs.readdirSync(rel("prometheus/targets/compose")).sort()).toEqual(fs.readdirSync(rel("prometheus/targets/local")).sort());
  });
});

describe("alert rules", () => {
  it("promtool check rules accepts the rule files", async () => {
    const files = fs
      .readdirSync(rel("prometheus/rules"))
      .filter((f) => f.endsWith(".yml"))
      .map((f) => `prometheus/rules/${f}`);
    const r = await run("promtool", ["check", "rules", ...files]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("SUCCESS: 8 rules found");
  });

  it("BorgMissingBackup keeps the seed's contract exactly", () => {
    const rule = allRules().find((r) => r.alert === "BorgMissingBackup");
    expect(rule).toBeDefined();
    // The seed's expression for every repo without a threshold of its own; the repo's exported threshold otherwise.
    expect(squash(rule!.expr)).toBe(
      "(time() - borg_last_archive_timestamp_seconds > 86400 * 1.5 unless on(host, site) borg_stale_threshold_seconds) or " +
        "(time() - borg_last_archive_timestamp_seconds > on(host, site) group_left() min by (host, site) (borg_stale_threshold_seconds))",
    );
    expect(rule!.for).toBe("2m");
    expect(rule!.labels).toEqual({ severity: "critical" });
    expect(rule!.annotations?.summary).toBe("Borg missing backup (host {{ $labels.host }})");
    expect(rule!.annotations?.description).toContain("Last backup was made {{ $value | humanizeDuration }} ago");
    expect(rule!.annotations?.dashboard_url).toContain("borg_repo_info");
    expect(rule!.annotations?.dashboard_url).toContain("/hosts/{{ $labels.host }}");
    const group = ruleFile().groups.find((g) => g.rules.some((r) => r.alert === "BorgMissingBackup"));
    expect(group?.interval).toBe("60s");
  });

  it("every rule has a severity, summary, runbook description and dashboard_url", () => {
    const hostRules = [
      "BorgMissingBackup",
      "BorgNeverBackedUp",
      "BorgCollectorFailing",
      "BorgBackupFailed",
      "BorgCheckFailed",
      "BorgCheckOverdue",
      "BorgRestoreDrillOverdue",
    ];
    const rules = allRules();
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        "BorgBackupFailed",
        "BorgCheckFailed",
        "BorgCheckOverdue",
        "BorgCollectorFailing",
        "BorgDashboardDown",
        "BorgMetricsAbsent",
        "BorgMissingBackup",
        "BorgNeverBackedUp",
        "BorgRestoreDrillOverdue",
        "BorgStorageFullSoon",
        "BorgStorageLow",
      ].sort(),
    );
    for (const rule of rules) {
      expect(["critical", "warning", "info"], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toMatch(/\S/);
      expect(rule.annotations?.description, rule.alert).toContain("Runbook:");
      const url = rule.annotations?.dashboard_url ?? "";
      if (hostRules.includes(rule.alert)) expect(url, rule.alert).toContain("/hosts/{{ $labels.host }}");
      else expect(squash(url).endsWith("{{- end -}} /"), rule.alert).toBe(true);
    }
  });

  it("every rule has shipped promtool cases where it fires and where it stays silent", () => {
    const fired = new Set<string>();
    const silent = new Set<string>();
    for (const file of fs.readdirSync(rel("prometheus/tests")).filter((f) => f.endsWith(".yml"))) {
      const doc = YAML.parse(read("prometheus/tests", file)) as {
        rule_files: string[];
        tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
      };
      expect(doc.rule_files.length).toBe(1);
      expect(RULE_FILES.map((f) => `../rules/${f}`)).toContain(doc.rule_files[0]);
      for (const test of doc.tests) {
        for (const c of test.alert_rule_test ?? []) (c.exp_alerts?.length ? fired : silent).add(c.alertname);
      }
    }
    for (const rule of allRules()) {
      expect(fired.has(rule.alert), `${rule.alert} has no firing case`).toBe(true);
      expect(silent.has(rule.alert), `${rule.alert} has no silent case`).toBe(true);
    }
  });

  it("promtool test rules: every shipped test passes", async () => {
    const files = fs
      .readdirSync(rel("prometheus/tests"))
      .filter((f) => f.endsWith(".yml"))
      .map((f) => `prometheus/tests/${f}`);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const r = await run("promtool", ["test", "rules", ...files]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("FAILED");
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(files.length);
  });

  it("the promtool harness reports a wrong expectation as a failure", async () => {
    const dir = tmpDir("harness");
    const r = await promtoolTest(dir, "wrong.yml", {
      rule_files: [RULES_PATH],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [{ series: 'borg_last_archive_timestamp_seconds{host="web1",site="onsite"}', values: "0x2200" }],
          // Still pending at 2162m: expecting a firing alert must fail.
          alert_rule_test: [
            { eval_time: "2162m", alertname: "BorgMissingBackup", exp_alerts: [{ exp_labels: { severity: "critical", host: "web1", site: "onsite" } }] },
          ],
        },
      ],
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("FAILED");
  });

  // Each mutation of the rules must make the shipped tests fail: they pin the behaviour, not just run.
  const mutations: { name: string; from: string | RegExp; to: string; tests: string[]; file?: string }[] = [
    {
      name: "threshold 1.4 days",
      from: "borg_last_archive_timestamp_seconds > 86400 * 1.5",
      to: "borg_last_archive_timestamp_seconds > 86400 * 1.4",
      tests: ["borg_missing_backup.yml"],
    },
    {
      name: "threshold 1.6 days",
      from: "borg_last_archive_timestamp_seconds > 86400 * 1.5",
      to: "borg_last_archive_timestamp_seconds > 86400 * 1.6",
      tests: ["borg_missing_backup.yml"],
    },
    {
      name: ">= instead of >",
      from: "borg_last_archive_timestamp_seconds > 86400 * 1.5",
      to: "borg_last_archive_timestamp_seconds >= 86400 * 1.5",
      tests: ["borg_missing_backup.yml"],
    },
    { name: "for: 1m", from: /(BorgMissingBackup[\s\S]*?for: )2m/, to: "$11m", tests: ["borg_missing_backup.yml"] },
    { name: "for: 3m", from: /(BorgMissingBackup[\s\S]*?for: )2m/, to: "$13m", tests: ["borg_missing_backup.yml"] },
    { name: "severity warning", from: /(BorgMissingBackup[\s\S]*?severity: )critical/, to: "$1warning", tests: ["borg_missing_backup.yml"] },
    { name: "no relative link fallback", from: "              /hosts/{{ $labels.host }}\n", to: "", tests: ["borg_missing_backup.yml"] },
    {
      name: "own threshold ignored",
      from: "> on(host, site) group_left() min by (host, site) (borg_stale_threshold_seconds)",
      to: "> 86400 * 1.5",
      tests: ["borg_missing_backup_thresholds.yml"],
    },
    { name: ">= own threshold", from: "> on(host, site) group_left()", to: ">= on(host, site) group_left()", tests: ["borg_missing_backup_thresholds.yml"] },
    {
      name: "1.5 days also for repos with a threshold",
      from: "\n            unless on(host, site) borg_stale_threshold_seconds",
      to: "",
      tests: ["borg_missing_backup_thresholds.yml"],
    },
    {
      name: "largest threshold of two",
      from: "min by (host, site) (borg_stale_threshold_seconds))",
      to: "max by (host, site) (borg_stale_threshold_seconds))",
      tests: ["borg_missing_backup_thresholds.yml"],
    },
    { name: "threshold not in the description", from: '{{- . | first | value | printf "%g" }}', to: "1.5", tests: ["borg_missing_backup_thresholds.yml"] },
    {
      name: "storage forecast over 6h",
      from: "borg_storage_free_bytes[1d], 7 * 86400",
      to: "borg_storage_free_bytes[6h], 7 * 86400",
      tests: ["borg_storage.yml"],
    },
    {
      name: "storage forecast without a day of history",
      from: /\n\s*and last_over_time\(borg_storage_free_bytes\[1h\] offset 23h\)/,
      to: "",
      tests: ["borg_storage.yml"],
    },
    { name: "storage low at 9 %", from: "borg_storage_size_bytes < 0.10", to: "borg_storage_size_bytes < 0.09", tests: ["borg_storage.yml"] },
    {
      name: "never-backed-up ignores running backups",
      from: " unless borg_backup_in_progress == 1\n        for: 1h",
      to: "\n        for: 1h",
      tests: ["borg_never_backed_up.yml"],
    },
    { name: "backup failed on success", from: "borg_backup_last_run_success == 0", to: "borg_backup_last_run_success == 1", tests: ["borg_backup_failed.yml"] },
    {
      name: "collector failing while busy",
      from: "borg_repo_up == 0 unless borg_backup_in_progress == 1",
      to: "borg_repo_up == 0",
      tests: ["borg_collector.yml"],
    },
    { name: "dashboard down without absent()", from: ' or absent(up{job="borg-fleet"})', to: "", tests: ["borg_collector.yml"] },
    { name: "metrics absent matched on all labels", from: "unless on(job, instance) borg_repo_up", to: "unless borg_repo_up", tests: ["borg_collector.yml"] },
    {
      name: "check failed on success",
      file: "verify.yml",
      from: "borg_repo_last_check_success == 0",
      to: "borg_repo_last_check_success == 1",
      tests: ["borg_verify.yml"],
    },
    {
      name: "check overdue at 1.4 x",
      file: "verify.yml",
      from: "> 1.5 * borg_check_interval_seconds",
      to: "> 1.4 * borg_check_interval_seconds",
      tests: ["borg_verify.yml"],
    },
    {
      name: "check overdue at >=",
      file: "verify.yml",
      from: "> 1.5 * borg_check_interval_seconds",
      to: ">= 1.5 * borg_check_interval_seconds",
      tests: ["borg_verify.yml"],
    },
    {
      name: "drill overdue at 1.6 x",
      file: "verify.yml",
      from: "> 1.5 * borg_restore_drill_interval_seconds",
      to: "> 1.6 * borg_restore_drill_interval_seconds",
      tests: ["borg_verify.yml"],
    },
    {
      name: "never-checked repo not reported",
      file: "verify.yml",
      from: /\n\s*or \(\n\s*\(time\(\) - borg_repo_first_seen_timestamp_seconds\)[^)]*\)[^\n]*\n[^\n]*\n\s*\)/,
      to: "",
      tests: ["borg_verify.yml"],
    },
    {
      name: "never-checked overdue at >=",
      file: "verify.yml",
      from: "> on(host, site) group_right() 1.5 * borg_check_interval_seconds",
      to: ">= on(host, site) group_right() 1.5 * borg_check_interval_seconds",
      tests: ["borg_verify.yml"],
    },
    {
      name: "checked kinds also counted from first seen",
      file: "verify.yml",
      from: "\n            unless on(host, site, kind) borg_repo_last_check_timestamp_seconds",
      to: "",
      tests: ["borg_verify.yml"],
    },
    {
      name: "never-drilled repo not reported",
      file: "verify.yml",
      from: /\n\s*or \(\n\s*time\(\) - borg_repo_first_seen_timestamp_seconds[^\n]*\n[^\n]*\n\s*\)/,
      to: "",
      tests: ["borg_verify.yml"],
    },
    {
      name: "drill never passed not reported",
      file: "verify.yml",
      from: /\n\s*or \(borg_restore_drill_last_success == 0[^\n]*/,
      to: "",
      tests: ["borg_verify.yml"],
    },
  ];

  it.concurrent.for(mutations)("the shipped tests catch a mutated rule: $name", async (m, { expect }) => {
    const dir = tmpDir("mutant");
    copyTree(rel("prometheus/rules"), path.join(dir, "rules"));
    copyTree(rel("prometheus/tests"), path.join(dir, "tests"));
    const file = m.file ?? "borg.yml";
    const original = fs.readFileSync(rel("prometheus/rules", file), "utf8");
    const mutated = original.replace(m.from, m.to);
    expect(mutated, "the mutation must apply to the current rule file").not.toBe(original);
    fs.writeFileSync(path.join(dir, "rules", file), mutated);
    const check = await run("promtool", ["check", "rules", path.join(dir, "rules", file)]);
    expect(check.code, `mutant must still be a valid rule file: ${check.stdout}${check.stderr}`).toBe(0);
    const r = await run("promtool", ["test", "rules", ...m.tests.map((t) => path.join(dir, "tests", t))]);
    expect(r.code, `mutation "${m.name}" was not caught`).not.toBe(0);
  });
});

describe("alert scenarios beyond the shipped tests (generated)", () => {
  /**
   * The rule as a model: evaluated every `step` seconds from 0, the expression is true when
   * t - last_archive > 1.5 days; an alert is pending from the first true evaluation and firing once it
   * has been true for 2 minutes, until an evaluation where it is false.
   */
  function simulate(lastArchiveAt: (t: number) => number, step: number, until: number) {
    const states: ("inactive" | "pending" | "firing")[] = [];
    let activeAt: number | null = null;
    for (let t = 0; t <= until; t += step) {
      if (t - lastArchiveAt(t) > THRESHOLD) {
        if (activeAt === null) activeAt = t;
        states.push(t - activeAt >= 120 ? "firing" : "pending");
      } else {
        activeAt = null;
        states.push("inactive");
      }
    }
    return states;
  }

  it(`random last-archive ages around 1.5 days fire exactly as computed (seed ${SEED})`, async () => {
    const random = prng(SEED);
    // Archives are dated back so that the threshold is crossed during a short timeline (20 minutes).
    const evalAt = 20 * 60;
    const hosts: { host: string; age: number }[] = [];
    for (let i = 0; i < 40; i++) {
      // Mostly within ±5 minutes of the threshold, where pending and firing differ, some far away.
      const spread = i % 5 === 0 ? 6 * 3600 : 300;
      hosts.push({ host: `gen${i}`, age: THRESHOLD + Math.round((random() * 2 - 1) * spread) });
    }
    hosts.push(
      { host: "exact", age: THRESHOLD },
      { host: "plus60", age: THRESHOLD + 60 },
      { host: "plus120", age: THRESHOLD + 120 },
      { host: "plus180", age: THRESHOLD + 180 },
    );

    const expected = hosts.map(({ host, age }) => {
      const archive = evalAt - age;
      const states = simulate(() => archive, 60, evalAt);
      return { host, age, state: states[states.length - 1] };
    });
    // The computed outcomes must include every state, or the scenario proves little.
    for (const state of ["inactive", "pending", "firing"]) expect(expected.map((e) => e.state)).toContain(state);
    expect(expected.find((e) => e.host === "exact")?.state).toBe("inactive");
    expect(expected.find((e) => e.host === "plus180")?.state).toBe("firing");

    const series = hosts.map(({ host, age }) => ({
      series: `borg_last_archive_timestamp_seconds{host="${host}",site="onsite",job="borg-fleet",instance="127.0.0.1:3000"}`,
      values: `${evalAt - age}x${evalAt / 60 + 5}`, // constant: the archive's end time
    }));
    series.push({ series: 'up{job="borg-fleet",instance="127.0.0.1:3000"}', values: `1x${evalAt / 60 + 5}` });
    series.push({
      series: 'borg_repo_info{host="gen0",site="onsite",dashboard_url="https://fleet.example.com/hosts/gen0",job="borg-fleet",instance="127.0.0.1:3000"}',
      values: `1x${evalAt / 60 + 5}`,
    });
    const labels = (host: string) => ({ severity: "critical", host, site: "onsite", job: "borg-fleet", instance: "127.0.0.1:3000" });
    const firing = expected.filter((e) => e.state === "firing");
    const pending = expected.filter((e) => e.state === "pending");
    const r = await promtoolTest(tmpDir("gen-ages"), "ages.yml", {
      rule_files: [RULES_PATH],
      evaluation_interval: "1m",
      tests: [
        {
          name: `generated ages, seed ${SEED}`,
          interval: "1m",
          input_series: series,
          alert_rule_test: [
            {
              eval_time: promDuration(evalAt),
              alertname: "BorgMissingBackup",
              exp_alerts: firing.map(({ host, age }) => ({
                exp_labels: labels(host),
                exp_annotations: {
                  summary: `Borg missing backup (host ${host})`,
                  description: MISSING_DESCRIPTION(host, "onsite", age),
                  dashboard_url: `https://fleet.example.com/hosts/${host}`,
                },
              })),
            },
          ],
          promql_expr_test: [
            {
              expr: 'ALERTS{alertname="BorgMissingBackup",alertstate="pending"}',
              eval_time: promDuration(evalAt),
              exp_samples: pending.map(({ host }) => ({
                labels: `ALERTS{alertname="BorgMissingBackup",alertstate="pending",severity="critical",host="${host}",site="onsite",job="borg-fleet",instance="127.0.0.1:3000"}`,
                value: 1,
              })),
            },
          ],
        },
      ],
    });
    expect(r.code, `seed ${SEED}\n${r.stdout}${r.stderr}`).toBe(0);
  });

  it(`random backup histories over ten days alert exactly as computed (seed ${SEED})`, async () => {
    const random = prng(SEED ^ 0x5bd1e995);
    const step = 300;
    const days = 10;
    const until = days * 86400;
    const hosts = Array.from({ length: 8 }, (_, i) => {
      // Archives end after random gaps of 0.5 to 2.2 days; the first one less than a day before t=0.
      const ends: number[] = [];
      for (let end = -Math.floor(random() * 86400); ; end += Math.floor((0.5 + random() * 1.7) * 86400)) {
        ends.push(end);
        if (end >= until) break;
      }
      return { host: `hist${i}`, ends };
    });
    const lastArchiveAt = (ends: number[]) => (t: number) => ends.reduce((last, e) => (e <= t ? e : last), -Infinity);

    const input = hosts.map(({ host, ends }) => {
      const values: number[] = [];
      for (let t = 0; t <= until; t += step) values.push(lastArchiveAt(ends)(t));
      return {
        series: `borg_last_archive_timestamp_seconds{host="${host}",site="onsite",job="borg-fleet",instance="127.0.0.1:3000"}`,
        values: values.join(" "),
      };
    });
    input.push({ series: 'up{job="borg-fleet",instance="127.0.0.1:3000"}', values: `1x${until / step}` });

    const exp_samples: { labels: string; value: number }[] = [];
    const statesByHost = new Map(hosts.map(({ host, ends }) => [host, simulate(lastArchiveAt(ends), step, until)]));
    let totalFiring = 0;
    for (const { host } of hosts) {
      const states = statesByHost.get(host)!;
      expect(states[0], "no alert at t=0 (keeps the range boundary out of the question)").toBe("inactive");
      for (const state of ["pending", "firing"] as const) {
        const count = states.filter((s) => s === state).length;
        if (state === "firing") totalFiring += count;
        if (count > 0)
          exp_samples.push({
            labels: `{alertname="BorgMissingBackup",alertstate="${state}",severity="critical",host="${host}",site="onsite",job="borg-fleet",instance="127.0.0.1:3000"}`,
            value: count,
          });
      }
    }
    expect(totalFiring, "gaps up to 2.2 days must produce some alerts").toBeGreaterThan(0);
    // Spot checks with full labels and annotations of every firing alert, at random evaluation times
    // and at the first firing evaluation of each host.
    const times = new Set<number>();
    for (let k = 0; k < 12; k++) times.add(Math.floor(random() * (until / step + 1)) * step);
    for (const states of statesByHost.values()) {
      const first = states.indexOf("firing");
      if (first > 0) times.add(first * step).add((first - 1) * step);
    }
    const checks = [...times]
      .sort((a, b) => a - b)
      .map((t) => ({
        eval_time: promDuration(t),
        alertname: "BorgMissingBackup",
        exp_alerts: hosts
          .filter(({ host }) => statesByHost.get(host)![t / step] === "firing")
          .map(({ host, ends }) => ({
            exp_labels: { severity: "critical", host, site: "onsite", job: "borg-fleet", instance: "127.0.0.1:3000" },
            exp_annotations: {
              summary: `Borg missing backup (host ${host})`,
              description: MISSING_DESCRIPTION(host, "onsite", t - lastArchiveAt(ends)(t)),
              dashboard_url: `/hosts/${host}`,
            },
          })),
      }));
    const tests = [
      {
        name: `random histories, seed ${SEED}`,
        interval: "5m",
        input_series: input,
        alert_rule_test: checks,
        promql_expr_test: [
          {
            expr: `count_over_time(ALERTS{alertname="BorgMissingBackup"}[${days}d])`,
            eval_time: `${days}d`,
            exp_samples,
          },
        ],
      },
    ];
    const r = await promtoolTest(tmpDir("gen-history"), "history.yml", { rule_files: [RULES_PATH], evaluation_interval: "5m", tests });
    expect(r.code, `seed ${SEED}\n${r.stdout}${r.stderr}`).toBe(0);
  });
});

describe("alertmanager", () => {
  it("amtool check-config accepts alertmanager.yml and its template", async () => {
    const r = await run("amtool", ["check-config", "prometheus/alertmanager.yml"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("2 receivers");
    expect(r.stdout).toContain("2 inhibit rules");
    expect(r.stdout.match(/SUCCESS/g)?.length).toBe(2); // config and templates
  });

  it("groups by alertname and host and posts to the dashboard with a token file", () => {
    const config = YAML.parse(read("prometheus/alertmanager.yml")) as {
      route: { group_by: string[]; receiver: string };
      receivers: {
        name: string;
        webhook_configs?: { url: string; send_resolved: boolean; http_config: { authorization: { credentials_file?: string; credentials?: string } } }[];
      }[];
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    expect(config.route.group_by).toEqual(["alertname", "host"]);
    const webhook = config.receivers.find((r) => r.name === "borg-fleet-dashboard")?.webhook_configs?.[0];
    expect(webhook?.url).toBe("http://127.0.0.1:3000/api/alerts");
    expect(webhook?.send_resolved).toBe(true);
    expect(webhook?.http_config.authorization.credentials_file).toBe("secrets/alerts_token");
    expect(webhook?.http_config.authorization.credentials).toBeUndefined();
    expect(config.inhibit_rules[0]?.source_matchers).toEqual(['alertname = "BorgDashboardDown"']);
    expect(config.inhibit_rules[0]?.equal).toEqual(["job", "instance"]);
  });

  it("routes: everything to the dashboard; e-mail only once enabled", async () => {
    const route = (...labels: string[]) => run("amtool", ["config", "routes", "test", "--config.file=prometheus/alertmanager.yml", ...labels]);
    const critical = await route("alertname=BorgMissingBackup", "severity=critical", "host=web1", "site=onsite");
    expect(critical.code).toBe(0);
    expect(critical.stdout.trim()).toBe("borg-fleet-dashboard");
    const warning = await route("alertname=BorgStorageLow", "severity=warning", "site=onsite");
    expect(warning.stdout.trim()).toBe("borg-fleet-dashboard");
    const enabled = await route("alertname=BorgMissingBackup", "severity=critical", "host=web1", "email=enabled");
    expect(enabled.stdout.trim()).toBe("borg-fleet-dashboard,ops-email");
  });

  it("the notification text starts with the link", async () => {
    const r = await run("amtool", ["template", "render", "--template.glob=prometheus/templates/*.tmpl", '--template.text={{ template "borg.email.text" . }}']);
    expect(r.code, r.stderr).toBe(0);
    // amtool's example alerts carry no dashboard_url: the link falls back to the generator URL.
    expect(r.stdout.split("\n")[0]).toBe("https://generatorurl.com");
    const html = await run("amtool", [
      "template",
      "render",
      "--template.glob=prometheus/templates/*.tmpl",
      '--template.text={{ template "borg.email.html" . }}',
    ]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.indexOf('<a href="https://generatorurl.com"><strong>Open')).toBeGreaterThan(0);
    expect(html.stdout.indexOf("<a href")).toBe(html.stdout.indexOf('<a href="https://generatorurl.com"><strong>Open'));
  });

  it("live: the compose entrypoint's config posts to /api/alerts with the bearer token; dashboard-down inhibits its collector alerts", async () => {
    const dir = tmpDir("alertmanager");
    const source = path.join(dir, "prometheus");
    copyTree(rel("prometheus"), source);
    // Only the timing is changed for the test: the first notification after 1s instead of 30s.
    const amPath = path.join(source, "alertmanager.yml");
    const original = fs.readFileSync(amPath, "utf8");
    fs.writeFileSync(amPath, original.replace("group_wait: 30s", "group_wait: 1s"));
    expect(fs.readFileSync(amPath, "utf8")).not.toBe(original);
    const secrets = path.join(dir, "secrets");
    fs.mkdirSync(secrets);
    const token = `test-token-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(path.join(secrets, "alerts_token"), `${token}\n`, { mode: 0o600 });

    const received: {
      auth: string | undefined;
      path: string | undefined;
      body: {
        version: string;
        groupLabels: Record<string, string>;
        alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
      };
    }[] = [];
    const webhook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ auth: req.headers.authorization, path: req.url, body: JSON.parse(body) });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const webhookPort = (webhook.address() as net.AddressInfo).port;
    const amPort = await freePort();
    let child: ChildProcess | undefined;
    try {
      child = spawn("sh", [rel("deploy/docker/alertmanager-entrypoint.sh"), `--web.listen-address=127.0.0.1:${amPort}`, "--cluster.listen-address="], {
        env: {
          ...process.env,
          ALERTMANAGER_SOURCE: source,
          ALERTMANAGER_RENDERED: path.join(dir, "rendered"),
          ALERTMANAGER_SECRETS: secrets,
          ALERTMANAGER_STORAGE: path.join(dir, "data"),
          ALERTMANAGER_BIN: "prometheus-alertmanager",
          DASHBOARD_URL: `http://127.0.0.1:${webhookPort}`,
        },
        stdio: "ignore",
      });
      const base = `http://127.0.0.1:${amPort}`;
      await waitFor("alertmanager", async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
      expect(fs.readFileSync(path.join(dir, "rendered/alertmanager.yml"), "utf8")).toContain(`url: http://127.0.0.1:${webhookPort}/api/alerts`);

      const dashboard = { job: "borg-fleet", instance: "127.0.0.1:3000" };
      const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
        labels,
        annotations,
        startsAt: new Date().toISOString(),
        generatorURL: "http://prometheus.example/graph",
      });
      const post = await fetch(`${base}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          alert(
            { alertname: "BorgMissingBackup", severity: "critical", host: "web1", site: "onsite", ...dashboard },
            { summary: "Borg missing backup (host web1)", dashboard_url: "https://fleet.example.com/hosts/web1" },
          ),
          alert({ alertname: "BorgDashboardDown", severity: "critical", ...dashboard }, { dashboard_url: "https://fleet.example.com/" }),
          // Inhibited: same dashboard as BorgDashboardDown.
          alert({ alertname: "BorgCollectorFailing", severity: "warning", host: "web2", site: "onsite", ...dashboard }),
          // Not inhibited: a client's textfile collector.
          alert({ alertname: "BorgCollectorFailing", severity: "warning", host: "client9", site: "offsite", job: "node", instance: "client9:9100" }),
        ]),
      });
      expect(post.status).toBe(200);

      await waitFor("three notifications", async () => (received.length >= 3 ? true : undefined));
      // Give an inhibited notification time to (wrongly) arrive.
      await new Promise((r) => setTimeout(r, 3_000));
      for (const n of received) {
        expect(n.auth).toBe(`Bearer ${token}`);
        expect(n.path).toBe("/api/alerts");
        expect(n.body.version).toBe("4");
      }
      const alerts = received.flatMap((n) => n.body.alerts);
      expect(alerts.map((a) => `${a.labels.alertname}/${a.labels.host ?? "-"}`).sort()).toEqual(
        ["BorgCollectorFailing/client9", "BorgDashboardDown/-", "BorgMissingBackup/web1"].sort(),
      );
      const missing = received.find((n) => n.body.groupLabels.alertname === "BorgMissingBackup");
      expect(missing?.body.groupLabels).toEqual({ alertname: "BorgMissingBackup", host: "web1" });
      expect(missing?.body.alerts[0]?.annotations.dashboard_url).toBe("https://fleet.example.com/hosts/web1");
    } finally {
      await stopProcess(child);
      await new Promise<void>((resolve) => webhook.close(() => resolve()));
    }
  }, 60_000);
});

describe("grafana", () => {
  interface Target {
    expr?: string;
    refId?: string;
    datasource?: { type?: string; uid?: string };
  }
  interface Panel {
    id: number;
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource?: { type?: string; uid?: string };
    targets?: Target[];
    fieldConfig?: unknown;
  }
  const dashboard = JSON.parse(read("grafana/dashboards/borg-fleet.json")) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    links: { url: string }[];
    templating: { list: { name: string; type: string; definition?: string; regex?: string; datasource?: { uid?: string } }[] };
  };
  const panels = dashboard.panels.filter((p) => p.type !== "row");
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""));

  it('is the "Borg fleet" dashboard with every panel on the datasource uid "prometheus"', () => {
    expect(dashboard.title).toBe("Borg fleet");
    expect(dashboard.uid).toBe("borg-fleet");
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(panels.length).toBeGreaterThanOrEqual(10);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe("prometheus");
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = new Set<string>();
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe("prometheus");
        expect(target.expr?.trim(), panel.title).toBeTruthy();
        expect(refIds.has(target.refId ?? ""), `${panel.title}: duplicate refId`).toBe(false);
        refIds.add(target.refId ?? "");
      }
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) expect(variable.datasource?.uid).toBe("prometheus");
  });

  it("shows capacity, used space, last-archive age with the 1.5 d threshold, alerts and collector health", () => {
    const uses = (metric: string) => exprs.some((e) => e.includes(metric));
    for (const metric of [
      "borg_storage_size_bytes",
      "borg_storage_free_bytes",
      "borg_repo_deduplicated_size_bytes",
      "borg_repo_disk_usage_bytes",
      "borg_last_archive_timestamp_seconds",
      "ALERTS{",
      "borg_repo_up",
      "borg_collect_duration_seconds",
      "borg_repo_last_check_timestamp_seconds",
      "borg_repo_last_check_success",
      "borg_check_interval_seconds",
      "borg_restore_drill_last_success_timestamp_seconds",
      "borg_restore_drill_last_success{",
      "borg_restore_drill_interval_seconds",
    ])
      expect(uses(metric), metric).toBe(true);
    const table = panels.find((p) => p.title === "Last archive age per host");
    expect(table?.type).toBe("table");
    const config = JSON.stringify(table?.fieldConfig);
    expect(config).toContain('{"color":"orange","value":86400}');
    expect(config).toContain('{"color":"red","value":129600}');
  });

  it("links hosts to the borg-fleet triage page through ${dashboard_base_url}", () => {
    const variable = dashboard.templating.list.find((v) => v.name === "dashboard_base_url");
    expect(variable?.definition).toBe("label_values(borg_repo_info, dashboard_url)");
    // The regex keeps what precedes /hosts/<host>: the dashboard's base URL.
    const regex = variable?.regex ?? "";
    const match = new RegExp(regex.slice(1, regex.lastIndexOf("/"))).exec("https://fleet.example.com/borg/hosts/web1");
    expect(match?.[1]).toBe("https://fleet.example.com/borg");
    const text = read("grafana/dashboards/borg-fleet.json");
    expect(text).toContain("${dashboard_base_url}/hosts/${__value.raw}");
    expect(text).toContain("${dashboard_base_url}/hosts/${__field.labels.host}");
  });

  it("provisions the datasource with uid prometheus and the dashboards folder compose mounts", () => {
    const ds = YAML.parse(read("grafana/provisioning/datasources/prometheus.yml")) as { datasources: { uid: string; type: string; url: string }[] };
    expect(ds.datasources).toHaveLength(1);
    expect(ds.datasources[0]).toMatchObject({ uid: "prometheus", type: "prometheus", url: "http://prometheus:9090" });
    const providers = YAML.parse(read("grafana/provisioning/dashboards/borg.yml")) as { providers: { options: { path: string } }[] };
    const compose = read("docker-compose.yml");
    expect(compose).toContain(`./grafana/dashboards:${providers.providers[0]?.options.path}:ro`);
  });
});

describe("prometheus, live", () => {
  let child: ChildProcess | undefined;
  let base = "";
  beforeAll(async () => {
    const dir = tmpDir("prometheus");
    copyTree(rel("prometheus"), path.join(dir, "prometheus"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      "prometheus",
      [
        `--config.file=${path.join(dir, "prometheus/prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: "ignore" },
    );
    await waitFor("prometheus", async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000);
  }, 60_000);
  afterAll(() => stopProcess(child));

  it("loads the rule group and the file_sd targets", async () => {
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; health: string }[] }[] } };
    expect(rules.data.groups.map((g) => g.name)).toEqual(["borg", "borg-verify"]);
    // 8: BorgStaleThresholdMismatch went when BorgMissingBackup started reading each repo's own threshold.
    expect(rules.data.groups[0]?.rules).toHaveLength(8);
    expect(rules.data.groups[1]?.rules).toHaveLength(3);
    for (const rule of rules.data.groups.flatMap((g) => g.rules)) expect(rule.health, rule.name).not.toBe("err");
    const targets = await waitFor("file_sd targets", async () => {
      const body = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: Record<string, string> }[] } };
      const found = body.data.activeTargets.map((t) => `${t.labels.job} ${t.labels.instance}`).sort();
      return found.length >= 4 ? found : undefined;
    });
    expect(targets).toEqual(["alertmanager 127.0.0.1:9093", "borg-fleet 127.0.0.1:3000", "node 127.0.0.1:9100", "prometheus localhost:9090"]);
  });

  it("every Grafana expression is valid PromQL", async () => {
    const dashboard = JSON.parse(read("grafana/dashboards/borg-fleet.json")) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr.replaceAll("$site", ".*") })));
    expect(queries.length).toBeGreaterThan(10);
    for (const { title, expr } of queries) {
      expect(expr, title).not.toMatch(/\$/);
      const body = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; error?: string };
      expect(body.status, `${title}: ${expr}: ${body.error ?? ""}`).toBe("success");
    }
  });
});

describe("docker-compose and images", () => {
  it("docker-compose config -q passes", async () => {
    const r = await run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  interface Service {
    build?: { context: string; dockerfile: string };
    image?: string;
    healthcheck?: { test: string[] };
    environment?: Record<string, string>;
    volumes?: Volume[];
    ports?: { host_ip?: string }[];
    depends_on?: Record<string, { condition: string }>;
    entrypoint?: string[];
    command?: string[];
  }
  interface Volume {
    type: string;
    source: string;
    target: string;
    read_only?: boolean;
  }
  /** docker-compose v1 prints short syntax ("src:dst:ro", "127.0.0.1:80:80/tcp"), v2 long syntax. */
  function normalize(raw: Record<string, Record<string, unknown>>): Record<string, Service> {
    const out: Record<string, Service> = {};
    for (const [name, service] of Object.entries(raw)) {
      const volumes = ((service.volumes as unknown[] | undefined) ?? []).map((v): Volume => {
        if (typeof v !== "string") return v as Volume;
        const [source = "", target = "", mode] = v.split(":");
        return { type: source.startsWith("/") || source.startsWith(".") ? "bind" : "volume", source, target, read_only: mode === "ro" };
      });
      const ports = ((service.ports as unknown[] | undefined) ?? []).map((p) => {
        if (typeof p !== "string") return p as { host_ip?: string };
        const parts = p.split(":");
        return { host_ip: parts.length === 3 ? parts[0] : undefined };
      });
      out[name] = { ...(service as Service), volumes, ports };
    }
    return out;
  }
  let services: Record<string, Service> = {};
  beforeAll(async () => {
    const r = await run("docker-compose", ["-f", "docker-compose.yml", "config"]);
    expect(r.code, r.stderr).toBe(0);
    services = normalize((YAML.parse(r.stdout) as { services: Record<string, Record<string, unknown>> }).services);
  });

  it("has the whole stack, with health checks on every long-running service", () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        "alertmanager",
        "borg-server",
        "client-1",
        "client-2",
        "client-3",
        "dashboard",
        "grafana",
        "nginx",
        "node-exporter",
        "prometheus",
        "secrets-init",
      ].sort(),
    );
    for (const [name, service] of Object.entries(services)) {
      if (name === "secrets-init") continue;
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    expect(services.dashboard?.healthcheck?.test.join(" ")).toContain("/api/health");
  });

  it("keeps state in named volumes and mounts repository files read-only", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        if (volume.type === "bind") {
          expect(volume.source.startsWith(ROOT + path.sep), `${name}: ${volume.source}`).toBe(true);
          expect(volume.read_only, `${name}: ${volume.source} must be read-only`).toBe(true);
        } else {
          expect(volume.type, name).toBe("volume");
        }
      }
    }
    const prom = services.prometheus?.volumes ?? [];
    expect(prom.find((v) => v.target === "/etc/prometheus/targets/local")?.source).toBe(rel("prometheus/targets/compose"));
  });

  it("holds no secret: credentials come from files generated at first start", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/TOKEN|PASSWORD|PASSPHRASE|SECRET/.test(key)) {
          expect(key.endsWith("_FILE"), `${name}: ${key} must point to a file`).toBe(true);
          expect(value.startsWith("/run/secrets/"), `${name}: ${key}`).toBe(true);
        }
      }
    }
    const init = read("deploy/docker/init-secrets.sh");
    expect(init).toContain("/run/secrets/alerts/alerts_token");
    expect(services.dashboard?.environment?.ALERTS_TOKEN_FILE).toBe("/run/secrets/alerts/alerts_token");
    expect(services.dashboard?.depends_on?.["secrets-init"]?.condition).toBe("service_completed_successfully");
  });

  it("publishes ports on loopback only", () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port.host_ip, name).toBe("127.0.0.1");
    }
  });

  it("one client stops backing up (the alert demo) and every client has its own state volume", () => {
    expect(services["client-2"]?.environment?.BACKUP_MAX_RUNS).toBe("2");
    expect(Number(services["client-2"]?.environment?.DEMO_ARCHIVE_AGE)).toBeGreaterThan(THRESHOLD);
    expect(services["client-1"]?.environment?.BACKUP_MAX_RUNS).toBeUndefined();
    for (const client of ["client-1", "client-2", "client-3"]) {
      expect(services[client]?.volumes?.find((v) => v.target === "/var/lib/borg-client")?.source).toBe(`${client}-state`);
    }
  });

  it("builds from Dockerfiles that exist; the dashboard image is multi-stage, non-root, with a health check", () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) expect(fs.existsSync(path.join(service.build.context, service.build.dockerfile)), name).toBe(true);
    }
    const dockerfile = read("Dockerfile");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/api\/health/m);
    expect(dockerfile).toContain("COPY --from=build /app/.next/standalone ./");
    // The standalone server bundle is switched on by the image's build stage.
    expect(read("next.config.ts")).toMatch(/BORG_FLEET_STANDALONE === "1" \? "standalone"/);
    expect(dockerfile).toMatch(/^ENV .*BORG_FLEET_STANDALONE=1/m);
    const ignore = read(".dockerignore").split("\n");
    for (const entry of ["node_modules", ".next", ".git", "prometheus/secrets"]) expect(ignore).toContain(entry);
    // Every file the Dockerfiles copy from deploy/ exists.
    for (const file of ["Dockerfile", "deploy/docker/borg-server.Dockerfile", "deploy/docker/borg-client.Dockerfile", "deploy/docker/nginx.Dockerfile"]) {
      for (const m of read(file).matchAll(/^COPY (?:--chmod=\S+ )?(deploy\/\S+) /gm)) expect(fs.existsSync(rel(m[1] ?? "-")), `${file}: ${m[1]}`).toBe(true);
    }
  });

  it("/metrics needs the metrics token, which Prometheus sends from the same generated file", async () => {
    expect(read("deploy/docker/init-secrets.sh")).toContain("new_secret /run/secrets/metrics/metrics_token");
    const token = services.dashboard?.environment?.METRICS_TOKEN_FILE;
    expect(token).toBe("/run/secrets/metrics/metrics_token");
    for (const name of ["dashboard", "prometheus"]) {
      expect(
        services[name]?.volumes?.find((v) => v.target === "/run/secrets/metrics"),
        name,
      ).toMatchObject({ type: "volume", read_only: true });
    }
    expect(services.prometheus?.entrypoint).toEqual(["/bin/sh", "/etc/borg-fleet/prometheus-entrypoint.sh"]);
    // The entrypoint renders the shipped prometheus.yml with the token file; promtool accepts the result.
    const dir = tmpDir("prom-entrypoint");
    fs.writeFileSync(path.join(dir, "metrics_token"), "token\n");
    const rendered = path.join(dir, "rendered");
    const r = await run("sh", [rel("deploy/docker/prometheus-entrypoint.sh")], {
      env: {
        ...process.env,
        PROMETHEUS_SOURCE: rel("prometheus"),
        PROMETHEUS_RENDERED: rendered,
        METRICS_TOKEN_FILE: path.join(dir, "metrics_token"),
        PROMETHEUS_BIN: "true",
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const config = YAML.parse(fs.readFileSync(path.join(rendered, "prometheus.yml"), "utf8")) as {
      scrape_configs: { job_name: string; authorization?: { credentials_file: string } }[];
    };
    expect(config.scrape_configs.find((j) => j.job_name === "borg-fleet")?.authorization).toEqual({ credentials_file: path.join(dir, "metrics_token") });
    expect(config.scrape_configs.filter((j) => j.authorization)).toHaveLength(1);
    const check = await run("promtool", ["check", "config", path.join(rendered, "prometheus.yml")]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("nginx runs the shipped template in front of the dashboard, and is the dashboard's only trusted proxy", () => {
    const dockerfile = read("deploy/docker/nginx.Dockerfile");
    expect(dockerfile).toContain("COPY deploy/nginx/borg-fleet.conf.template /etc/nginx/templates/borg-fleet.conf.template");
    const env = services.nginx?.environment ?? {};
    const used = [...read("deploy/nginx/borg-fleet.conf.template").matchAll(/\$\{(BORG_FLEET_[A-Z0-9_]+)\}/g)].map((m) => m[1]!);
    expect(Object.keys(env).sort()).toEqual([...new Set(used)].sort());
    expect(env.BORG_FLEET_UPSTREAM).toBe("dashboard:3000");
    const config = parseConfig(read("deploy/docker/fleet.yml"), "/etc/borg-fleet/fleet.yml");
    const address = (YAML.parse(read("docker-compose.yml")) as { services: { nginx: { networks: { default: { ipv4_address: string } } } } }).services.nginx
      .networks.default.ipv4_address;
    expect(config.trustedProxies).toEqual([`${address}/32`, "127.0.0.1/32"]);
    expect(config.sso.trustedProxies).toEqual([]);
  });

  it("the dashboard's compose config is valid for the app and matches the clients", () => {
    const config = parseConfig(read("deploy/docker/fleet.yml"), "/etc/borg-fleet/fleet.yml");
    expect(config.staleAfter).toBe(THRESHOLD);
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(config.sites.map((s) => s.remote)).toEqual(["ssh://borg@borg-server:22/srv/borg"]);
    expect(config.repos.map((r) => r.host).sort()).toEqual(["client-1", "client-2", "client-3"]);
    for (const repo of config.repos) {
      expect(repo.secrets?.passphraseFile).toBe(`/srv/fleet-keys/${repo.host}.passphrase`);
      expect(repo.secrets?.sshKeyFile).toBe(services.dashboard?.environment?.FLEET_SSH_KEY);
      expect(repo.secrets?.knownHostsFile).toBe("/srv/fleet-registry/server/known_hosts");
    }
  });

  it("the storage server's sshd config is valid", async () => {
    const dir = tmpDir("sshd");
    const hostKey = path.join(dir, "host_key");
    expect((await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey])).code).toBe(0);
    const config = read("deploy/docker/borg-server/sshd_config").replace("/etc/ssh/hostkeys/ssh_host_ed25519_key", hostKey);
    expect(config).toContain("AuthorizedKeysCommand /usr/local/sbin/fleet-authorized-keys %u");
    fs.writeFileSync(path.join(dir, "sshd_config"), config);
    // sshd -t as root wants its privilege separation directory (the package's service creates it at boot).
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const good = await run("/usr/sbin/sshd", ["-t", "-f", path.join(dir, "sshd_config")]);
    expect(good.code, good.stderr).toBe(0);
    fs.appendFileSync(path.join(dir, "sshd_config"), "NoSuchOption yes\n");
    expect((await run("/usr/sbin/sshd", ["-t", "-f", path.join(dir, "sshd_config")])).code).not.toBe(0);
  });

  it("authorized keys: each client is restricted to its repo, team keys to the tree, injections are dropped", async () => {
    const dir = tmpDir("registry");
    fs.mkdirSync(path.join(dir, "clients"));
    fs.mkdirSync(path.join(dir, "team"));
    const key = async (name: string) => {
      await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `root@${name}`, "-f", path.join(dir, name)]);
      return fs.readFileSync(path.join(dir, `${name}.pub`), "utf8").trim();
    };
    const [k1, k2, k3] = [await key("k1"), await key("k2"), await key("k3")];
    const blob = (k: string) => k.split(" ").slice(0, 2).join(" ");
    fs.writeFileSync(path.join(dir, "clients/client-1.pub"), `${k1}\n`);
    fs.writeFileSync(path.join(dir, "team/borg-fleet-dashboard.pub"), `${k3}\n`);
    // A key file that carries a newline and a second key (the injection a peer project shipped).
    fs.writeFileSync(path.join(dir, "clients/evil.pub"), `${k2}\n${k2}\n`);
    fs.writeFileSync(path.join(dir, "clients/evil2.pub"), `${blob(k2)} x\rcommand="/bin/sh" ${blob(k2)}\n`);
    fs.writeFileSync(path.join(dir, "clients/options.pub"), `command="/bin/sh" ${k2}\n`);
    fs.writeFileSync(path.join(dir, "clients/-rf.pub"), `${k2}\n`);
    fs.writeFileSync(path.join(dir, "clients/broken.pub"), "ssh-ed25519 AAAAnotakey\n");
    const r = await run(rel("deploy/docker/borg-server/fleet-authorized-keys"), ["borg"], { env: { ...process.env, FLEET_REGISTRY: dir } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      `command="borg serve --restrict-to-path /srv/borg/client-1",restrict ${blob(k1)} client:client-1`,
      `command="borg serve --restrict-to-path /srv/borg",restrict ${blob(k3)} team:borg-fleet-dashboard`,
    ]);
    for (const name of ["evil.pub", "evil2.pub", "options.pub", "-rf.pub", "broken.pub"]) expect(r.stderr).toContain(name);
    const other = await run(rel("deploy/docker/borg-server/fleet-authorized-keys"), ["root"], { env: { ...process.env, FLEET_REGISTRY: dir } });
    expect(other.stdout).toBe("");
  });

  const scripts = [
    "deploy/textfile-collector/borg-textfile-collector.sh",
    "deploy/client/borg-backup.sh",
    "deploy/client/borg",
    "deploy/server/borg-key-escrow.sh",
    "deploy/docker/client-entrypoint.sh",
    "deploy/docker/dashboard-entrypoint.sh",
    "deploy/docker/alertmanager-entrypoint.sh",
    "deploy/docker/prometheus-entrypoint.sh",
    "deploy/docker/nginx-tls.sh",
    "deploy/docker/init-secrets.sh",
    "deploy/docker/borg-server/entrypoint.sh",
    "deploy/docker/borg-server/fleet-authorized-keys",
    "prometheus/run-local-stack.sh",
  ];
  it.skipIf(SKIP_OUTSIDE_CI && !which("shellcheck"))("shell scripts are shellcheck-clean", async () => {
    const r = await run("shellcheck", scripts);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
  it("shell scripts are executable and parse", async () => {
    for (const script of scripts) {
      expect(fs.statSync(rel(script)).mode & 0o111, script).not.toBe(0);
      const shell = read(script).startsWith("#!/bin/sh") ? "sh" : "bash";
      const r = await run(shell, ["-n", rel(script)]);
      expect(r.code, `${script}: ${r.stderr}`).toBe(0);
    }
  });
});

describe("textfile collector (client hosts)", () => {
  const collector = rel("deploy/textfile-collector/borg-textfile-collector.sh");
  const backup = rel("deploy/client/borg-backup.sh");
  let dir = "";
  let env: Record<string, string | undefined> = {};
  beforeAll(async () => {
    dir = tmpDir("textfile");
    fs.mkdirSync(path.join(dir, "textfile"));
    fs.mkdirSync(path.join(dir, "data"));
    fs.writeFileSync(path.join(dir, "data/file.txt"), "some data\n".repeat(1000));
    fs.writeFileSync(path.join(dir, "passphrase"), "correct horse\n", { mode: 0o600 });
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      BORG_BASE_DIR: path.join(dir, "borg-base"),
      BORG_REPO: path.join(dir, "srv/borg/web1.example.com"),
      BORG_PASSCOMMAND: `cat ${path.join(dir, "passphrase")}`,
      BORG_SITE: "offsite",
      TEXTFILE_DIR: path.join(dir, "textfile"),
    };
    fs.mkdirSync(path.join(dir, "srv/borg"), { recursive: true });
    const init = await run("borg", ["init", "--encryption=repokey-blake2", env.BORG_REPO!], { env });
    expect(init.code, init.stderr).toBe(0);
  });
  const output = () => fs.readFileSync(path.join(dir, "textfile/borg-offsite.prom"), "utf8");
  const value = (text: string, metric: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${metric}{`));
    return line === undefined ? undefined : Number(line.split(" ").pop());
  };

  it("an empty repository: 0 archives, no last-archive timestamp, up", async () => {
    const r = await run(collector, [], { env });
    expect(r.code, r.stderr).toBe(0);
    const text = output();
    expect(text).toContain('borg_repo_archives{host="web1.example.com",site="offsite"} 0');
    expect(text).toContain('borg_repo_up{host="web1.example.com",site="offsite"} 1');
    expect(text).not.toContain("borg_last_archive_timestamp_seconds");
    const check = await run("sh", ["-c", `promtool check metrics < "$1"`, "sh", path.join(dir, "textfile/borg-offsite.prom")]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("after a backup dated two days back: the archive's end time in UTC, whatever TZ the host has", async () => {
    const stamp = new Date(Date.now() - 2 * 86400_000).toISOString().slice(0, 19);
    const b = await run(backup, [], { env: { ...env, TZ: "America/New_York", BACKUP_PATHS: path.join(dir, "data"), BORG_BACKUP_TIMESTAMP: stamp } });
    expect(b.code, b.stderr).toBe(0);
    const before = fs.statSync(path.join(dir, "textfile/borg-offsite.prom")).ino;
    const r = await run(collector, [], { env: { ...env, TZ: "Asia/Tokyo" } });
    expect(r.code, r.stderr).toBe(0);
    const text = output();
    const ts = value(text, "borg_last_archive_timestamp_seconds");
    expect(ts).toBeDefined();
    expect(Math.abs(ts! - Date.parse(`${stamp}Z`) / 1000)).toBeLessThan(60);
    expect(value(text, "borg_repo_archives")).toBe(1);
    expect(value(text, "borg_repo_deduplicated_size_bytes")).toBeGreaterThan(0);
    expect(value(text, "borg_repo_original_size_bytes")).toBeGreaterThanOrEqual(10_000);
    expect(Math.abs(value(text, "borg_collect_last_success_timestamp_seconds")! - Date.now() / 1000)).toBeLessThan(120);
    // Replaced by a rename (a new inode), not rewritten in place; no temporary file left behind.
    expect(fs.statSync(path.join(dir, "textfile/borg-offsite.prom")).ino).not.toBe(before);
    expect(fs.readdirSync(path.join(dir, "textfile"))).toEqual(["borg-offsite.prom"]);
    const check = await run("sh", ["-c", `promtool check metrics < "$1"`, "sh", path.join(dir, "textfile/borg-offsite.prom")]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("a repository borg cannot open: only borg_repo_up 0, exit code 1", async () => {
    fs.writeFileSync(path.join(dir, "wrong"), "wrong passphrase\n");
    const r = await run(collector, [], { env: { ...env, BORG_PASSCOMMAND: `cat ${path.join(dir, "wrong")}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("wrote borg_repo_up 0");
    const samples = output()
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(samples).toEqual(['borg_repo_up{host="web1.example.com",site="offsite"} 0']);
    expect(fs.readdirSync(path.join(dir, "textfile"))).toEqual(["borg-offsite.prom"]);
  });

  it("refuses label values that are not host or site names, leaving the file alone", async () => {
    const before = output();
    const r = await run(collector, [], { env: { ...env, BORG_HOST: 'web1"} 1\nevil{x="' } });
    expect(r.code).toBe(2);
    expect(output()).toBe(before);
  });

  it("systemd: oneshot, after the backup, WantedBy=borg-backup.service (the seed's weak dependency)", () => {
    const unit = read("deploy/textfile-collector/prometheus-borg-textcollector.service");
    const directives = unit.split("\n").filter((l) => /^\w+=/.test(l));
    expect(directives).toContain("Type=oneshot");
    expect(directives).toContain("After=borg-backup.service");
    expect(directives).toContain("WantedBy=borg-backup.service");
    expect(directives).toContain("Environment=TZ=UTC");
    expect(directives).toContain("ExecStart=/usr/local/bin/borg-textfile-collector.sh");
    expect(read("deploy/client/borg-backup.timer")).toMatch(/^OnCalendar=daily$/m);
  });
});

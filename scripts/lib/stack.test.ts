/**
 * The demo's monitoring stack configuration (scripts/lib/stack.mjs): the generated prometheus.yml and
 * alertmanager.yml are the shipped ones with only addresses (and, for tests, intervals) changed, pass
 * promtool / amtool, load the shipped rule files themselves, and the alert token is created once,
 * privately, and kept.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import YAML from "yaml";

type StackModule = {
  writeStackConfig(o: {
    root: string;
    etcDir: string;
    dashboardPort: number;
    ports: { prometheus: number; alertmanager: number; nodeExporter: number };
    quick?: boolean;
    tokenFile: string;
  }): {
    prometheusConfig: string;
    alertmanagerConfig: string;
    targets: string;
  };
  ensureAlertsToken(root: string, env?: Record<string, string | undefined>): string;
  DEFAULT_STACK_PORTS: { prometheus: number; alertmanager: number; nodeExporter: number };
};
const load = () => import(/* @vite-ignore */ path.join(__dirname, "stack.mjs")) as Promise<StackModule>;
const ROOT = path.resolve(__dirname, "..", "..");

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "borg-fleet-stack-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("writeStackConfig", () => {
  it.each([false, true])("quick=%s: valid configs with the shipped rules and the chosen ports", async (quick) => {
    const { writeStackConfig } = await load();
    const tokenFile = path.join(tmp, "alerts_token");
    fs.writeFileSync(tokenFile, "x".repeat(32) + "\n", { mode: 0o600 });
    const ports = { prometheus: 19090, alertmanager: 19093, nodeExporter: 19100 };
    const out = writeStackConfig({ root: ROOT, etcDir: path.join(tmp, "etc"), dashboardPort: 3101, ports, quick, tokenFile });

    const check = execFileSync("promtool", ["check", "config", out.prometheusConfig], { encoding: "utf8" });
    expect(check).toContain("SUCCESS: 2 rule files found");
    execFileSync("amtool", ["check-config", out.alertmanagerConfig], { encoding: "utf8" });

    const prom = YAML.parse(fs.readFileSync(out.prometheusConfig, "utf8")) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[]; static_configs?: { targets: string[] }[] }[];
    };
    // The shipped rule files themselves, not a copy.
    expect(prom.rule_files).toEqual([path.join(ROOT, "prometheus", "rules", "*.yml")]);
    expect(prom.global.scrape_interval).toBe(quick ? "5s" : "30s");
    expect(prom.global.evaluation_interval).toBe(quick ? "5s" : "60s");
    const targets = (job: string) => {
      const files = prom.scrape_configs.find((j) => j.job_name === job)!.file_sd_configs![0]!.files[0]!;
      const file = fs.readdirSync(path.dirname(files)).find((f) => f.startsWith(job))!;
      return (YAML.parse(fs.readFileSync(path.join(path.dirname(files), file), "utf8")) as { targets: string[] }[])[0]!.targets;
    };
    expect(targets("borg-fleet")).toEqual(["127.0.0.1:3101"]);
    expect(targets("node")).toEqual(["127.0.0.1:19100"]);
    expect(targets("alertmanager")).toEqual(["127.0.0.1:19093"]);
    expect(prom.scrape_configs.find((j) => j.job_name === "prometheus")?.static_configs?.[0]?.targets).toEqual(["127.0.0.1:19090"]);

    const am = YAML.parse(fs.readFileSync(out.alertmanagerConfig, "utf8")) as {
      route: { group_wait: string };
      receivers: { name: string; webhook_configs?: { url: string; send_resolved: boolean; http_config: { authorization: { credentials_file: string } } }[] }[];
    };
    const webhook = am.receivers.find((r) => r.name === "borg-fleet-dashboard")!.webhook_configs![0]!;
    expect(webhook.url).toBe("http://127.0.0.1:3101/api/alerts");
    expect(webhook.send_resolved).toBe(true);
    expect(webhook.http_config.authorization.credentials_file).toBe(tokenFile);
    expect(am.route.group_wait).toBe(quick ? "1s" : "30s");

    // Apart from those lines, the generated files are the shipped ones.
    const differing = (generated: string, shipped: string) => {
      const a = fs.readFileSync(generated, "utf8").split("\n").slice(1);
      const b = fs.readFileSync(path.join(ROOT, "prometheus", shipped), "utf8").split("\n");
      expect(a.length).toBe(b.length);
      return a.filter((line, i) => line !== b[i]).length;
    };
    expect(differing(out.prometheusConfig, "prometheus.yml")).toBeLessThanOrEqual(quick ? 10 : 7);
    expect(differing(out.alertmanagerConfig, "alertmanager.yml")).toBe(quick ? 5 : 4);
  });
});

describe("ensureAlertsToken", () => {
  it("creates a private random token once and keeps it; $ALERTS_TOKEN wins", async () => {
    const { ensureAlertsToken } = await load();
    const file = ensureAlertsToken(tmp, {});
    expect(file).toBe(path.join(tmp, "prometheus", "secrets", "alerts_token"));
    const first = fs.readFileSync(file, "utf8").trim();
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    ensureAlertsToken(tmp, {});
    expect(fs.readFileSync(file, "utf8").trim()).toBe(first);
    ensureAlertsToken(tmp, { ALERTS_TOKEN: "from-the-environment-0123456789" });
    expect(fs.readFileSync(file, "utf8").trim()).toBe("from-the-environment-0123456789");
  });
});

/**
 * Every Grafana panel query returns data: real Prometheus (e2e/stack.ts) scrapes the running demo;
 * each target's PromQL from grafana/dashboards/borg-fleet.json runs through the HTTP API as Grafana
 * would run it (instant targets with /api/v1/query, range targets with /api/v1/query_range), with the
 * dashboard variables substituted as Grafana does for their default ("All" sites: `.*`). A query fails
 * the test on an error or an empty result.
 *
 * No panel is exempt: the "Firing alerts" panels need a firing alert, so the test first waits for the
 * stale demo host's BorgMissingBackup (its real `for: 2m`); "Backups running" has series with value 0
 * (the demo's collector exports borg_backup_in_progress for every repo it read).
 */
import fs from "node:fs";
import path from "node:path";
import { hostWith } from "./demoFleet";
import { expect, getJson, missingBackupFiring, ROOT, test, waitFor, type Stack } from "./stack";

interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
  range?: boolean;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: unknown;
}
interface Variable {
  name: string;
  type: string;
  query?: { query?: string } | string;
  definition?: string;
  regex?: string;
  allValue?: string;
  includeAll?: boolean;
}

const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, "grafana", "dashboards", "borg-fleet.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: Variable[] };
};

const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => (p.targets ?? []).length > 0);
const variables = dashboard.templating.list;

/** Grafana's substitution for a variable's default: "All" is the allValue (`.*`) for multi-value site. */
function substitute(expr: string): string {
  let out = expr;
  for (const v of variables) {
    const value = v.includeAll && v.allValue ? v.allValue : null;
    if (value === null) continue;
    out = out.replaceAll(`\${${v.name}}`, value).replaceAll(`$${v.name}`, value);
  }
  return out;
}

interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

async function runTarget(stack: Stack, target: Target): Promise<QueryResult> {
  const expr = substitute(target.expr);
  const params = new URLSearchParams({ query: expr });
  const now = Date.now() / 1000;
  let url: string;
  if (target.instant && !target.range) {
    url = `${stack.prometheus}/api/v1/query`;
    params.set("time", String(now));
  } else {
    // The dashboard's default range is hours; the stack has minutes of data: the last 10 minutes, 15 s steps.
    url = `${stack.prometheus}/api/v1/query_range`;
    params.set("start", String(now - 600));
    params.set("end", String(now));
    params.set("step", "15");
  }
  const response = await fetch(url, { method: "POST", body: params, signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as QueryResult;
}

test("every Grafana panel query returns data from Prometheus scraping the demo", async ({ stack }) => {
  test.setTimeout(360_000);
  expect(panels.length).toBeGreaterThanOrEqual(10);

  // Conditions for every panel: the demo scraped for a while (predict_linear needs two samples) and
  // the stale host's alert firing (the two alert panels).
  await missingBackupFiring(stack, hostWith("stale"));

  const failures: string[] = [];
  let checked = 0;
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      expect(target.datasource?.uid, `${panel.title} ${target.refId}`).toBe("prometheus");
      const expr = substitute(target.expr);
      expect(expr, `${panel.title}: unsubstituted variable`).not.toMatch(/\$/);
      const result = await waitFor(
        `${panel.title} ${target.refId}`,
        async () => {
          const r = await runTarget(stack, target);
          // A failing query fails at once; an empty one gets a few more scrapes to fill.
          if (r.status !== "success") return r;
          return (r.data?.result.length ?? 0) > 0 ? r : undefined;
        },
        30_000,
      ).catch((err: Error) => ({ status: "empty", error: err.message }) as QueryResult);
      checked++;
      if (result.status !== "success") {
        failures.push(`${panel.title} [${target.refId}] ${expr}: ${result.status} ${result.error ?? ""}`);
        continue;
      }
      const series = result.data!.result;
      const points = series.reduce((n, s) => n + (s.values ? s.values.length : s.value ? 1 : 0), 0);
      if (points === 0) failures.push(`${panel.title} [${target.refId}] ${expr}: no samples`);
    }
  }
  expect(failures, failures.join("\n")).toEqual([]);
  expect(checked).toBe(panels.reduce((n, p) => n + (p.targets?.length ?? 0), 0));
});

test("the firing-alerts panel shows the stale host, and the per-host tables cover every demo repo", async ({ stack }) => {
  test.setTimeout(360_000);
  const stale = hostWith("stale");
  await missingBackupFiring(stack, stale);
  const table = panels.find((p) => p.title === "Firing alerts" && p.type === "table")!;
  const firing = await runTarget(stack, table.targets![0]!);
  expect(firing.data?.result.map((r) => `${r.metric.alertname}/${r.metric.host}`)).toContain(`BorgMissingBackup/${stale}`);

  const ages = panels.find((p) => p.title === "Last archive age per host")!;
  const repoUp = await runTarget(
    stack,
    ages.targets!.find((t) => t.expr.includes("borg_repo_up"))!,
  );
  const health = await getJson<{ repos: number }>(`${stack.dashboard}/api/health`);
  expect(repoUp.data?.result.length).toBe(health.repos);

  // Every repo has its row in the per-repo check and drill tables, also before its first verdict
  // (Grafana merges the queries by labels; the interval query has every repo with checks or drills on,
  // and the "Result" / "Newest drill" cell of a repo without a verdict maps null to "never checked" / "none yet").
  for (const [title, missing] of [
    ["Integrity checks per repo", "never checked"],
    ["Restore drills per repo", "none yet"],
  ] as const) {
    const panel = panels.find((p) => p.title === title)!;
    const intervals = await runTarget(
      stack,
      panel.targets!.find((t) => t.expr.includes("_interval_seconds"))!,
    );
    expect(new Set(intervals.data?.result.map((r) => `${r.metric.host}/${r.metric.site}`)).size, title).toBe(health.repos);
    expect(JSON.stringify(panel.fieldConfig), title).toContain(`"match":"null","result":{"text":"${missing}"`);
  }
});

test("the dashboard variables resolve: sites, and the borg-fleet base URL for host links", async ({ stack }) => {
  const site = variables.find((v) => v.name === "site")!;
  expect(site.definition).toBe("label_values(borg_repo_up, site)");
  const sites = await getJson<{ data: string[] }>(`${stack.prometheus}/api/v1/label/site/values?match[]=borg_repo_up`);
  expect(sites.data.sort()).toEqual(["offsite", "onsite"]);

  const base = variables.find((v) => v.name === "dashboard_base_url")!;
  expect(base.definition).toBe("label_values(borg_repo_info, dashboard_url)");
  const urls = await getJson<{ data: string[] }>(`${stack.prometheus}/api/v1/label/dashboard_url/values?match[]=borg_repo_info`);
  const regex = new RegExp(base.regex!.slice(1, base.regex!.lastIndexOf("/")));
  const bases = new Set(urls.data.map((u) => regex.exec(u)?.[1]));
  expect([...bases]).toEqual([`http://localhost:${new URL(stack.dashboard).port}`]);
});

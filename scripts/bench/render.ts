/**
 * Render time of `/` and `/metrics` for a synthetic fleet of 1,000 hosts (the production build,
 * scripts/server.mjs), median of repeated sequential requests. Targets: `/` ≤ 150 ms, `/metrics` ≤ 30 ms (issue 13).
 */
import path from "node:path";
import { median, ms, percentile, prepareBenchDatabase, startServer, timeRequests } from "./util";

export interface RenderResult {
  hosts: number;
  overviewMedianMs: number;
  overviewP95Ms: number;
  overviewBytes: number;
  metricsMedianMs: number;
  metricsP95Ms: number;
  metricsSeries: number;
  hostPageMedianMs: number;
}

export async function benchRender(root: string, hosts = 1000, requests = 40): Promise<RenderResult> {
  // Pages need a session: without one they answer with the sign-in page, which is not what is measured here.
  const dataDir = path.join(root, ".bench", "render-data");
  const { cookie } = await prepareBenchDatabase(dataDir);
  const signedIn = { headers: { cookie } };
  const server = await startServer(root, 3199, {
    BORG_FLEET_SYNTHETIC: String(hosts),
    BORG_FLEET_SYNTHETIC_DATA_DIR: dataDir,
    BORG_FLEET_CONFIG: "/nonexistent",
  });
  try {
    const overview = await timeRequests(`${server.url}/`, requests, 5, signedIn);
    const metrics = await timeRequests(`${server.url}/metrics`, requests);
    const html = await (await fetch(`${server.url}/`, signedIn)).text();
    if (!html.includes("Sign out")) throw new Error("the overview answered without the bench session (sign-in page?)");
    const exposition = await (await fetch(`${server.url}/metrics`)).text();
    const firstHost = /href="\/hosts\/([^"]+)"/.exec(html)?.[1];
    const hostPage = firstHost ? await timeRequests(`${server.url}/hosts/${firstHost}`, 20, 5, signedIn) : [NaN];
    const result: RenderResult = {
      hosts,
      overviewMedianMs: median(overview),
      overviewP95Ms: percentile(overview, 95),
      overviewBytes: html.length,
      metricsMedianMs: median(metrics),
      metricsP95Ms: percentile(metrics, 95),
      metricsSeries: exposition.split("\n").filter((l) => l.startsWith("borg_")).length,
      hostPageMedianMs: median(hostPage),
    };
    console.log(`render (${hosts} synthetic hosts, ${requests} sequential requests after 5 warm-up):`);
    console.log(
      `  /         median ${ms(result.overviewMedianMs)}, p95 ${ms(result.overviewP95Ms)}, ${(result.overviewBytes / 1024).toFixed(0)} KiB HTML (target ≤ 150 ms)`,
    );
    console.log(
      `  /metrics  median ${ms(result.metricsMedianMs)}, p95 ${ms(result.metricsP95Ms)}, ${result.metricsSeries} borg_* series (target ≤ 30 ms; cached between state changes)`,
    );
    console.log(`  /hosts/x  median ${ms(result.hostPageMedianMs)}`);
    return result;
  } finally {
    await server.stop();
  }
}

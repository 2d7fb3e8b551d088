/**
 * The automation API at fleet scale: `GET /api/v1/hosts` for a synthetic fleet of 1,000 hosts on the
 * production server (scripts/server.mjs), with an admin API token; sequential requests after warm-up,
 * wall time as the client sees it (body read). Target: p95 ≤ 50 ms.
 */
import path from "node:path";
import { median, ms, percentile, prepareBenchDatabase, startServer, timeRequests } from "./util";

export interface ApiBenchResult {
  hosts: number;
  pages: { query: string; items: number; bytes: number; medianMs: number; p95Ms: number }[];
}

export async function benchApi(root: string, hosts = 1000, requests = 60): Promise<ApiBenchResult> {
  const dataDir = path.join(root, ".bench", "api-data");
  const { token } = await prepareBenchDatabase(dataDir);
  const server = await startServer(root, 3198, {
    BORG_FLEET_SYNTHETIC: String(hosts),
    BORG_FLEET_SYNTHETIC_DATA_DIR: dataDir,
    BORG_FLEET_CONFIG: "/nonexistent",
  });
  const init = { headers: { authorization: `Bearer ${token}` } };
  try {
    const result: ApiBenchResult = { hosts, pages: [] };
    console.log(`api (${hosts} synthetic hosts, ${requests} sequential requests after 5 warm-up, admin token):`);
    for (const query of ["", "?limit=500", "?status=stale&limit=500"]) {
      const url = `${server.url}/api/v1/hosts${query}`;
      const body = await (await fetch(url, init)).text();
      const items = (JSON.parse(body) as { items: unknown[] }).items.length;
      const times = await timeRequests(url, requests, 5, init);
      const page = { query: query || "(default page: 100)", items, bytes: body.length, medianMs: median(times), p95Ms: percentile(times, 95) };
      result.pages.push(page);
      console.log(
        `  /api/v1/hosts ${page.query.padEnd(24)} ${String(items).padStart(4)} hosts, ${(page.bytes / 1024).toFixed(0)} KiB: median ${ms(page.medianMs)}, p95 ${ms(page.p95Ms)} (target p95 ≤ 50 ms)`,
      );
    }
    return result;
  } finally {
    await server.stop();
  }
}

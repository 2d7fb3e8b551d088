/**
 * `npm run bench [-- <name> ...]`: prints figures; never a pass/fail test. Without a name, every
 * benchmark below runs. Results are also written to .bench/results.json for docs/benchmarks.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchApi } from "./api";
import { benchArchiveIndex } from "./archiveIndex";
import { benchArchiveIndexStages } from "./archiveIndexStages";
import { benchCollector } from "./collector";
import { benchDownload } from "./download";
import { benchHistory } from "./history";
import { benchRender } from "./render";
import { benchReport } from "./report";
import { benchRestore } from "./restore";
import { benchVerify } from "./verify";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One benchmark: its name on the command line, the key in results.json, whether it serves the production build. */
interface Bench {
  name: string;
  key: string;
  needsBuild?: boolean;
  run: () => Promise<unknown>;
}

const BENCHES: Bench[] = [
  { name: "render", key: "render", needsBuild: true, run: () => benchRender(root) },
  { name: "collector", key: "collector", run: () => benchCollector(root, Number(process.env.BENCH_REPOS || 120)) },
  { name: "restore", key: "restore", run: () => benchRestore(root) },
  { name: "download", key: "download", needsBuild: true, run: () => benchDownload(root) },
  { name: "archive-index", key: "archiveIndex", run: () => benchArchiveIndex(root) },
  { name: "archive-index-stages", key: "archiveIndexStages", run: () => benchArchiveIndexStages(root) },
  { name: "history", key: "history", run: () => benchHistory(Number(process.env.BENCH_HISTORY_REPOS || 1000), Number(process.env.BENCH_HISTORY_DAYS || 365)) },
  { name: "verify", key: "verify", run: () => benchVerify(root) },
  { name: "report", key: "report", run: () => benchReport() },
  { name: "api", key: "api", needsBuild: true, run: () => benchApi(root) },
];

async function ensureBuilt(): Promise<void> {
  const { buildIsFresh, nextBuild } = await import("../lib/build.mjs");
  if (buildIsFresh(root)) return;
  if (!(await nextBuild(root, { scope: "bench" }))) throw new Error("next build failed");
}

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2).filter((a) => !a.startsWith("-")));
  const unknown = [...wanted].filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")} (benchmarks: ${BENCHES.map((b) => b.name).join(", ")})`);
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    loadavg: os.loadavg(),
  };
  console.log(
    `borg-fleet benchmarks on ${results.machine}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  for (const bench of BENCHES) {
    if (wanted.size > 0 && !wanted.has(bench.name)) continue;
    if (bench.needsBuild) await ensureBuilt();
    results[bench.key] = await bench.run();
    console.log();
  }
  fs.mkdirSync(path.join(root, ".bench"), { recursive: true });
  fs.writeFileSync(path.join(root, ".bench", "results.json"), JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

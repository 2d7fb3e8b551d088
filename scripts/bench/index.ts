/**
 * `npm run bench [-- render|collector|restore|download|archive-index|report ...]`: prints figures; never a pass/fail test.
 * Results are also written to .bench/results.json for docs/benchmarks.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchArchiveIndex } from "./archiveIndex";
import { benchCollector } from "./collector";
import { benchDownload } from "./download";
import { benchRender } from "./render";
import { benchReport } from "./report";
import { benchRestore } from "./restore";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function ensureBuilt(): Promise<void> {
  const { buildIsFresh, nextBuild } = await import("../lib/build.mjs");
  if (buildIsFresh(root)) return;
  if (!(await nextBuild(root, { scope: "bench" }))) throw new Error("next build failed");
}

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2).filter((a) => !a.startsWith("-")));
  const all = wanted.size === 0;
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  };
  console.log(`borg-fleet benchmarks on ${results.machine}\n`);
  if (all || wanted.has("render")) {
    await ensureBuilt();
    results.render = await benchRender(root);
    console.log();
  }
  if (all || wanted.has("collector")) {
    results.collector = await benchCollector(root, Number(process.env.BENCH_REPOS || 120));
    console.log();
  }
  if (all || wanted.has("restore")) {
    results.restore = await benchRestore(root);
    console.log();
  }
  if (all || wanted.has("download")) {
    await ensureBuilt();
    results.download = await benchDownload(root);
    console.log();
  }
  if (all || wanted.has("report")) {
    results.report = await benchReport();
    console.log();
  }
  if (all || wanted.has("archive-index")) {
    results.archiveIndex = await benchArchiveIndex(root);
    console.log();
  }
  fs.mkdirSync(path.join(root, ".bench"), { recursive: true });
  fs.writeFileSync(path.join(root, ".bench", "results.json"), JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Child process of the archive-index benchmark: builds one index exactly as the server does
 * (ArchiveIndexes → source.ts: item dump or borg list → SQLite) and reports timings, peak RSS and event-loop delay as JSON
 * on its last stdout line. A separate process, so its RSS is the indexing cost alone.
 */
import fs from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { ArchiveIndexes } from "@/lib/archives/index/manager";
import { listArchives } from "@/lib/borg";
import { openMemoryDatabase } from "@/lib/db";
import { ensureBenchArchive } from "./archiveFixture";

function vmHwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function main(): Promise<void> {
  const [root, entriesArg, indexDir] = process.argv.slice(2) as [string, string, string];
  const bench = await ensureBenchArchive(root, Number(entriesArg));
  const archive = (await listArchives(bench.target, bench.opts)).archives.find((a) => a.name === bench.archive)!;
  fs.rmSync(indexDir, { recursive: true, force: true });
  const indexes = new ArchiveIndexes({ dir: indexDir, db: openMemoryDatabase(), diskBudget: 100 * 2 ** 30, borg: bench.opts });
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const idleRss = process.memoryUsage().rss;
  let peakRss = idleRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  // Garbage-collection pauses, to tell them apart from SQLite work in the event-loop figures.
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const ref = {
    repoId: "bench/bench",
    host: "bench",
    site: "bench",
    target: bench.target,
    archive: { name: archive.name, id: archive.id, start: archive.start },
  };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  indexes.open(ref);
  let firstDirMs: number | null = null;
  // Poll like the browser does: the first moment the root folder shows entries.
  const poller = setInterval(() => {
    if (firstDirMs !== null) return;
    const reader = indexes.reader(archive.id);
    const root = reader?.directory(Buffer.alloc(0));
    if (reader && root && reader.list(root, { sort: "name", order: "asc", offset: 0, limit: 100 }).rows.length > 0) firstDirMs = performance.now() - t0;
  }, 10);
  const status = await indexes.whenSettled(archive.id);
  const completeMs = performance.now() - t0;
  const cpuAtComplete = process.cpuUsage(cpu0);
  await indexes.whenSearchReady(archive.id);
  const searchReadyMs = performance.now() - t0;
  clearInterval(poller);
  clearInterval(sampler);
  loop.disable();
  gcObserver.disconnect();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (status?.state !== "complete") throw new Error(`index failed: ${status?.error}`);
  const file = path.join(indexDir, `${archive.id}.sqlite`);
  console.log(
    JSON.stringify({
      archiveId: archive.id,
      file,
      entries: status.entries,
      completeMs,
      // CPU time of this process (all threads) until complete: next to completeMs, how busy our side was.
      completeCpuMs: (cpuAtComplete.user + cpuAtComplete.system) / 1000,
      searchReadyMs,
      firstDirMs,
      idleRss,
      peakRss,
      vmHwm: vmHwmBytes(),
      loopDelayMaxMs: loop.max / 1e6,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      indexBytes: fs.statSync(file).size,
      gc,
    }),
  );
  await indexes.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

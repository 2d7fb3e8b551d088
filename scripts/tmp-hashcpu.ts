import path from "node:path";
import fs from "node:fs";
import { listArchives, extractArchive } from "@/lib/borg";
import { selectionPatterns } from "@/lib/borg/archivePaths";
import { chooseSample } from "@/lib/verify/drill";
import { loadChunkIdReference, checkAgainstChunkIds } from "@/lib/verify/chunkIdCheck";
const dir = path.resolve(".bench/verify/1024mb");
const target = { location: path.join(dir, "repo"), secrets: { passphraseFile: path.join(dir, "passphrase") } };
const opts = { baseDir: path.join(dir, "borg-base"), timeoutMs: 3_600_000 };
const l = await listArchives(target, opts);
const { files } = await chooseSample(target, "bench-drill", { ...opts, maxBytes: 2 ** 31, maxFiles: 500 });
const tree = "/tmp/hashcpu-tree";
fs.rmSync(tree, { recursive: true, force: true }); fs.mkdirSync(tree);
fs.writeFileSync("/tmp/hashcpu.patterns", selectionPatterns(files.map((f) => f.pathBytes), "exact"));
await extractArchive(target, "bench-drill", { cwd: tree, patternsFile: "/tmp/hashcpu.patterns", progress: false }, opts);
const ref = await loadChunkIdReference(target, "bench-drill", files, { ...opts, workDir: "/tmp/hashcpu-dump", encryption: l.encryption, repositoryId: l.repositoryId });
if (!("chunkLists" in ref)) throw new Error(ref.reason);
for (let i = 0; i < 3; i++) {
  const c = process.cpuUsage(); const s = performance.now();
  const v = await checkAgainstChunkIds(files, ref, { tree, extractFinished: () => true });
  const d = process.cpuUsage(c);
  console.log("check", ((performance.now() - s) / 1000).toFixed(2), "s wall, cpu", ((d.user + d.system) / 1e6).toFixed(2), v.every((x) => x === "same"));
}
fs.rmSync(tree, { recursive: true, force: true });

import fs from "node:fs";
import path from "node:path";
import { listArchives } from "@/lib/borg";
import { runDrill } from "@/lib/verify/drill";
const dir = path.resolve(".bench/verify/1024mb");
const target = { location: path.join(dir, "repo"), secrets: { passphraseFile: path.join(dir, "passphrase") } };
const opts = { baseDir: path.join(dir, "borg-base"), timeoutMs: 3_600_000 };
function cpu() { const f = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" "); return { self: (Number(f[11]) + Number(f[12])) / 100, children: (Number(f[13]) + Number(f[14])) / 100 }; }
const l = await listArchives(target, opts);
for (const method of [undefined, "stream", undefined, "stream"] as const) {
  const a = cpu(); const s = performance.now();
  const r = await runDrill(target, "bench-drill", { ...opts, scratchDir: `/tmp/cpu-drill-${Date.now()}`, maxBytes: 2 ** 31, maxFiles: 500, repository: { encryption: l.encryption, id: l.repositoryId }, method });
  const b = cpu();
  console.log(r.method, "wall", ((performance.now() - s) / 1000).toFixed(2), "node", (b.self - a.self).toFixed(2), "borg", (b.children - a.children).toFixed(2), r.mismatchedCount);
}

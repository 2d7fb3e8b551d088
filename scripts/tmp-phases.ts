import path from "node:path";
import { listArchives, listContents } from "@/lib/borg";
import { loadChunkIdHash } from "@/lib/borg/keyMaterial";
import { dumpArchiveItems } from "@/lib/borg/itemDump";
const dir = path.resolve(".bench/verify/1024mb");
const target = { location: path.join(dir, "repo"), secrets: { passphraseFile: path.join(dir, "passphrase") } };
const opts = { baseDir: path.join(dir, "borg-base") };
const t = async (name: string, fn: () => Promise<unknown>) => { const s = performance.now(); const cpu = process.cpuUsage(); await fn(); console.log(name, Math.round(performance.now() - s), "ms"); };
for (let i = 0; i < 2; i++) {
  let l: Awaited<ReturnType<typeof listArchives>>;
  await t("listArchives", async () => { l = await listArchives(target, opts); });
  await t("listContents", async () => { for await (const _ of listContents(target, "bench-drill", opts)); });
  await t("keyMaterial", async () => { const h = await loadChunkIdHash(target, l.encryption, l.repositoryId, opts); await h.createHasher(); });
  await t("dump", async () => { for await (const _ of dumpArchiveItems(target, "bench-drill", { ...opts, workDir: "/tmp/dumpw", withChunks: () => true })); });
}

/**
 * A stand-in dashboard process for the "killed mid-restore" test (restore.test.ts): opens the database
 * in dataDir, starts one restore job and waits. The test SIGKILLs it while borg extracts.
 */
import { configSchema } from "@/lib/config/schema";
import { openDatabase } from "@/lib/db";
import { decodePathParam } from "@/lib/archives/pathParam";
import { RestoreRunner, type RestoreSubmission } from "@/lib/restore/runner";
import type { BorgCallOptions, BorgTarget } from "@/lib/borg";

const spec = JSON.parse(process.argv[2]!) as {
  dataDir: string;
  restoreRoot: string;
  target: BorgTarget;
  borg: BorgCallOptions;
  request: [RestoreSubmission, { target: BorgTarget; paths: string[] }];
};
const config = configSchema.parse({
  dataDir: spec.dataDir,
  sites: [{ name: "onsite", root: spec.dataDir, discover: false }],
  restore: { root: spec.restoreRoot },
});
const runner = new RestoreRunner({ db: openDatabase(spec.dataDir), config, borg: spec.borg, progressIntervalMs: 100 });
// Paths travel pathParam-encoded through argv (JSON has no bytes).
const [submission, source] = spec.request;
runner.submit(submission, { target: source.target, paths: source.paths.map((p) => decodePathParam(p)!) });
setInterval(() => {}, 60_000);

/**
 * Seeds the demo fleet: `npx tsx scripts/seed-demo.ts --dir .demo [--reseed] [--jobs 2]`.
 * Run by `npm run demo` (scripts/demo.mjs); the work is in scripts/seed/ (main.ts: orchestration,
 * fleet.ts: the hosts, lib/retention/gfs.ts: borg's pruning rules, tree.ts: the hosts' files, borg.ts: borg calls).
 */
import { main } from "./seed/main";

main(process.argv.slice(2)).catch((err: unknown) => {
  const interrupted = process.exitCode === 130 || process.exitCode === 143;
  process.stderr.write(
    interrupted ? "[seed] interrupted; the next run starts the demo fleet over\n" : `[seed] failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(interrupted ? Number(process.exitCode) : 1);
});

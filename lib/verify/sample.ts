/**
 * Choosing what a restore drill restores: a sample of the newest archive that means something.
 *
 * One pass over the archive listing (streamed: a million items never sit in memory), keeping three
 * bounded candidate sets of regular files:
 *   - database dumps (*.sql, *.dump, *.sql.gz, ... or anything under a backups/ or dumps/ directory):
 *     the files people restore first; the newest ones win,
 *   - the most recently modified files (what changed since the last backups),
 *   - a uniform random spread over the whole archive (reservoir sampling).
 * Then dumps and recent files each fill up to a third of the byte budget and of the file count, and the
 * random spread takes what is left, never more than `maxFiles` files in all. The sample is returned in archive order, the order borg extracts in.
 * Hard links (borg 1.2 stores the data with the first link only) and non-regular items are skipped.
 */
import type { ArchiveItem } from "@/lib/borg";

/** What the selector reads of an archive item (from `borg list`, or from the archive index). */
export type SampleItem = Pick<ArchiveItem, "path" | "pathBytes" | "type" | "mode" | "size" | "mtime" | "hardlinkTarget">;

export interface SampleLimits {
  maxBytes: number;
  maxFiles: number;
}

export interface SampledFile {
  path: string;
  pathBytes: Buffer;
  size: number;
  mtime: number;
  /** Position in the archive listing (borg's extract order). */
  seq: number;
  reason: "dump" | "recent" | "random";
}

const DUMP_NAME = /\.(sql|dump|pgdump|sql\.(gz|bz2|xz|zst)|dump\.(gz|zst)|db\.gz|bak)$/i;
const DUMP_DIR = /(^|\/)(backups?|dumps?)\//i;

export function isDatabaseDump(path: string): boolean {
  return DUMP_NAME.test(path) || DUMP_DIR.test(path);
}

type Candidate = Omit<SampledFile, "reason">;

/**
 * Keeps the `limit` candidates with the newest mtime (a min-heap on mtime). Called once per file of
 * the archive: compares the field directly and is asked first (`accepts`) so a file it would not keep
 * costs no allocation.
 */
class NewestK {
  private readonly heap: Candidate[] = [];
  constructor(private readonly limit: number) {}
  accepts(mtime: number): boolean {
    return this.heap.length < this.limit || mtime > this.heap[0]!.mtime;
  }
  /** Adds `c` (after `accepts` said yes), dropping the oldest when full. */
  offer(c: Candidate): void {
    const h = this.heap;
    if (h.length < this.limit) {
      h.push(c);
      this.up(h.length - 1);
    } else {
      h[0] = c;
      this.down(0);
    }
  }
  seqs(): number[] {
    return this.heap.map((c) => c.seq);
  }
  /** Newest first. */
  items(): Candidate[] {
    return [...this.heap].sort((a, b) => b.mtime - a.mtime);
  }
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.mtime <= h[i]!.mtime) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.mtime < h[m]!.mtime) m = l;
      if (r < h.length && h[r]!.mtime < h[m]!.mtime) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** Streams items in, hands the sample out. `random` is injectable so tests and benches are repeatable. */
export class SampleSelector {
  private seq = 0;
  private readonly dumps: NewestK;
  private readonly recent: NewestK;
  private readonly reservoir: Candidate[] = [];
  private eligible = 0;

  constructor(
    private readonly limits: SampleLimits,
    private readonly random: () => number = Math.random,
  ) {
    const k = Math.max(1, limits.maxFiles);
    this.dumps = new NewestK(k);
    this.recent = new NewestK(k);
  }

  /**
   * One item; `seq` is its position in archive order (default: the order of the calls). Returns whether
   * it is a candidate now (a caller keeping data per candidate, such as chunk lists, keeps it for these).
   */
  add(item: SampleItem, seq = this.seq++): boolean {
    if (item.type !== "-" || item.hardlinkTarget || item.mode.startsWith("h")) return false;
    if (item.size > this.limits.maxBytes) return false; // could never fit
    const toDumps = isDatabaseDump(item.path) && this.dumps.accepts(item.mtime);
    const toRecent = this.recent.accepts(item.mtime);
    // Reservoir sampling (Algorithm R): every eligible file has the same chance to be kept.
    this.eligible++;
    let slot = -1;
    if (this.reservoir.length < this.limits.maxFiles) slot = this.reservoir.length;
    else {
      const j = Math.floor(this.random() * this.eligible);
      if (j < this.limits.maxFiles) slot = j;
    }
    if (!toDumps && !toRecent && slot < 0) return false;
    const c: Candidate = { path: item.path, pathBytes: item.pathBytes, size: item.size, mtime: item.mtime, seq };
    if (toDumps) this.dumps.offer(c);
    if (toRecent) this.recent.offer(c);
    if (slot >= 0) this.reservoir[slot] = c;
    return true;
  }

  /** The positions of every current candidate (the sample is chosen among them). */
  candidates(): Set<number> {
    return new Set([...this.dumps.seqs(), ...this.recent.seqs(), ...this.reservoir.map((c) => c.seq)]);
  }

  sample(): SampledFile[] {
    const { maxBytes, maxFiles } = this.limits;
    const chosen = new Map<number, SampledFile>();
    let bytes = 0;
    const fill = (candidates: Candidate[], reason: SampledFile["reason"], budget: number, files: number) => {
      let used = 0;
      let taken = 0;
      for (const c of candidates) {
        if (chosen.size >= maxFiles || taken >= files) return;
        if (chosen.has(c.seq)) continue;
        if (used + c.size > budget || bytes + c.size > maxBytes) continue;
        chosen.set(c.seq, { ...c, reason });
        used += c.size;
        bytes += c.size;
        taken++;
      }
    };
    const third = Math.ceil(maxFiles / 3);
    fill(this.dumps.items(), "dump", maxBytes / 3, third);
    fill(this.recent.items(), "recent", maxBytes / 3, third);
    fill(this.reservoir, "random", maxBytes, maxFiles);
    return [...chosen.values()].sort((a, b) => a.seq - b.seq);
  }
}

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

/** Keeps the `limit` candidates with the largest key (a min-heap on key). */
class TopK {
  private readonly heap: Candidate[] = [];
  constructor(
    private readonly limit: number,
    private readonly key: (c: Candidate) => number,
  ) {}
  /** Whether `c` was kept (for now). */
  offer(c: Candidate): boolean {
    const h = this.heap;
    if (h.length < this.limit) {
      h.push(c);
      this.up(h.length - 1);
    } else if (this.key(c) > this.key(h[0]!)) {
      h[0] = c;
      this.down(0);
    } else return false;
    return true;
  }
  seqs(): number[] {
    return this.heap.map((c) => c.seq);
  }
  /** Largest key first. */
  items(): Candidate[] {
    return [...this.heap].sort((a, b) => this.key(b) - this.key(a));
  }
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(h[p]!) <= this.key(h[i]!)) break;
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
      if (l < h.length && this.key(h[l]!) < this.key(h[m]!)) m = l;
      if (r < h.length && this.key(h[r]!) < this.key(h[m]!)) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

/** Streams items in, hands the sample out. `random` is injectable so tests and benches are repeatable. */
export class SampleSelector {
  private seq = 0;
  private readonly dumps: TopK;
  private readonly recent: TopK;
  private readonly reservoir: Candidate[] = [];
  private eligible = 0;

  constructor(
    private readonly limits: SampleLimits,
    private readonly random: () => number = Math.random,
  ) {
    const k = Math.max(1, limits.maxFiles);
    this.dumps = new TopK(k, (c) => c.mtime);
    this.recent = new TopK(k, (c) => c.mtime);
  }

  /**
   * One item; `seq` is its position in archive order (default: the order of the calls). Returns whether
   * it is a candidate now (a caller keeping data per candidate, such as chunk lists, keeps it for these).
   */
  add(item: SampleItem, seq = this.seq++): boolean {
    if (item.type !== "-" || item.hardlinkTarget || item.mode.startsWith("h")) return false;
    if (item.size > this.limits.maxBytes) return false; // could never fit
    const c: Candidate = { path: item.path, pathBytes: item.pathBytes, size: item.size, mtime: item.mtime, seq };
    const dump = isDatabaseDump(item.path) && this.dumps.offer(c);
    const recent = this.recent.offer(c);
    // Reservoir sampling (Algorithm R): every eligible file has the same chance to be kept.
    this.eligible++;
    let random = false;
    if (this.reservoir.length < this.limits.maxFiles) random = this.reservoir.push(c) > 0;
    else {
      const j = Math.floor(this.random() * this.eligible);
      if (j < this.limits.maxFiles) {
        this.reservoir[j] = c;
        random = true;
      }
    }
    return dump || recent || random;
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

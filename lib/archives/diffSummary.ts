/**
 * Reads a streamed archive diff into what the diff page shows: counts and byte sums over ALL entries,
 * and at most `cap` entries of the chosen kind. Memory is bounded by the cap, whatever the diff's size.
 */
import type { DiffEntry } from "@/lib/borg";

export const DIFF_KINDS = ["all", "added", "removed", "changed"] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  bytesAdded: number;
  bytesRemoved: number;
  /** Entries of the chosen kind, in borg's order, at most `cap`. */
  rows: DiffEntry[];
  /** How many entries of the chosen kind there were in all (rows.length ≤ matching). */
  matching: number;
}

export async function summarizeDiff(entries: AsyncIterable<DiffEntry>, options: { cap: number; kind: DiffKind }): Promise<DiffSummary> {
  const out: DiffSummary = { added: 0, removed: 0, changed: 0, bytesAdded: 0, bytesRemoved: 0, rows: [], matching: 0 };
  for await (const e of entries) {
    out[e.status]++;
    out.bytesAdded += e.bytesAdded;
    out.bytesRemoved += e.bytesRemoved;
    if (options.kind !== "all" && e.status !== options.kind) continue;
    out.matching++;
    if (out.rows.length < options.cap) out.rows.push(e);
  }
  return out;
}

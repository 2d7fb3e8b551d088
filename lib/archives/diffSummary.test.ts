import { describe, expect, it } from "vitest";
import { parseDiffLine, type DiffEntry } from "@/lib/borg";
import { summarizeDiff } from "./diffSummary";

async function* entries(n: number): AsyncGenerator<DiffEntry> {
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    yield parseDiffLine(
      JSON.stringify({
        path: `f${i}`,
        changes: [kind === 0 ? { type: "added", size: 10 } : kind === 1 ? { type: "removed", size: 4 } : { type: "modified", added: 3, removed: 1 }],
      }),
    );
  }
}

describe("summarizeDiff", () => {
  it("counts every entry but keeps at most cap rows of the chosen kind", async () => {
    const s = await summarizeDiff(entries(3000), { cap: 100, kind: "added" });
    expect([s.added, s.removed, s.changed]).toEqual([1000, 1000, 1000]);
    expect([s.bytesAdded, s.bytesRemoved]).toEqual([1000 * 10 + 1000 * 3, 1000 * 4 + 1000 * 1]);
    expect(s.matching).toBe(1000);
    expect(s.rows).toHaveLength(100);
    expect(s.rows.every((r) => r.status === "added")).toBe(true);
  });

  it("all kinds, under the cap", async () => {
    const s = await summarizeDiff(entries(5), { cap: 100, kind: "all" });
    expect(s.rows.map((r) => [r.path, r.status])).toEqual([
      ["f0", "added"],
      ["f1", "removed"],
      ["f2", "changed"],
      ["f3", "added"],
      ["f4", "removed"],
    ]);
    expect(s.matching).toBe(5);
  });
});

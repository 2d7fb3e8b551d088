import { describe, expect, it } from "vitest";
import { archiveSeries, DAY_MS, dataGrowthRate, formatGrowthRate, leastSquaresPerDay, repoGrowthRate, seriesGrowthRate } from "./growth";
import type { ArchiveSummary, RepoSample } from "./types";

const NOW = Date.UTC(2026, 10, 26, 7, 0, 0);
const KiB = 1024;
const MiB = 1024 * KiB;

/** An archive `daysAgo` days before NOW with `original` bytes (compressed = half), or no stats. */
function archive(daysAgo: number, original: number | null, files = 100): ArchiveSummary {
  const start = NOW - daysAgo * DAY_MS;
  return {
    name: `host-${daysAgo}`,
    id: `id-${daysAgo}`,
    start,
    end: start + 60_000,
    stats:
      original === null ? null : { originalBytes: original, compressedBytes: Math.round(original / 2), deduplicatedBytes: 1000, files, durationSeconds: 60 },
  };
}

function sample(hoursAgo: number, dedup: number | null, disk: number | null = null): RepoSample {
  return { at: NOW - hoursAgo * 3_600_000, deduplicatedBytes: dedup, diskUsageBytes: disk, originalBytes: null, archiveCount: null };
}

describe("archiveSeries", () => {
  it("is empty without archives", () => {
    expect(archiveSeries([])).toEqual([]);
  });

  it("keeps archives with stats only, as points", () => {
    const points = archiveSeries([archive(3, 1000, 7), archive(2, null), archive(1, 2000, 9)]);
    expect(points).toEqual([
      { at: NOW - 3 * DAY_MS, original: 1000, compressed: 500, files: 7 },
      { at: NOW - DAY_MS, original: 2000, compressed: 1000, files: 9 },
    ]);
  });

  it("is empty when no archive has stats", () => {
    expect(archiveSeries([archive(2, null), archive(1, null)])).toEqual([]);
  });

  it("sorts archives given out of order, oldest first", () => {
    const points = archiveSeries([archive(1, 3000), archive(5, 1000), archive(3, 2000)]);
    expect(points.map((p) => p.original)).toEqual([1000, 2000, 3000]);
  });

  it("leaves out archives with a broken start time", () => {
    const broken = { ...archive(1, 5000), start: Number.NaN };
    expect(archiveSeries([archive(2, 1000), broken])).toHaveLength(1);
  });
});

describe("leastSquaresPerDay", () => {
  it("gives the slope per day of a straight line", () => {
    const xs = [0, 1, 2, 3].map((d) => NOW + d * DAY_MS);
    expect(leastSquaresPerDay(xs, [10, 20, 30, 40])).toBeCloseTo(10, 9);
  });

  it("fits the best line through noisy points", () => {
    const xs = [0, 1, 2].map((d) => NOW + d * DAY_MS);
    // y = 0, 3, 3: slope (sum dx*dy / sum dx²) = ((-1)(-2) + 0 + (1)(1)) / 2 = 1.5
    expect(leastSquaresPerDay(xs, [0, 3, 3])).toBeCloseTo(1.5, 9);
  });

  it("is null for fewer than 2 points or a single time", () => {
    expect(leastSquaresPerDay([], [])).toBeNull();
    expect(leastSquaresPerDay([NOW], [1])).toBeNull();
    expect(leastSquaresPerDay([NOW, NOW], [1, 2])).toBeNull();
  });
});

describe("dataGrowthRate", () => {
  it("is null without archives", () => {
    expect(dataGrowthRate([], NOW)).toBeNull();
  });

  it("is null with one archive", () => {
    expect(dataGrowthRate([archive(1, 1000)], NOW)).toBeNull();
  });

  it("is null when fewer than 2 archives have stats", () => {
    expect(dataGrowthRate([archive(3, null), archive(2, 1000), archive(1, null)], NOW)).toBeNull();
  });

  it("measures steady growth in bytes per day over the window", () => {
    const archives = [10, 8, 6, 4, 2, 0].map((d) => archive(d, 10 * MiB - d * 24 * KiB));
    const rate = dataGrowthRate(archives, NOW)!;
    expect(rate.bytesPerDay).toBeCloseTo(24 * KiB, 6);
    expect(rate.basis).toBe("window");
    expect(rate.windowDays).toBe(30);
    expect(rate.points).toBe(6);
    expect(rate.from).toBe(NOW - 10 * DAY_MS);
    expect(rate.to).toBe(NOW);
  });

  it("is negative when the data shrinks", () => {
    const archives = [3, 2, 1].map((d) => archive(d, 1000 + d * 100));
    expect(dataGrowthRate(archives, NOW)!.bytesPerDay).toBeCloseTo(-100, 9);
  });

  it("is zero when the data does not change", () => {
    expect(dataGrowthRate([archive(2, 500), archive(1, 500)], NOW)!.bytesPerDay).toBe(0);
  });

  it("gives the same rate whatever the order of the archives", () => {
    const archives = [archive(9, 100), archive(6, 400), archive(3, 500), archive(0, 1000)];
    const shuffled = [archives[2]!, archives[0]!, archives[3]!, archives[1]!];
    expect(dataGrowthRate(shuffled, NOW)!.bytesPerDay).toBeCloseTo(dataGrowthRate(archives, NOW)!.bytesPerDay, 9);
  });

  it("uses only the archives of the window when it holds 2 or more", () => {
    // Fast growth long ago, 10 B/day over the last 30 days.
    const archives = [archive(200, 0), archive(100, 1_000_000), archive(20, 2_000_000), archive(10, 2_000_100), archive(0, 2_000_200)];
    const rate = dataGrowthRate(archives, NOW)!;
    expect(rate.basis).toBe("window");
    expect(rate.points).toBe(3);
    expect(rate.bytesPerDay).toBeCloseTo(10, 6);
  });

  it("honours another window length", () => {
    const archives = [archive(20, 0), archive(10, 1000), archive(5, 1100), archive(0, 1200)];
    expect(dataGrowthRate(archives, NOW, 7)!.bytesPerDay).toBeCloseTo(20, 6);
    expect(dataGrowthRate(archives, NOW, 7)!.windowDays).toBe(7);
  });

  it("falls back to the whole history when the window holds fewer than 2 archives", () => {
    // A stale host: its last archive is 40 days old; only one archive within 60 days of the others.
    const archives = [archive(100, 1000), archive(70, 4000), archive(40, 7000)];
    const rate = dataGrowthRate(archives, NOW)!;
    expect(rate.basis).toBe("history");
    expect(rate.points).toBe(3);
    expect(rate.bytesPerDay).toBeCloseTo(100, 6);
    const oneRecent = dataGrowthRate([archive(100, 1000), archive(50, 6000), archive(1, 9000)], NOW)!;
    expect(oneRecent.basis).toBe("history");
    expect(oneRecent.points).toBe(3);
  });

  it("falls back to the history when the archives of the window share one start time", () => {
    const rate = dataGrowthRate([archive(40, 0), archive(1, 500), archive(1, 700)], NOW)!;
    expect(rate.basis).toBe("history");
  });

  it("ignores archives without stats in the window and in the history", () => {
    const archives = [archive(40, 0), archive(20, null), archive(10, 1000), archive(5, null)];
    const rate = dataGrowthRate(archives, NOW)!;
    // Only one archive with stats in the window: history, through the 2 archives with stats.
    expect(rate.basis).toBe("history");
    expect(rate.points).toBe(2);
    expect(rate.bytesPerDay).toBeCloseTo(1000 / 30, 6);
  });

  it("accepts points from archiveSeries", () => {
    const points = archiveSeries([archive(2, 100), archive(1, 300)]);
    expect(dataGrowthRate(points, NOW)!.bytesPerDay).toBeCloseTo(200, 9);
  });
});

describe("seriesGrowthRate", () => {
  it("is null for fewer than 2 points, and when all points share one time", () => {
    expect(seriesGrowthRate([], NOW)).toBeNull();
    expect(seriesGrowthRate([{ at: NOW, value: 1 }], NOW)).toBeNull();
    expect(
      seriesGrowthRate(
        [
          { at: NOW, value: 1 },
          { at: NOW, value: 3 },
        ],
        NOW,
      ),
    ).toBeNull();
  });
});

describe("repoGrowthRate", () => {
  it("is null without enough samples", () => {
    expect(repoGrowthRate([], NOW)).toBeNull();
    expect(repoGrowthRate([sample(24, 100), sample(0, 200)], NOW)).toBeNull();
  });

  it("is null when the samples span only a few minutes (a fresh install)", () => {
    expect(repoGrowthRate([sample(0.1, 100), sample(0.05, 100), sample(0, 100)], NOW)).toBeNull();
  });

  it("skips unknown values", () => {
    expect(repoGrowthRate([sample(48, null), sample(24, 100), sample(12, null), sample(0, 200)], NOW)).toBeNull();
  });

  it("measures the deduplicated size per day", () => {
    const samples = [72, 48, 24, 0].map((h) => sample(h, 10_000 - (h / 24) * 500));
    const rate = repoGrowthRate(samples, NOW)!;
    expect(rate.bytesPerDay).toBeCloseTo(500, 6);
    expect(rate.points).toBe(4);
  });

  it("can measure the on-disk size instead", () => {
    const samples = [72, 48, 24, 0].map((h) => sample(h, 1, 10_000 - (h / 24) * 300));
    expect(repoGrowthRate(samples, NOW, "diskUsageBytes")!.bytesPerDay).toBeCloseTo(300, 6);
  });

  it("uses the samples of the window only, in any order", () => {
    const samples = [sample(0, 3000), sample(24 * 40, 0), sample(48, 1000), sample(24, 2000)];
    expect(repoGrowthRate(samples, NOW)!.bytesPerDay).toBeCloseTo(1000, 6);
  });
});

describe("formatGrowthRate", () => {
  it("signs the rate and drops trailing zeros", () => {
    expect(formatGrowthRate(24 * KiB)).toBe("+24 KiB/day");
    expect(formatGrowthRate(24.3 * KiB)).toBe("+24.3 KiB/day");
    expect(formatGrowthRate(1.2 * MiB)).toBe("+1.2 MiB/day");
    expect(formatGrowthRate(-1.25 * MiB)).toBe("−1.25 MiB/day");
    expect(formatGrowthRate(512)).toBe("+512 B/day");
    expect(formatGrowthRate(100 * KiB)).toBe("+100 KiB/day");
  });

  it("says 0 for no change and — when unknown", () => {
    expect(formatGrowthRate(0)).toBe("0 B/day");
    expect(formatGrowthRate(0.2)).toBe("0 B/day");
    expect(formatGrowthRate(null)).toBe("—");
    expect(formatGrowthRate(undefined)).toBe("—");
    expect(formatGrowthRate(Number.NaN)).toBe("—");
  });
});

import { describe, expect, it } from "vitest";
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDuration,
  formatElapsed,
  formatPercent,
  formatRelative,
  formatUtc,
  formatUtcSeconds,
  isoUtc,
  plural,
  UNKNOWN,
} from "./format";

describe("formatBytes", () => {
  it("uses binary units with three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.00 KiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10.0 MiB");
    expect(formatBytes(123.4 * 1024 ** 3)).toBe("123 GiB");
    expect(formatBytes(1.5 * 1024 ** 4)).toBe("1.50 TiB");
    expect(formatBytes(3 * 1024 ** 5)).toBe("3.00 PiB");
  });

  it("never shows 1024 of a unit", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.00 MiB");
    expect(formatBytes(1023.7 * 1024 ** 3)).toBe("1.00 TiB");
  });

  it("shows unknown as a dash, never as 0", () => {
    expect(formatBytes(null)).toBe(UNKNOWN);
    expect(formatBytes(undefined)).toBe(UNKNOWN);
    expect(formatBytes(Number.NaN)).toBe(UNKNOWN);
    expect(formatBytes(Infinity)).toBe(UNKNOWN);
  });

  it("keeps the sign of a negative delta", () => {
    expect(formatBytes(-2048)).toBe("-2.00 KiB");
  });
});

describe("formatCount and formatPercent", () => {
  it("groups thousands", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(-1234)).toBe("-1,234");
    expect(formatCount(null)).toBe(UNKNOWN);
  });

  it("formats ratios as percentages", () => {
    expect(formatPercent(0.734)).toBe("73.4%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatPercent(0.5, 0)).toBe("50%");
    expect(formatPercent(null)).toBe(UNKNOWN);
  });
});

describe("formatDuration and formatAge", () => {
  it("picks a coarse unit", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(12 * 60 + 59)).toBe("12 min");
    expect(formatDuration(3 * 3600)).toBe("3 h");
    expect(formatDuration(3.5 * 3600)).toBe("3.5 h");
    expect(formatDuration(30 * 3600)).toBe("30 h");
    expect(formatDuration(2.96 * 86400)).toBe("2.9 days");
    expect(formatDuration(17.5 * 86400)).toBe("17 days");
    expect(formatDuration(null)).toBe(UNKNOWN);
  });

  it("rounds down so a fresh repo never reads as past the threshold", () => {
    expect(formatDuration(35.99 * 3600)).toBe("35 h");
    expect(formatDuration(1.5 * 86400)).toBe("36 h");
  });

  it("says how long ago", () => {
    expect(formatAge(3)).toBe("just now");
    expect(formatAge(3 * 3600)).toBe("3 h ago");
    expect(formatAge(2.9 * 86400)).toBe("2.9 days ago");
    expect(formatAge(-120)).toBe("in 2 min");
    expect(formatAge(null)).toBe(UNKNOWN);
    const now = Date.UTC(2026, 10, 26, 12, 0);
    expect(formatRelative(now - 3 * 3600_000, now)).toBe("3 h ago");
    expect(formatRelative(null, now)).toBe(UNKNOWN);
  });
});

describe("formatElapsed", () => {
  it("is precise for backup durations", () => {
    expect(formatElapsed(38)).toBe("38 s");
    expect(formatElapsed(240)).toBe("4 min");
    expect(formatElapsed(252)).toBe("4 min 12 s");
    expect(formatElapsed(3900)).toBe("1 h 05 min");
    expect(formatElapsed(null)).toBe(UNKNOWN);
  });
});

describe("UTC timestamps", () => {
  const at = Date.UTC(2026, 10, 26, 6, 46, 9);

  it("formats absolute times in UTC", () => {
    expect(formatUtc(at)).toBe("2026-11-26 06:46 UTC");
    expect(formatUtcSeconds(at)).toBe("2026-11-26 06:46:09 UTC");
    expect(isoUtc(at)).toBe("2026-11-26T06:46:09.000Z");
  });

  it("shows unknown times as a dash", () => {
    expect(formatUtc(null)).toBe(UNKNOWN);
    expect(formatUtcSeconds(undefined)).toBe(UNKNOWN);
    expect(isoUtc(null)).toBeUndefined();
    expect(formatUtc(8.64e15 + 1)).toBe(UNKNOWN);
  });
});

describe("plural", () => {
  it("agrees with the count", () => {
    expect(plural(1, "archive")).toBe("1 archive");
    expect(plural(17, "archive")).toBe("17 archives");
    expect(plural(1200, "host")).toBe("1,200 hosts");
  });
});

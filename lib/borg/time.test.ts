import { describe, expect, it } from "vitest";
import { parseBorgTimestamp } from "./time";

describe("parseBorgTimestamp", () => {
  it("reads borg 1.2's entry timestamps (fixed-width, microseconds) as UTC, truncating to milliseconds", () => {
    expect(parseBorgTimestamp("2024-01-02T03:04:05.678999")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(parseBorgTimestamp("1970-01-01T00:00:00.000000")).toBe(0);
    expect(parseBorgTimestamp("2024-02-29T23:59:59.999999")).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  });

  it("refuses dates that do not exist, in the fixed-width form too", () => {
    expect(parseBorgTimestamp("2023-02-29T00:00:00.000000")).toBeNull();
    expect(parseBorgTimestamp("2100-02-29T00:00:00.000000")).toBeNull();
    expect(parseBorgTimestamp("2024-04-31T00:00:00.000000")).toBeNull();
    expect(parseBorgTimestamp("2024-13-01T00:00:00.000000")).toBeNull();
    expect(parseBorgTimestamp("2024-01-01T24:00:00.000000")).toBeNull();
    expect(parseBorgTimestamp("2024-01-0xT00:00:00.000000")).toBeNull();
  });

  it("reads the other forms borg prints: no fraction, a zone, a space", () => {
    expect(parseBorgTimestamp("2024-01-02T03:04:05")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseBorgTimestamp("2024-01-02T03:04:05.000000+02:00")).toBe(Date.UTC(2024, 0, 2, 1, 4, 5));
    expect(parseBorgTimestamp("2024-01-02 03:04:05.500000")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 500));
  });
});

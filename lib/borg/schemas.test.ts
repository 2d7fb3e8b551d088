import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  archiveInfoOutputSchema,
  borgProgressLineSchema,
  borgTimestampSchema,
  createOutputSchema,
  jsonLinesItemSchema,
  listArchivesOutputSchema,
  repoInfoOutputSchema,
} from "./schemas";
import { formatBorgTimestampArg, parseBorgTimestamp } from "./time";

const FIXTURES = path.resolve(__dirname, "../../test/fixtures/borg");
const stdoutOf = (name: string): unknown => JSON.parse((JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as { stdout: string }).stdout);

describe("parseBorgTimestamp (borg's naive local time, produced with TZ=UTC)", () => {
  it("reads the naive form as UTC", () => {
    expect(parseBorgTimestamp("2024-01-02T03:04:05.000000")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseBorgTimestamp("2024-01-02T03:04:05")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseBorgTimestamp("2024-01-02 03:04:05")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
  });

  it("truncates microseconds to milliseconds (never rounds into the next second)", () => {
    expect(parseBorgTimestamp("2024-01-02T03:04:05.123456")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(parseBorgTimestamp("2024-01-02T03:04:05.999999")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 999));
    expect(parseBorgTimestamp("2024-01-02T03:04:05.5")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 500));
  });

  it("does not depend on the machine's time zone", () => {
    const original = process.env.TZ;
    try {
      process.env.TZ = "America/New_York";
      expect(parseBorgTimestamp("2024-07-01T12:00:00.000000")).toBe(Date.UTC(2024, 6, 1, 12));
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });

  it("honours an explicit offset (newer borg versions print one)", () => {
    expect(parseBorgTimestamp("2024-01-02T03:04:05.000000+00:00")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseBorgTimestamp("2024-01-02T03:04:05+02:00")).toBe(Date.UTC(2024, 0, 2, 1, 4, 5));
    expect(parseBorgTimestamp("2024-01-02T03:04:05-0130")).toBe(Date.UTC(2024, 0, 2, 4, 34, 5));
    expect(parseBorgTimestamp("2024-01-02T03:04:05Z")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
  });

  it("rejects what is not a timestamp", () => {
    for (const bad of ["", "yesterday", "2024-13-01T00:00:00", "2024-02-30T00:00:00", "2024-01-02", "Tue, 2024-01-02 03:04:05", "2024-01-02T25:00:00"]) {
      expect(parseBorgTimestamp(bad)).toBeNull();
    }
  });

  it("leap day and year boundaries", () => {
    expect(parseBorgTimestamp("2024-02-29T23:59:59.999999")).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseBorgTimestamp("1999-12-31T23:59:59")).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
  });

  it("formats --timestamp as UTC with Z, which borg reads as UTC", () => {
    expect(formatBorgTimestampArg(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe("2024-01-02T03:04:05Z");
    expect(() => formatBorgTimestampArg(new Date(Number.NaN))).toThrow(RangeError);
  });

  it("the zod schema gives epoch ms or an issue", () => {
    expect(borgTimestampSchema.parse("2024-01-02T03:04:05.000000")).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(borgTimestampSchema.safeParse("nope").success).toBe(false);
  });
});

describe("schemas accept real borg 1.2.4 JSON", () => {
  it("borg list --json", () => {
    const out = listArchivesOutputSchema.parse(stdoutOf("ok-list"));
    expect(out.archives).toHaveLength(1);
    expect(out.archives[0]).toMatchObject({ name: "first", start: Date.UTC(2024, 0, 2, 3, 4, 5) });
    expect(out.archives[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.encryption?.mode).toBe("repokey-blake2");
    expect(out.repository.location).toBe("/tmp/borg-fixture/repo");
  });

  it("borg list --json over ssh, and on an empty repo", () => {
    expect(listArchivesOutputSchema.parse(stdoutOf("ssh-ok-list")).repository.location).toMatch(/^ssh:\/\//);
    const empty = listArchivesOutputSchema.parse(stdoutOf("ok-list-empty"));
    expect(empty.archives).toEqual([]);
    expect(empty.encryption?.mode).toBe("none");
  });

  it("borg info --json REPO", () => {
    const out = repoInfoOutputSchema.parse(stdoutOf("ok-info-repo"));
    expect(out.cache.stats.unique_csize).toBeGreaterThan(0);
    expect(out.cache.stats.total_size).toBeGreaterThan(0);
    expect(out.repository.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("borg info --json REPO::ARCHIVE", () => {
    const out = archiveInfoOutputSchema.parse(stdoutOf("ok-info-archive"));
    const a = out.archives[0]!;
    expect(a.name).toBe("first");
    expect(a.start).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(a.end).toBeGreaterThanOrEqual(a.start);
    expect(a.stats.nfiles).toBe(2);
    expect(a.stats.original_size).toBe(1006);
  });

  it("borg create --json (finished with a warning)", () => {
    const out = createOutputSchema.parse(stdoutOf("ok-create"));
    expect(out.archive.name).toBe("second");
    expect(out.cache.stats.total_chunks).toBeGreaterThan(0);
  });

  it("rejects output whose used fields changed", () => {
    const broken = structuredClone(stdoutOf("ok-list")) as { archives: Array<{ start: unknown }> };
    broken.archives[0]!.start = 1704164645;
    expect(listArchivesOutputSchema.safeParse(broken).success).toBe(false);
  });

  it("--json-lines items and progress lines", () => {
    const item = jsonLinesItemSchema.parse({
      type: "d",
      mode: "drwxr-xr-x",
      user: "root",
      group: "root",
      uid: 0,
      gid: 0,
      path: "src",
      healthy: true,
      source: "",
      linktarget: "",
      flags: 0,
      mtime: "2026-11-26T06:52:33.246441",
      size: 0,
    });
    expect(item.mtime).toBe(Date.UTC(2026, 10, 26, 6, 52, 33, 246));
    expect(
      borgProgressLineSchema.parse({
        type: "progress_percent",
        operation: 1,
        msgid: "extract",
        finished: false,
        message: " 5%",
        current: 5,
        total: 100,
        time: 1,
      }).type,
    ).toBe("progress_percent");
    expect(
      borgProgressLineSchema.parse({
        type: "archive_progress",
        original_size: 1,
        compressed_size: 1,
        deduplicated_size: 1,
        nfiles: 1,
        path: "x",
        time: 1,
        finished: false,
      }).type,
    ).toBe("archive_progress");
    expect(borgProgressLineSchema.parse({ type: "progress_message", operation: 2, msgid: "cache.begin_transaction", finished: true, time: 1 }).type).toBe(
      "progress_message",
    );
  });
});

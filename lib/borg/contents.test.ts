import { describe, expect, it } from "vitest";
import { BorgError } from "./errors";
import { CONTENTS_FORMAT, ContentsRecordSplitter, INDEX_CONTENTS_FORMAT, IndexRecordSplitter } from "./contents";
import { archiveArg, archiveNameProblem, escapePlaceholders, isLocalLocation, normalizeLocation, repoArg } from "./location";
import { parseHolderName } from "./lock";

function record(fields: Array<string | Buffer>): Buffer {
  return Buffer.concat(fields.flatMap((f) => [typeof f === "string" ? Buffer.from(f) : f, Buffer.of(0)]));
}

describe("ContentsRecordSplitter", () => {
  const file = record(["-", "-rw-r--r--", "1000", "1000", "alice", "staff", "42", "2024-01-02T03:04:05.123456", Buffer.from([0x61, 0x0a, 0xff]), ""]);
  const link = record(["l", "lrwxrwxrwx", "0", "0", "root", "root", "7", "2024-01-02T03:04:05.000000", "etc/localtime", "/usr/share/zoneinfo/UTC"]);
  const hard = record(["-", "hrw-r--r--", "0", "0", "0", "0", "0", "2024-01-02T03:04:05.000000", "b", "a\nfirst"]);

  it("splits records by counting NUL-terminated fields, whatever the bytes in between", () => {
    const s = new ContentsRecordSplitter();
    const items = s.push(Buffer.concat([file, link, hard]));
    s.end();
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      type: "-",
      mode: "-rw-r--r--",
      uid: 1000,
      gid: 1000,
      user: "alice",
      group: "staff",
      size: 42,
      linkTarget: null,
      hardlinkTarget: null,
    });
    expect(items[0]!.mtime).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect(items[0]!.pathBytes.toString("hex")).toBe("610aff");
    expect(items[0]!.path).toBe("a\n\ufffd");
    expect(items[1]).toMatchObject({ type: "l", path: "etc/localtime", linkTarget: "/usr/share/zoneinfo/UTC" });
    expect(items[2]).toMatchObject({ type: "-", mode: "hrw-r--r--", user: "0", hardlinkTarget: "a\nfirst", linkTarget: null });
  });

  it("gives the same items however the stream is chunked", () => {
    const all = Buffer.concat([file, link, hard, file]);
    for (const size of [1, 2, 5, 13, 64]) {
      const s = new ContentsRecordSplitter();
      const items = [];
      for (let i = 0; i < all.length; i += size) items.push(...s.push(all.subarray(i, i + size)));
      s.end();
      expect(items.map((i) => i.pathBytes.toString("hex"))).toEqual(["610aff", Buffer.from("etc/localtime").toString("hex"), "62", "610aff"]);
    }
  });

  it("a cut-off listing or a foreign format is an error, not wrong data", () => {
    const s = new ContentsRecordSplitter();
    s.push(file.subarray(0, file.length - 3));
    expect(() => s.end()).toThrow(BorgError);
    expect(() => new ContentsRecordSplitter().push(record(["drwx", "x", "0", "0", "u", "g", "0", "t", "p", ""]))).toThrow(/expected format/);
    expect(() => new ContentsRecordSplitter().push(record(["d", "x", "zero", "0", "u", "g", "0", "2024-01-02T03:04:05", "p", ""]))).toThrow(/uid/);
  });

  it("the borg format string ends every field with {NUL}", () => {
    expect(CONTENTS_FORMAT).toBe("{type}{NUL}{mode}{NUL}{uid}{NUL}{gid}{NUL}{user}{NUL}{group}{NUL}{size}{NUL}{isomtime}{NUL}{bpath}{NUL}{source}{NUL}");
  });
});

describe("IndexRecordSplitter (the archive index's leaner format)", () => {
  // "<type><mode><size> <isomtime>", user, group, bpath, source: what borg prints for INDEX_CONTENTS_FORMAT.
  const file = record(["--rw-r--r--42 2024-01-02T03:04:05.123456", "alice", "staff", Buffer.from([0x61, 0x0a, 0xff]), ""]);
  const dir = record(["ddrwxr-x---0 2024-01-02T03:04:05", "1000", "", "with space/and\ttab", ""]);
  const link = record(["llrwxrwxrwx7 2024-01-02T03:04:05.000000", "root", "root", "etc/localtime", "/usr/share/zoneinfo/UTC"]);
  const hard = record(["phrw-r--r--0 2024-01-02T03:04:05.000000", "0", "0", "fifo2", "a\nfirst"]);

  it("reads the run-together head (type, mode, size, time) and the NUL-terminated fields", () => {
    const s = new IndexRecordSplitter();
    const items = s.push(Buffer.concat([file, dir, link, hard]));
    s.end();
    expect(items).toHaveLength(4);
    expect(items[0]).toEqual({
      pathBytes: Buffer.from([0x61, 0x0a, 0xff]),
      type: "-",
      mode: "-rw-r--r--",
      user: "alice",
      group: "staff",
      size: 42,
      mtime: Date.UTC(2024, 0, 2, 3, 4, 5, 123),
      linkTarget: null,
      hardlinkTarget: null,
    });
    // A timestamp without microseconds (Python's isoformat drops ".000000" when they are zero).
    expect(items[1]).toMatchObject({ type: "d", mode: "drwxr-x---", user: "1000", group: "", size: 0, mtime: Date.UTC(2024, 0, 2, 3, 4, 5) });
    expect(items[1]!.pathBytes.toString()).toBe("with space/and\ttab");
    expect(items[2]).toMatchObject({ type: "l", size: 7, linkTarget: "/usr/share/zoneinfo/UTC", hardlinkTarget: null });
    expect(items[3]).toMatchObject({ type: "p", mode: "hrw-r--r--", hardlinkTarget: "a\nfirst", linkTarget: null });
  });

  it("gives the same items however the stream is chunked", () => {
    const all = Buffer.concat([file, dir, link, hard]);
    const whole = new IndexRecordSplitter().push(all);
    for (const size of [1, 3, 7, 64]) {
      const s = new IndexRecordSplitter();
      const items = [];
      for (let i = 0; i < all.length; i += size) items.push(...s.push(all.subarray(i, i + size)));
      s.end();
      expect(items).toEqual(whole);
    }
  });

  it("a cut-off listing or a foreign format is an error, not wrong data", () => {
    const s = new IndexRecordSplitter();
    s.push(file.subarray(0, file.length - 2));
    expect(() => s.end()).toThrow(BorgError);
    expect(() => new IndexRecordSplitter().push(record(["--rw-r--r--42", "u", "g", "p", ""]))).toThrow(/expected format/);
    expect(() => new IndexRecordSplitter().push(record(["--rw-r--r--4x2 2024-01-02T03:04:05", "u", "g", "p", ""]))).toThrow(/size/);
    expect(() => new IndexRecordSplitter().push(record(["--rw-r--r--42 yesterday", "u", "g", "p", ""]))).toThrow(/mtime/);
    expect(INDEX_CONTENTS_FORMAT).toBe("{type}{mode}{size} {isomtime}{NUL}{user}{NUL}{group}{NUL}{bpath}{NUL}{source}{NUL}");
  });
});

describe("locations and archive names", () => {
  it("doubles braces so borg's placeholder expansion is a no-op", () => {
    expect(escapePlaceholders("a{hostname}b}")).toBe("a{{hostname}}b}}");
    expect(archiveArg("/srv/borg/web01", "{now} daily")).toBe("/srv/borg/web01::{{now}} daily");
  });

  it("makes local paths absolute (a relative 'host:dir' would be ssh to borg)", () => {
    expect(normalizeLocation("backup:repo")).toBe(`${process.cwd()}/backup:repo`);
    expect(normalizeLocation("-repo")).toBe(`${process.cwd()}/-repo`);
    expect(normalizeLocation("ssh://borg@host:2222/srv/borg/web01")).toBe("ssh://borg@host:2222/srv/borg/web01");
    expect(repoArg("file:///srv/borg/x")).toBe("/srv/borg/x");
    expect(isLocalLocation("ssh://h/x")).toBe(false);
    expect(isLocalLocation("/srv/x")).toBe(true);
    expect(() => normalizeLocation("/srv/a::b")).toThrow(BorgError);
  });

  it("knows which names cannot be archives", () => {
    expect(archiveNameProblem("a/b")).toMatch(/"\/"/);
    expect(archiveNameProblem("a::b")).toMatch(/::/);
    expect(archiveNameProblem("")).toMatch(/empty/);
    expect(archiveNameProblem("-x \t\n'\"ü")).toBeNull();
    expect(() => archiveArg("/r", "a/b")).toThrow(expect.objectContaining({ kind: "archive-not-found" }));
    expect(() => archiveArg("/r", "a/b", "create")).toThrow(expect.objectContaining({ kind: "other" }));
  });

  it("parses borg's lock holder names", () => {
    expect(parseHolderName("vm@3281355014145.11242-0")).toEqual({ host: "vm@3281355014145", pid: 11242, thread: 0 });
    expect(parseHolderName("backup.example.com@1234.99-1f")).toEqual({ host: "backup.example.com@1234", pid: 99, thread: 31 });
    expect(parseHolderName("garbage")).toBeNull();
  });
});

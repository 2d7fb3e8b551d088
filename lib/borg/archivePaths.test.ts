/** The path → borg regex translation (archivePaths.ts); export/extract integration tests run the result through real borg. */
import { describe, expect, it } from "vitest";
import { archivePathProblem, borgPathCodePoints, bytesFromBorgPath, pathsRegex } from "./archivePaths";

describe("borgPathCodePoints", () => {
  it("decodes like Python's utf-8 with surrogateescape", () => {
    expect(borgPathCodePoints(Buffer.from("café"))).toEqual([..."café"].map((c) => c.codePointAt(0)));
    expect(borgPathCodePoints(Buffer.from([0x61, 0xe9, 0x62]))).toEqual([0x61, 0xdce9, 0x62]);
    // Truncated sequence, encoded surrogate, overlong: each byte escaped on its own.
    expect(borgPathCodePoints(Buffer.from([0xf0, 0x9f, 0x98, 0x41]))).toEqual([0xdcf0, 0xdc9f, 0xdc98, 0x41]);
    expect(borgPathCodePoints(Buffer.from([0xed, 0xa0, 0x80]))).toEqual([0xdced, 0xdca0, 0xdc80]);
    expect(borgPathCodePoints(Buffer.from([0xc0, 0xaf]))).toEqual([0xdcc0, 0xdcaf]);
    expect(borgPathCodePoints(Buffer.from("😀"))).toEqual([0x1f600]);
    expect(borgPathCodePoints(Buffer.from([0x61, 0xe2, 0x82, 0x41]))).toEqual([0x61, 0xdce2, 0xdc82, 0x41]);
    expect(borgPathCodePoints(Buffer.from("€", "utf8"))).toEqual([0x20ac]);
  });
});

describe("bytesFromBorgPath", () => {
  it("turns borg's surrogateescape text back into the exact bytes (inverse of borgPathCodePoints)", () => {
    for (const bytes of [Buffer.from("café/😀"), Buffer.from([0x61, 0xe9, 0x62]), Buffer.from([0xed, 0xa0, 0x80, 0x2f, 0xff]), Buffer.from([0xc0, 0xaf])]) {
      expect(bytesFromBorgPath(String.fromCodePoint(...borgPathCodePoints(bytes))).equals(bytes)).toBe(true);
    }
  });
});

describe("pathsRegex", () => {
  it("escapes everything but letters, digits, _ and / as \\u escapes", () => {
    expect(pathsRegex([Buffer.from("a.b {now} *")], "exact")).toBe("^a\\u002eb\\u0020\\u007bnow\\u007d\\u0020\\u002a$");
    expect(pathsRegex([Buffer.from("😀")], "exact")).toBe("^\\U0001f600$");
    expect(pathsRegex([Buffer.from("a*?[.]+(x)|$^\\")], "prefix")).toBe(
      "^a\\u002a\\u003f\\u005b\\u002e\\u005d\\u002b\\u0028x\\u0029\\u007c\\u0024\\u005e\\u005c(?:/|$)",
    );
  });

  it("merges common prefixes into a trie", () => {
    expect(pathsRegex([Buffer.from("etc/a"), Buffer.from("etc/b"), Buffer.from("etc")], "prefix")).toBe("^etc(?:/(?:a(?:/|$)|b(?:/|$))|(?:/|$))");
  });

  it("stays compact for 10,000 paths", () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`home/user/dir${i % 100}/file-${i}.txt`));
    const regex = pathsRegex(paths, "exact");
    const total = paths.reduce((n, p) => n + p.length, 0);
    expect(regex.length).toBeLessThan(total * 3);
    expect(regex.startsWith("^home/user/dir")).toBe(true);
  });
});

describe("archivePathProblem", () => {
  it("accepts relative paths and refuses absolute, empty, . and .. components", () => {
    expect(archivePathProblem(Buffer.from("etc/hosts"))).toBeNull();
    expect(archivePathProblem(Buffer.from("-rf"))).toBeNull();
    for (const good of ["a/b..c/...", "a b"]) expect(archivePathProblem(Buffer.from(good)), good).toBeNull();
    for (const bad of ["", "/etc", "a//b", "a/./b", "../x", "a/..", "a/", "a\0b"]) expect(archivePathProblem(Buffer.from(bad)), bad).not.toBeNull();
  });
});

/** The patterns file for restores and the progress parser (pure parts; restore.test.ts runs real borg). */
import { describe, expect, it } from "vitest";
import { ExtractProgressTracker, extractPatterns, pathRegex, restorePathProblem, surrogateEscapeCodePoints } from "./extract";

describe("extractPatterns", () => {
  it("writes plain ASCII paths as pp: prefixes and everything else as ASCII-only regexes, then excludes the rest", () => {
    const text = extractPatterns([Buffer.from("etc/motd"), Buffer.from("a b/new\nline"), Buffer.from([0x78, 0xff]), Buffer.from(" x "), Buffer.from("é")]);
    expect(text.split("\n")).toEqual([
      "# borg-fleet restore selection: one line per selected path",
      "+ pp:etc/motd",
      "+ re:^a\\u0020b/new\\u000aline(?:/|$)",
      "+ re:^x\\udcff(?:/|$)",
      "+ re:^\\u0020x\\u0020(?:/|$)",
      "+ re:^\\u00e9(?:/|$)",
      "- re:^",
      "",
    ]);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });

  it("escapes regex metacharacters and code points beyond the BMP", () => {
    expect(pathRegex(Buffer.from("a*?[.]+(x)|$^\\"))).toBe("^a\\u002a\\u003f\\u005b\\u002e\\u005d\\u002b\\u0028x\\u0029\\u007c\\u0024\\u005e\\u005c(?:/|$)");
    expect(pathRegex(Buffer.from("😀"))).toBe("^\\U0001f600(?:/|$)");
  });

  it("decodes like Python's surrogateescape (invalid bytes, overlong forms, encoded surrogates)", () => {
    expect(surrogateEscapeCodePoints(Buffer.from([0x61, 0xe2, 0x82, 0x41]))).toEqual([0x61, 0xdce2, 0xdc82, 0x41]);
    expect(surrogateEscapeCodePoints(Buffer.from([0xc0, 0xaf]))).toEqual([0xdcc0, 0xdcaf]);
    expect(surrogateEscapeCodePoints(Buffer.from([0xed, 0xa0, 0x80]))).toEqual([0xdced, 0xdca0, 0xdc80]);
    expect(surrogateEscapeCodePoints(Buffer.from("€", "utf8"))).toEqual([0x20ac]);
  });

  it("refuses paths that are empty, absolute, or have '..', '.' or empty components", () => {
    for (const bad of ["", "/etc", "../x", "a/../b", "a/./b", "a//b", "a/", "a\0b"]) expect(restorePathProblem(Buffer.from(bad)), bad).not.toBeNull();
    for (const good of ["etc", "a/b..c/...", "-rf", "a b"]) expect(restorePathProblem(Buffer.from(good)), good).toBeNull();
    expect(() => extractPatterns([Buffer.from("../etc")])).toThrow(/\.\./);
    expect(() => extractPatterns([])).toThrow(/Nothing was selected/);
  });
});

describe("ExtractProgressTracker", () => {
  it("turns progress_percent lines into percent, current file, bytes, speed and ETA", () => {
    const t = new ExtractProgressTracker();
    const line = (current: number, info: string[] | null, extra: Record<string, unknown> = {}) => ({ type: "progress_percent", msgid: "extract", finished: false, current, total: 1000, info, ...extra });
    expect(t.update(line(0, null), 0)!.phase).toBe("preparing");
    expect(t.update(line(100, ["a/file"]), 1000)).toMatchObject({ phase: "extracting", percent: 10, currentFile: "a/file", bytesDone: 100, bytesTotal: 1000 });
    const p = t.update(line(300, ["a/next"]), 2000)!;
    expect(p.speed).toBe(200);
    expect(p.etaSeconds).toBe(3.5);
    expect(t.update({ type: "progress_percent", msgid: "extract", finished: true }, 3000)).toMatchObject({ percent: 100, bytesDone: 1000 });
    expect(t.update({ type: "progress_message", msgid: "cache" }, 3000)).toBeNull();
  });
});

/** The patterns file for restores and the progress parser (pure parts; restore.test.ts runs real borg). */
import { describe, expect, it } from "vitest";
import { ExtractProgressTracker, extractPatterns } from "./extract";

describe("extractPatterns", () => {
  it("selects every path and what is below it in one ASCII-only regex line, then excludes the rest", () => {
    const text = extractPatterns([Buffer.from("etc/motd"), Buffer.from("a b/new\nline"), Buffer.from([0x78, 0xff]), Buffer.from(" x "), Buffer.from("é")]);
    expect(text.split("\n")).toEqual([
      "+ re:^(?:etc/motd(?:/|$)|a\\u0020b/new\\u000aline(?:/|$)|x\\udcff(?:/|$)|\\u0020x\\u0020(?:/|$)|\\u00e9(?:/|$))",
      "- re:^",
      "",
    ]);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });

  it("refuses an empty selection and paths with '..'", () => {
    expect(() => extractPatterns([Buffer.from("../etc")])).toThrow(/\.\./);
    expect(() => extractPatterns([])).toThrow(/Nothing was selected/);
  });
});

describe("ExtractProgressTracker", () => {
  it("turns progress_percent lines into percent, current file, bytes, speed and ETA", () => {
    const t = new ExtractProgressTracker();
    const line = (current: number, info: string[] | null, extra: Record<string, unknown> = {}) => ({
      type: "progress_percent",
      msgid: "extract",
      finished: false,
      current,
      total: 1000,
      info,
      ...extra,
    });
    expect(t.update(line(0, null), 0)!.phase).toBe("preparing");
    expect(t.update(line(100, ["a/file"]), 1000)).toMatchObject({ phase: "extracting", percent: 10, currentFile: "a/file", bytesDone: 100, bytesTotal: 1000 });
    const p = t.update(line(300, ["a/next"]), 2000)!;
    expect(p.speed).toBe(200);
    expect(p.etaSeconds).toBe(3.5);
    expect(t.update({ type: "progress_percent", msgid: "extract", finished: true }, 3000)).toMatchObject({ percent: 100, bytesDone: 1000 });
    expect(t.update({ type: "progress_message", msgid: "cache" }, 3000)).toBeNull();
  });
});

import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { UnicodeEscapeDecoder, decodeUnicodeEscape } from "./unicodeEscape";

/**
 * What borg's stdout looks like under PYTHONIOENCODING=unicode_escape: Python's own encoder applied
 * to os.fsdecode(name) (surrogateescape), the way borg holds paths. Uses the python3 borg runs on.
 */
function pythonEscape(names: Buffer[]): Buffer {
  const script = "import sys,os\nfor h in sys.argv[1:]:\n  sys.stdout.buffer.write(os.fsdecode(bytes.fromhex(h)).encode('unicode_escape') + b'\\x00')";
  return execFileSync("python3", ["-c", script, ...names.map((n) => n.toString("hex"))]);
}

const NAMES: Buffer[] = [
  Buffer.from("plain"),
  Buffer.from("with space and\ttab"),
  Buffer.from("new\nline\r\n"),
  Buffer.from("back\\slash \\x41 \\u0041 \\n"),
  Buffer.from("quotes ' \" `"),
  Buffer.from("ünïcödé ✓ 😀 𝄞"),
  Buffer.from([0x61, 0xff, 0x62, 0xfe, 0x80]), // not UTF-8
  Buffer.from([0xed, 0xa0, 0x80, 0xc3]), // encoded surrogate + truncated sequence
  Buffer.from(Array.from({ length: 126 }, (_, i) => i + 1).filter((b) => b !== 0x2f)), // every ASCII byte but NUL and "/"
  Buffer.from(Array.from({ length: 128 }, (_, i) => i + 128)), // every high byte
];

describe("UnicodeEscapeDecoder", () => {
  it("gives back the exact bytes Python escaped, for every byte value", () => {
    const escaped = pythonEscape(NAMES);
    // Pure ASCII, no newlines: that is what makes it safe to split and stream.
    expect([...escaped].every((b) => b === 0 || (b >= 0x20 && b < 0x7f))).toBe(true);
    const decoded = decodeUnicodeEscape(escaped);
    const parts = [];
    let start = 0;
    for (let i = 0; i < decoded.length; i++) {
      if (decoded[i] === 0) {
        parts.push(decoded.subarray(start, i));
        start = i + 1;
      }
    }
    expect(parts.map((p) => p.toString("hex"))).toEqual(NAMES.map((n) => n.toString("hex")));
  });

  it("handles escapes split across chunks at every position", () => {
    const escaped = pythonEscape(NAMES);
    const expected = decodeUnicodeEscape(escaped);
    for (const size of [1, 2, 3, 5, 7, 11]) {
      const d = new UnicodeEscapeDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < escaped.length; i += size) out.push(d.write(escaped.subarray(i, i + size)));
      out.push(d.end());
      expect(Buffer.concat(out).equals(expected)).toBe(true);
    }
  });

  it("passes raw text through (ssh output that did not go through Python)", () => {
    const raw = Buffer.from("ssh: connect to host x port 22: Connection refused\r\nüber\n");
    expect(decodeUnicodeEscape(raw).equals(raw)).toBe(true);
  });

  it("keeps unknown or malformed escapes literally", () => {
    expect(decodeUnicodeEscape(Buffer.from("a\\qb \\xZZ \\u12")).toString()).toBe("a\\qb \\xZZ \\u12");
  });

  it("maps code points like os.fsencode", () => {
    expect(decodeUnicodeEscape(Buffer.from("\\xfc\\udcfc\\u20ac\\U0001f600")).toString("hex")).toBe("c3bc" + "fc" + "e282ac" + "f09f9880");
  });
});

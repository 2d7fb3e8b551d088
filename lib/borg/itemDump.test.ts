import { describe, expect, it } from "vitest";
import { borgMtimeMs, borgText, DumpFormatError, fileMode, ItemDecoder } from "./itemDump";
import { decodeMsgpack, MsgpackFormatError } from "./msgpack";

/** A tiny msgpack writer for borg-shaped data: maps with raw-string keys, raw bytes, ints, arrays. */
type Value = number | Buffer | string | null | Value[] | { [key: string]: Value };
function pack(v: Value): Buffer {
  if (v === null) return Buffer.from([0xc0]);
  if (typeof v === "string") v = Buffer.from(v);
  if (Buffer.isBuffer(v)) {
    const head = v.length < 32 ? Buffer.from([0xa0 | v.length]) : Buffer.from([0xda, v.length >> 8, v.length & 0xff]);
    return Buffer.concat([head, v]);
  }
  if (typeof v === "number") {
    if (v >= 0 && v < 128) return Buffer.from([v]);
    const b = Buffer.alloc(9);
    b[0] = 0xcf;
    b.writeBigUInt64BE(BigInt(v), 1);
    return b;
  }
  if (Array.isArray(v)) return Buffer.concat([Buffer.from([0x90 | v.length]), ...v.map(pack)]);
  const keys = Object.keys(v);
  return Buffer.concat([Buffer.from([0x80 | keys.length]), ...keys.flatMap((k) => [pack(k), pack(v[k]!)])]);
}

describe("ItemDecoder", () => {
  const items: Value[] = [
    { path: "a", mode: 0o40755, user: "root", group: "root", uid: 0, gid: 0, mtime: 1_700_000_000_123_456_789 },
    {
      path: Buffer.from([0x62, 0xff]),
      mode: 0o100644,
      user: null,
      group: "staff",
      uid: 1234,
      gid: 50,
      mtime: 5,
      chunks: [
        [Buffer.alloc(32, 1), 10, 12],
        [Buffer.alloc(32, 2), 20, 22],
      ],
    },
    { path: "l", mode: 0o120777, user: "u", group: "g", uid: 1, gid: 1, mtime: 0, source: "tärget" },
    { path: "h", mode: 0o100644, user: "u", group: "g", uid: 1, gid: 1, mtime: 0, source: "a", xattrs: { "user.x": "y" } },
  ];
  const stream = Buffer.concat(items.map(pack));

  it("reads items cut at any byte between pieces the same as in one piece", () => {
    const whole = new ItemDecoder().push(stream);
    expect(whole.map((i) => [i.pathBytes.toString("latin1"), i.user, i.group, i.size, i.mtime])).toEqual([
      ["a", "root", "root", 0, 1_700_000_000_123],
      ["b\xff", "1234", "staff", 30, 0],
      ["l", "u", "g", 6, 0],
      ["h", "u", "g", 0, 0],
    ]);
    for (let cut = 1; cut < stream.length; cut++) {
      const decoder = new ItemDecoder();
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      decoder.end();
      expect(
        got.map((i) => i.pathBytes.toString("hex")),
        `cut at ${cut}`,
      ).toEqual(whole.map((i) => i.pathBytes.toString("hex")));
    }
  });

  it("hands out chunk lists only for the items asked for", () => {
    const got = new ItemDecoder((p) => p[0] === 0x62).push(stream);
    expect(got[1]!.chunks).toEqual([
      { id: Buffer.alloc(32, 1), size: 10 },
      { id: Buffer.alloc(32, 2), size: 20 },
    ]);
    expect(got.filter((i) => i.chunks !== null)).toHaveLength(1);
  });

  it("reports a stream cut off inside an item, and data that is not borg items", () => {
    const decoder = new ItemDecoder();
    decoder.push(stream.subarray(0, stream.length - 3));
    expect(() => decoder.end()).toThrow(DumpFormatError);
    expect(() => new ItemDecoder().push(pack({ mode: 1 }))).toThrow(DumpFormatError);
    expect(() => new ItemDecoder().push(Buffer.from([0xc1]))).toThrow(DumpFormatError);
  });
});

describe("borg list's renderings", () => {
  it("rounds nanoseconds to microseconds half-even like Python, then cuts to ms like our parser", () => {
    expect(borgMtimeMs(1_700_000_000_999_999_999)).toBe(1_700_000_001_000); // rounds up into the next second
    expect(borgMtimeMs(1_700_000_000_123_999_999)).toBe(1_700_000_000_124);
    expect(borgMtimeMs(1_700_000_000_123_400_000)).toBe(1_700_000_000_123);
    expect(borgMtimeMs(-5)).toBe(0); // borg clamps to the epoch
    expect(borgMtimeMs(2 ** 62)).toBe((2 ** 31 - 1 - 48 * 3600) * 1000); // and to its 2038 limit
  });

  it("spells modes like stat.filemode", () => {
    expect(fileMode(0o100644)).toBe("-rw-r--r--");
    expect(fileMode(0o104755)).toBe("-rwsr-xr-x");
    expect(fileMode(0o102644)).toBe("-rw-r-Sr--");
    expect(fileMode(0o041777)).toBe("drwxrwxrwt");
    expect(fileMode(0o041776)).toBe("drwxrwxrwT");
    expect(fileMode(0o120777)).toBe("lrwxrwxrwx");
    expect(fileMode(0o020600)).toBe("crw-------");
    expect(fileMode(0o060600)).toBe("brw-------");
    expect(fileMode(0o010600)).toBe("prw-------");
    expect(fileMode(0o140600)).toBe("srw-------");
    expect(fileMode(0o000600)).toBe("?rw-------");
  });

  it("shows each byte outside a valid UTF-8 sequence as one '?', counted as one character", () => {
    expect(borgText(Buffer.from("plain"))).toEqual({ text: "plain", codePoints: 5 });
    expect(borgText(Buffer.from("😀é"))).toEqual({ text: "😀é", codePoints: 2 });
    // "t", C3 28 (bad continuation), E2 82 (truncated), "A", overlong C0 AF, surrogate ED A0 80
    expect(borgText(Buffer.from([0x74, 0xc3, 0x28, 0xe2, 0x82, 0x41, 0xc0, 0xaf, 0xed, 0xa0, 0x80]))).toEqual({ text: "t?(??A?????", codePoints: 11 });
  });
});

describe("decodeMsgpack", () => {
  it("decodes maps with raw keys, keeps bytes as bytes, and refuses cut or trailing data", () => {
    const blob = pack({ salt: Buffer.from([0, 255]), iterations: 100, name: "x" });
    expect(decodeMsgpack(blob)).toEqual({ salt: Buffer.from([0, 255]), iterations: 100, name: Buffer.from("x") });
    expect(() => decodeMsgpack(blob.subarray(0, blob.length - 1))).toThrow(MsgpackFormatError);
    expect(() => decodeMsgpack(Buffer.concat([blob, Buffer.from([0])]))).toThrow(MsgpackFormatError);
  });
});

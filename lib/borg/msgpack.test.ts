/**
 * The msgpack reader on containers of 16 or more elements (array 16/32, map 16/32): borg writes a
 * file's chunk list as one array, so a file of more than 15 chunks (~30 MiB and up) needs them. The
 * encoded bytes below were produced by Python's msgpack (the library borg uses).
 */
import { describe, expect, it } from "vitest";
import { decodeMsgpack, MsgpackReader } from "./msgpack";

describe("msgpack containers of 16 or more elements", () => {
  it("reads array 16 and map 16", () => {
    // msgpack.packb({b'a': list(range(20)), b'm': {bytes([i]): i for i in range(17)}})
    const hex =
      "82c40161dc0014000102030405060708090a0b0c0d0e0f10111213c4016dde0011c4010000c4010101c4010202c4010303c4010404c4010505c4010606c4010707c4010808c4010909c4010a0ac4010b0bc4010c0cc4010d0dc4010e0ec4010f0fc4011010";
    const value = decodeMsgpack(Buffer.from(hex, "hex")) as { a: number[]; m: Record<string, number> };
    expect(value.a).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Object.keys(value.m)).toHaveLength(17);
    expect(value.m["\x10"]).toBe(16);
  });

  it("reads and skips array 32", () => {
    // msgpack.packb([0] * 70000): dd 00 01 11 70, then 70000 zero bytes
    const data = Buffer.concat([Buffer.from("dd00011170", "hex"), Buffer.alloc(70000), Buffer.from([0x07])]);
    const reader = new MsgpackReader(data);
    expect(reader.arrayLength()).toBe(70000);
    reader.pos = 0;
    reader.skip();
    expect(reader.int()).toBe(7);
    expect(reader.atEnd).toBe(true);
  });
});

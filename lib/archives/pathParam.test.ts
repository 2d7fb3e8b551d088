import { describe, expect, it } from "vitest";
import { decodePathParam, displayPath, encodePathParam } from "./pathParam";

describe("archive path params", () => {
  const samples = [
    Buffer.from("etc/nginx/nginx.conf"),
    Buffer.from("home/ünïcödé/файл 📁"),
    Buffer.from("with\ttab\nnewline 'quote\" *?[ -dash"),
    Buffer.from([0x66, 0xff, 0xfe, 0x2f, 0x61]),
    Buffer.from("~b64~looks-like-the-marker"),
    Buffer.from([0xc3]),
    Buffer.alloc(0),
  ];

  it("round-trips every path byte-for-byte", () => {
    for (const bytes of samples) expect(decodePathParam(encodePathParam(bytes))?.equals(bytes)).toBe(true);
  });

  it("keeps valid UTF-8 paths readable", () => {
    expect(encodePathParam(Buffer.from("var/log/syslog"))).toBe("var/log/syslog");
    expect(encodePathParam(Buffer.from([0x66, 0xff]))).toMatch(/^~b64~/);
  });

  it("refuses malformed and NUL-carrying values", () => {
    expect(decodePathParam("~b64~!!!")).toBeNull();
    expect(decodePathParam("a\0b")).toBeNull();
    expect(decodePathParam("~b64~" + Buffer.from("a\0b").toString("base64url"))).toBeNull();
  });

  it("shows undecodable bytes as \\xNN so different names never look alike", () => {
    expect(displayPath(Buffer.from([0x66, 0xff, 0x2f, 0xc3, 0xa9]))).toBe("f\\xff/é");
    expect(displayPath(Buffer.from([0x66, 0xfe]))).not.toBe(displayPath(Buffer.from([0x66, 0xff])));
  });
});

import { describe, expect, it } from "vitest";
import { cidrMatcher, clientAddressFrom, normalizeAddress, parseCidr } from "./proxyTrust.mjs";

describe("normalizeAddress", () => {
  it("spells addresses one way and rejects what is not an address", () => {
    expect(normalizeAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("::FFFF:10.1.2.3")).toBe("10.1.2.3");
    expect(normalizeAddress("[::1]")).toBe("::1");
    expect(normalizeAddress("FE80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress(" 192.0.2.7 ")).toBe("192.0.2.7");
    for (const bad of ["", "localhost", "127.1", "1.2.3.4:80", "unknown", "1.2.3.256", null, undefined]) expect(normalizeAddress(bad)).toBeNull();
  });
});

describe("parseCidr", () => {
  it("accepts single addresses and ranges of both families", () => {
    expect(parseCidr("127.0.0.1")).toEqual({ address: "127.0.0.1", prefix: 32, family: "ipv4" });
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseCidr("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    expect(parseCidr("FD00::/8")).toEqual({ address: "fd00::", prefix: 8, family: "ipv6" });
    // An IPv4-mapped range is the IPv4 range it maps.
    expect(parseCidr("::ffff:10.0.0.0/104")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
  });

  it("rejects malformed entries", () => {
    for (const bad of ["", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0/8", "example.com", "fe80::1%eth0", "10.0.0.0/ 8x", "*"]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });
});

describe("cidrMatcher", () => {
  const trusted = cidrMatcher(["127.0.0.1/32", "10.20.0.0/16", "::1", "fd00:abcd::/32"]);

  it("matches IPv4 addresses and ranges, exactly to the prefix", () => {
    expect(trusted("127.0.0.1")).toBe(true);
    expect(trusted("127.0.0.2")).toBe(false);
    expect(trusted("10.20.255.254")).toBe(true);
    expect(trusted("10.21.0.1")).toBe(false);
    expect(trusted("10.19.255.255")).toBe(false);
  });

  it("matches IPv6, and IPv4-mapped IPv6 as the IPv4 address it is", () => {
    expect(trusted("::1")).toBe(true);
    expect(trusted("0:0:0:0:0:0:0:1")).toBe(true);
    expect(trusted("::2")).toBe(false);
    expect(trusted("fd00:abcd:1::5")).toBe(true);
    expect(trusted("fd00:abce::5")).toBe(false);
    expect(trusted("::ffff:127.0.0.1")).toBe(true);
    expect(trusted("::ffff:127.0.0.2")).toBe(false);
    expect(trusted("::ffff:10.20.1.1")).toBe(true);
  });

  it("never matches garbage, and refuses to build from an invalid entry", () => {
    expect(trusted("")).toBe(false);
    expect(trusted(null)).toBe(false);
    expect(trusted("127.0.0.1, 10.0.0.1")).toBe(false);
    expect(() => cidrMatcher(["10.0.0.0/8", "not-an-address"])).toThrow(/not-an-address/);
    expect(cidrMatcher([])("127.0.0.1")).toBe(false);
  });
});

describe("clientAddressFrom", () => {
  const trusted = cidrMatcher(["127.0.0.1/32", "10.0.0.0/8"]);
  const from = (peer: string | null, xff: string | null) => clientAddressFrom(peer, xff, (a) => trusted(a));

  it("is the peer itself when the peer is not a trusted proxy, whatever X-Forwarded-For says", () => {
    expect(from("192.0.2.9", "127.0.0.1")).toBe("192.0.2.9");
    expect(from("::ffff:192.0.2.9", "1.1.1.1, 10.0.0.1")).toBe("192.0.2.9");
    expect(from("192.0.2.9", null)).toBe("192.0.2.9");
  });

  it("behind trusted proxies, is the right-most address that is not a trusted proxy", () => {
    expect(from("127.0.0.1", "198.51.100.4")).toBe("198.51.100.4");
    // The client wrote "6.6.6.6" itself; the proxy appended what it saw.
    expect(from("127.0.0.1", "6.6.6.6, 198.51.100.4")).toBe("198.51.100.4");
    expect(from("127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.1.1")).toBe("198.51.100.4");
    expect(from("127.0.0.1", "10.9.9.9, 10.1.1.1")).toBe("10.9.9.9");
    expect(from("127.0.0.1", "")).toBe("127.0.0.1");
    expect(from("127.0.0.1", null)).toBe("127.0.0.1");
    // Garbage in the chain: the last address that could be believed.
    expect(from("127.0.0.1", "198.51.100.4, garbage")).toBe("127.0.0.1");
  });

  it("is null when nobody recorded the peer", () => {
    expect(from(null, "198.51.100.4")).toBeNull();
    expect(from("", "198.51.100.4")).toBeNull();
  });
});

// Who is really on the other end of a request, and whether to believe what it says about others.
//
// Plain ESM JavaScript (with proxyTrust.d.mts for TypeScript): the production server wrapper
// (scripts/server.mjs) runs it without a build step, and the app (lib/auth/sso.ts, lib/net/clientAddress.ts)
// imports the very same code, so the wrapper and the app can never disagree on who is trusted.
import net from "node:net";

/**
 * The header in which scripts/server.mjs hands the socket's peer address to the app. The wrapper
 * deletes every client-sent header starting with PRIVATE_HEADER_PREFIX before setting its own, so the
 * app can believe these headers (and nothing a client sent).
 */
export const PRIVATE_HEADER_PREFIX = "x-borg-fleet-";
export const PEER_HEADER = "x-borg-fleet-peer";
/** Set by the wrapper when it removed SSO headers sent by an untrusted peer (value: their names). */
export const UNTRUSTED_SSO_HEADER = "x-borg-fleet-sso-untrusted";

export const DEFAULT_USER_HEADER = "X-Forwarded-User";
export const DEFAULT_GROUPS_HEADER = "X-Forwarded-Groups";

/**
 * A socket or header address in one canonical spelling: IPv4-mapped IPv6 (`::ffff:127.0.0.1`, as a
 * dual-stack socket reports IPv4 peers) becomes plain IPv4, an IPv6 zone (`%eth0`) and brackets are
 * dropped. Returns null for anything that is not an IP address.
 * @param {string | null | undefined} value
 * @returns {string | null}
 */
export function normalizeAddress(value) {
  if (typeof value !== "string") return null;
  let a = value.trim();
  if (a.startsWith("[") && a.endsWith("]")) a = a.slice(1, -1);
  const zone = a.indexOf("%");
  if (zone !== -1) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped) a = mapped[1];
  const family = net.isIP(a);
  if (family === 4) return a;
  if (family === 6) return a.toLowerCase();
  return null;
}

/**
 * Parses "10.0.0.0/8", "127.0.0.1" (= /32), "::1" (= /128), "fd00::/8", "::ffff:10.0.0.0/104".
 * @param {string} text
 * @returns {{ address: string, prefix: number, family: "ipv4" | "ipv6" } | null}
 */
export function parseCidr(text) {
  if (typeof text !== "string") return null;
  const slash = text.indexOf("/");
  const rawAddress = slash === -1 ? text.trim() : text.slice(0, slash).trim();
  const rawPrefix = slash === -1 ? null : text.slice(slash + 1).trim();
  if (rawAddress.includes("%")) return null;
  const family = net.isIP(rawAddress);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (rawPrefix !== null) {
    if (!/^\d{1,3}$/.test(rawPrefix)) return null;
    prefix = Number(rawPrefix);
    if (prefix > max) return null;
  }
  // An IPv4-mapped IPv6 range is the IPv4 range it maps.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(rawAddress);
  if (mapped && prefix >= 96) return { address: mapped[1], prefix: prefix - 96, family: "ipv4" };
  return { address: family === 4 ? rawAddress : rawAddress.toLowerCase(), prefix, family: family === 4 ? "ipv4" : "ipv6" };
}

/**
 * A matcher for a list of addresses and CIDR ranges. Throws on an invalid entry (the config schema
 * validates entries with parseCidr first, so a running server never sees one).
 * @param {readonly string[]} cidrs
 * @returns {(address: string | null | undefined) => boolean}
 */
export function cidrMatcher(cidrs) {
  const list = new net.BlockList();
  for (const entry of cidrs) {
    const cidr = parseCidr(entry);
    if (!cidr) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const a = normalizeAddress(address);
    if (a === null) return false;
    return list.check(a, net.isIP(a) === 4 ? "ipv4" : "ipv6");
  };
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy; then X-Forwarded-For is
 * read from the right (each proxy appends the address it saw) past every trusted proxy, and the first
 * address not trusted is the client. Everything left of it was written by the client and is not
 * believed. When every hop is trusted, the left-most one is the farthest proxy and is used.
 * @param {string | null | undefined} peer the socket address (PEER_HEADER)
 * @param {string | null | undefined} forwardedFor the X-Forwarded-For header as received
 * @param {(address: string) => boolean} isTrusted
 * @returns {string | null}
 */
export function clientAddressFrom(peer, forwardedFor, isTrusted) {
  const peerAddress = normalizeAddress(peer);
  if (peerAddress === null) return null;
  if (!isTrusted(peerAddress) || !forwardedFor) return peerAddress;
  const hops = forwardedFor
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean)
    .slice(-32);
  let candidate = peerAddress;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    // Garbage in the chain: stop at the last address we could believe.
    if (hop === null) return candidate;
    candidate = hop;
    if (!isTrusted(hop)) return hop;
  }
  return candidate;
}

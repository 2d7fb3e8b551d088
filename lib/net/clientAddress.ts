/**
 * The client address of a request, for the audit log and sign-in throttling: the socket peer as the
 * production server wrapper (scripts/server.mjs) recorded it in a header only it can set, and — only
 * when that peer is one of `sso.trustedProxies` — what the proxies wrote into X-Forwarded-For.
 *
 * Without the wrapper (`next dev`, a bare `next start`) nobody vouches for the peer: the address is
 * null ("unknown"), never a client-chosen X-Forwarded-For.
 */
import { getCurrentConfig } from "../config/current";
import { cidrMatcher, clientAddressFrom, PEER_HEADER } from "./proxyTrust.mjs";

export interface HeaderReader {
  get(name: string): string | null;
}

type Matcher = (address: string | null | undefined) => boolean;
const matchers = new WeakMap<readonly string[], Matcher>();
const nobody: Matcher = () => false;

/** Is this address one of the configured trusted proxies? (Cached per config.) */
export function trustedProxyMatcher(trustedProxies: readonly string[] | undefined = getCurrentConfig()?.sso.trustedProxies): Matcher {
  if (!trustedProxies || trustedProxies.length === 0) return nobody;
  let m = matchers.get(trustedProxies);
  if (!m) {
    m = cidrMatcher(trustedProxies);
    matchers.set(trustedProxies, m);
  }
  return m;
}

/** The socket peer recorded by the wrapper, or null when the request did not come through it. */
export function peerAddress(headers: HeaderReader): string | null {
  return headers.get(PEER_HEADER) || null;
}

/** The client address (see the top of this file), or null when unknown. */
export function clientAddressOf(headers: HeaderReader, trustedProxies?: readonly string[]): string | null {
  const isTrusted = trustedProxyMatcher(trustedProxies);
  return clientAddressFrom(peerAddress(headers), headers.get("x-forwarded-for"), (a) => isTrusted(a));
}

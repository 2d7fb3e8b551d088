/**
 * THE place that decides who and where a request comes from: its client address, scheme, host (and so
 * its origin), and whether its socket peer is a trusted proxy whose identity headers may be believed.
 * Every consumer asks here: the cross-origin check (proxy.ts), the Secure flag of the session cookie
 * (lib/auth/guard.ts requestIsHttps), audit addresses and rate-limit keys (clientAddressOf), and single
 * sign-on (lib/auth/sso.ts).
 *
 * The one rule: a header written by a client counts for nothing. The socket peer comes from the private
 * header the production server wrapper (scripts/server.mjs) sets and no client can; `X-Forwarded-For`,
 * `X-Forwarded-Proto`, `X-Forwarded-Host` and the SSO headers count only when that peer is one of the
 * trusted proxies (`trustedProxies`, and `sso.trustedProxies` as before). Anyone else gets the facts of
 * their own connection: their socket address, plain http (the wrapper serves nothing else), and the
 * Host header they sent (which they could as well have sent to any server: it vouches for nothing,
 * and a browser cannot forge it for a cross-site request).
 *
 * Without the wrapper (`next dev`, a bare `next start`) nobody vouches for the peer: the address is
 * null ("unknown") and no proxy is trusted.
 */
import { getCurrentConfig } from "../config/current";
import type { FleetConfig } from "../config/schema";
import { cidrMatcher, clientAddressFrom, PEER_HEADER } from "./proxyTrust.mjs";

export interface HeaderReader {
  get(name: string): string | null;
}

export interface RequestContext {
  /** The socket peer as the wrapper recorded it; null without the wrapper. */
  peer: string | null;
  /** The peer is a trusted proxy: its X-Forwarded-* and SSO headers are believed. */
  viaTrustedProxy: boolean;
  /** The client's address (audit log, rate limits); null when unknown. */
  clientAddress: string | null;
  /** How the client reached us: https only when a trusted proxy says so. */
  scheme: "http" | "https";
  /** The host (and port) the client addressed, lower-case; null when the request names none. */
  host: string | null;
  /** `${scheme}://${host}`: what a same-origin browser sends as Origin; null without a host. */
  origin: string | null;
}

type Matcher = (address: string | null | undefined) => boolean;
const nobody: Matcher = () => false;
const matchers = new WeakMap<readonly string[], Matcher>();
const lists = new WeakMap<FleetConfig, readonly string[]>();

/**
 * The trusted proxies of a config: the top-level `trustedProxies` plus, for configs written before it
 * existed, `sso.trustedProxies` (it always also governed X-Forwarded-For). One list: a proxy trusted for
 * one header is trusted for all.
 */
export function configuredTrustedProxies(config: FleetConfig | undefined = getCurrentConfig()): readonly string[] {
  if (!config) return [];
  let list = lists.get(config);
  if (!list) {
    list = [...new Set([...(config.trustedProxies ?? []), ...(config.sso?.trustedProxies ?? [])])];
    lists.set(config, list);
  }
  return list;
}

/** Is this address one of the trusted proxies? (Cached per list.) */
function trustedProxyMatcher(trustedProxies: readonly string[] = configuredTrustedProxies()): Matcher {
  if (trustedProxies.length === 0) return nobody;
  let m = matchers.get(trustedProxies);
  if (!m) {
    m = cidrMatcher(trustedProxies);
    matchers.set(trustedProxies, m);
  }
  return m;
}

/** The socket peer recorded by the wrapper, or null when the request did not come through it. */
function peerAddress(headers: HeaderReader): string | null {
  return headers.get(PEER_HEADER) || null;
}

/**
 * The value a trusted proxy wrote into a single-valued forwarding header. A proxy that appends instead
 * of overwriting leaves "client value, proxy value": the right-most entry is the nearest proxy's, which
 * is the one we trust.
 */
function nearestValue(value: string | null): string | null {
  if (value === null) return null;
  const last = value.split(",").at(-1)!.trim();
  return last === "" ? null : last;
}

/** A host[:port] as it may appear in Host or X-Forwarded-Host; anything else is null (never trusted). */
function cleanHost(value: string | null): string | null {
  if (value === null) return null;
  const host = value.trim().toLowerCase();
  return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host) ? host : null;
}

/** Everything this file decides, for one request. */
export function requestContextOf(headers: HeaderReader, trustedProxies: readonly string[] = configuredTrustedProxies()): RequestContext {
  const isTrusted = trustedProxyMatcher(trustedProxies);
  const peer = peerAddress(headers);
  const viaTrustedProxy = peer !== null && isTrusted(peer);
  const clientAddress = clientAddressFrom(peer, headers.get("x-forwarded-for"), (a) => isTrusted(a));
  const forwardedProto = viaTrustedProxy ? nearestValue(headers.get("x-forwarded-proto"))?.toLowerCase() : undefined;
  const scheme = forwardedProto === "https" ? "https" : "http";
  const host = (viaTrustedProxy ? cleanHost(nearestValue(headers.get("x-forwarded-host"))) : null) ?? cleanHost(headers.get("host"));
  return { peer, viaTrustedProxy, clientAddress, scheme, host, origin: host === null ? null : `${scheme}://${host}` };
}

/** The client address (see the top of this file), or null when unknown. */
export function clientAddressOf(headers: HeaderReader, trustedProxies?: readonly string[]): string | null {
  return requestContextOf(headers, trustedProxies).clientAddress;
}

/**
 * May this request's Origin change state here? Same origin means the Origin header names the host this
 * request was addressed to (above). The scheme is not compared: behind a proxy nobody configured as
 * trusted the dashboard sees http while the browser says https, and an attacker cannot serve a page
 * from our host name on either scheme. A missing or unparsable Origin is the caller's call.
 */
export function isSameOrigin(origin: string, context: Pick<RequestContext, "host">): boolean {
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  return context.host !== null && originHost === context.host;
}

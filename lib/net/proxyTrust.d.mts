// Types for proxyTrust.mjs (plain JavaScript so the server wrapper runs it without a build step).
export declare const PRIVATE_HEADER_PREFIX: string;
export declare const PEER_HEADER: string;
export declare const UNTRUSTED_SSO_HEADER: string;
export declare const DEFAULT_USER_HEADER: string;
export declare const DEFAULT_GROUPS_HEADER: string;
export declare function normalizeAddress(value: string | null | undefined): string | null;
export declare function parseCidr(text: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | null;
export declare function cidrMatcher(cidrs: readonly string[]): (address: string | null | undefined) => boolean;
export declare function clientAddressFrom(
  peer: string | null | undefined,
  forwardedFor: string | null | undefined,
  isTrusted: (address: string) => boolean,
): string | null;

// Types for the production server wrapper (plain JavaScript: it runs without a build step).
export declare function scrubRequestHeaders(
  req: { headers: Record<string, string | string[] | undefined>; rawHeaders: string[]; socket: { remoteAddress?: string | undefined } },
  trust: { isTrusted: (address: string) => boolean; ssoHeaders: readonly string[] },
): void;
export declare function selfOrigin(hostname: string | undefined, port: number): string;

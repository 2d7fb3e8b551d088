/**
 * The header rewrite of the production server wrapper, on request objects shaped like node:http's.
 * The wrapper itself is exercised over real HTTP by e2e/sso.spec.ts (it needs the production build).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cidrMatcher } from "../lib/net/proxyTrust.mjs";
import { scrubRequestHeaders, selfOrigin } from "./server.mjs";

interface FakeRequest {
  headers: Record<string, string>;
  rawHeaders: string[];
  socket: { remoteAddress: string | undefined };
}

function request(peer: string | undefined, sent: [string, string][]): FakeRequest {
  return {
    headers: Object.fromEntries(sent.map(([k, v]) => [k.toLowerCase(), v])),
    rawHeaders: sent.flat(),
    socket: { remoteAddress: peer },
  };
}

const trust = { isTrusted: cidrMatcher(["127.0.0.1/32"]), ssoHeaders: ["x-forwarded-user", "x-forwarded-groups", "remote-user"] };

describe("scrubRequestHeaders", () => {
  it("replaces any client-sent private header with the socket peer", () => {
    const req = request("::ffff:192.0.2.5", [
      ["Host", "dash"],
      ["X-Borg-Fleet-Peer", "127.0.0.1"],
      ["x-borg-fleet-sso-untrusted", ""],
      ["X-Borg-Fleet-Anything", "1"],
      ["X-Forwarded-For", "127.0.0.1"],
    ]);
    scrubRequestHeaders(req, trust);
    // The untrusted peer's X-Forwarded-For goes too (next test).
    expect(req.headers).toEqual({ host: "dash", "x-borg-fleet-peer": "192.0.2.5" });
    expect(req.rawHeaders).toEqual(["Host", "dash", "x-borg-fleet-peer", "192.0.2.5"]);
  });

  it("removes every forwarding header an untrusted peer sends, so neither the app nor Next.js sees it", () => {
    const forged: [string, string][] = [
      ["X-Forwarded-Host", "evil.example"],
      ["X-Forwarded-Proto", "https"],
      ["X-Forwarded-For", "10.9.9.9"],
      ["X-Forwarded-Port", "443"],
      ["Forwarded", "for=10.9.9.9;proto=https;host=evil.example"],
    ];
    const req = request("127.0.0.2", [["Host", "dash"], ["Origin", "http://evil.example"], ...forged]);
    scrubRequestHeaders(req, trust);
    expect(req.headers).toEqual({ host: "dash", origin: "http://evil.example", "x-borg-fleet-peer": "127.0.0.2" });
    expect(req.rawHeaders).toEqual(["Host", "dash", "Origin", "http://evil.example", "x-borg-fleet-peer", "127.0.0.2"]);
    // The same headers from the trusted proxy are its to set.
    const fromProxy = request("127.0.0.1", [["Host", "dash"], ...forged]);
    scrubRequestHeaders(fromProxy, trust);
    expect(fromProxy.headers).toMatchObject({
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "https",
      forwarded: "for=10.9.9.9;proto=https;host=evil.example",
    });
  });

  it("removes SSO headers from an untrusted peer and leaves a note for the app", () => {
    const req = request("127.0.0.2", [
      ["X-Forwarded-User", "alice"],
      ["X-Forwarded-Groups", "admins"],
      ["Remote-User", "alice"],
    ]);
    scrubRequestHeaders(req, trust);
    expect(req.headers).toEqual({ "x-borg-fleet-peer": "127.0.0.2", "x-borg-fleet-sso-untrusted": "x-forwarded-user,x-forwarded-groups,remote-user" });
    expect(req.rawHeaders.map((h) => h.toLowerCase())).not.toContain("x-forwarded-user");
  });

  it("keeps a trusted proxy's SSO headers", () => {
    const req = request("::ffff:127.0.0.1", [
      ["X-Forwarded-User", "alice"],
      ["X-Forwarded-Groups", "admins"],
    ]);
    scrubRequestHeaders(req, trust);
    expect(req.headers).toEqual({ "x-forwarded-user": "alice", "x-forwarded-groups": "admins", "x-borg-fleet-peer": "127.0.0.1" });
  });

  it("without a socket address, sets no peer and trusts nobody", () => {
    const req = request(undefined, [["X-Forwarded-User", "alice"]]);
    scrubRequestHeaders(req, trust);
    expect(req.headers).toEqual({ "x-borg-fleet-sso-untrusted": "x-forwarded-user" });
  });
});

describe("selfOrigin", () => {
  it("is plain http on the address the server listens on, loopback for a wildcard", () => {
    expect(selfOrigin("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000");
    expect(selfOrigin(undefined, 3000)).toBe("http://127.0.0.1:3000");
    expect(selfOrigin("0.0.0.0", 3000)).toBe("http://127.0.0.1:3000");
    expect(selfOrigin("::", 3000)).toBe("http://[::1]:3000");
    expect(selfOrigin("::1", 3000)).toBe("http://[::1]:3000");
    expect(selfOrigin("dash.internal", 8080)).toBe("http://dash.internal:8080");
  });
});

describe("the container image", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

  it("runs the wrapper over the standalone output, with every file the wrapper imports", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^CMD \["node", "scripts\/server\.mjs"\]$/m);
    const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(\S+) \.\/(\S+)$/gm)].map((m) => [m[1], m[2]]);
    const source = read("scripts/server.mjs");
    // Relative imports, followed through the imported files too: copied to the same place, so each
    // import still resolves.
    const relative: string[] = [];
    const pending = ["scripts/server.mjs"];
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      for (const m of read(file).matchAll(/from "(\.\.?\/[^"]+)"/g)) {
        const imported = path.posix.join(path.posix.dirname(file), m[1]!);
        if (relative.includes(imported)) continue;
        relative.push(imported);
        pending.push(imported);
      }
    }
    expect(relative.sort()).toEqual(["lib/http/lentResponse.mjs", "lib/net/proxyTrust.mjs"]);
    for (const file of ["scripts/server.mjs", ...relative]) expect(copied).toContainEqual([file, file]);
    // Packages it imports that the standalone trace does not carry (the app bundles its own yaml).
    const packages = [...source.matchAll(/import\("([^."][^"]*)"\)/g)].map((m) => m[1]!).filter((p) => p !== "next");
    expect(packages).toEqual(["yaml"]);
    for (const p of packages) expect(copied).toContainEqual([`node_modules/${p}`, `node_modules/${p}`]);
  });
});

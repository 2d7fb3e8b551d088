/**
 * The header rewrite of the production server wrapper, on request objects shaped like node:http's.
 * The wrapper itself is exercised over real HTTP by e2e/sso.spec.ts (it needs the production build).
 */
import { describe, expect, it } from "vitest";
import { cidrMatcher } from "../lib/net/proxyTrust.mjs";
import { scrubRequestHeaders } from "./server.mjs";

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
    expect(req.headers).toEqual({ host: "dash", "x-forwarded-for": "127.0.0.1", "x-borg-fleet-peer": "192.0.2.5" });
    expect(req.rawHeaders).toEqual(["Host", "dash", "X-Forwarded-For", "127.0.0.1", "x-borg-fleet-peer", "192.0.2.5"]);
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

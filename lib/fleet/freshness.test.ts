import { describe, expect, it } from "vitest";
import { buildRows } from "@/lib/fleet/overview";
import { ConfigError, parseConfig } from "@/lib/config/load";
import { freshnessPolicy, repoStatusIn, repoThreshold, staleAfterSecondsFor } from "./freshness";
import { fleetOf, readRepo } from "@/test/fixtures/fleetState";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

const repo = (host: string, ageDays: number) => readRepo(host, NOW, ageDays);

const CONFIG = [
  "staleAfter: 1.5d",
  "freshness:",
  "  hosts:",
  '    - { match: "laptop-*", staleAfter: 14d }',
  '    - { match: "laptop-old", staleAfter: 1d }',
  '    - { match: "db-?", staleAfter: 12h }',
  "sites:",
  "  - name: onsite",
  "    root: /srv/borg",
  "",
].join("\n");

describe("per-host freshness thresholds", () => {
  const policy = freshnessPolicy(parseConfig(CONFIG, "/etc/borg-fleet/fleet.yml"));

  it("reads freshness.hosts from the config, in seconds", () => {
    expect(policy).toEqual({
      staleAfterSeconds: 129600,
      staleAfterHosts: [
        { match: "laptop-*", staleAfterSeconds: 14 * 86400 },
        { match: "laptop-old", staleAfterSeconds: 86400 },
        { match: "db-?", staleAfterSeconds: 43200 },
      ],
    });
  });

  it("the first matching rule wins (like retention.hosts); other hosts keep staleAfter", () => {
    expect(repoThreshold(policy, { host: "laptop-ann" })).toEqual({ seconds: 14 * 86400, source: { kind: "host", match: "laptop-*" } });
    // laptop-old matches laptop-* first: the later, stricter rule never applies.
    expect(staleAfterSecondsFor(policy, { host: "laptop-old" })).toBe(14 * 86400);
    expect(staleAfterSecondsFor(policy, { host: "db-1" })).toBe(43200);
    expect(staleAfterSecondsFor(policy, { host: "db-10" })).toBe(129600);
    expect(repoThreshold(policy, { host: "web-01" })).toEqual({ seconds: 129600, source: { kind: "default" } });
    // Host names are DNS names: matched case-insensitively, like user scopes.
    expect(staleAfterSecondsFor(policy, { host: "LAPTOP-Bob" })).toBe(14 * 86400);
  });

  it("a threshold the source reported for the repo wins over the rules", () => {
    expect(repoThreshold(policy, { host: "laptop-ann", reportedStaleAfterSeconds: 7200 })).toEqual({ seconds: 7200, source: { kind: "reported" } });
    expect(staleAfterSecondsFor(policy, { host: "laptop-ann", reportedStaleAfterSeconds: null })).toBe(14 * 86400);
  });

  it("judges each repo by its own threshold at the boundaries", () => {
    expect(repoStatusIn(policy, repo("laptop-ann", 13.9), NOW)).toBe("fresh");
    expect(repoStatusIn(policy, repo("laptop-ann", 14), NOW)).toBe("fresh");
    expect(repoStatusIn(policy, repo("laptop-ann", 14.001), NOW)).toBe("stale");
    expect(repoStatusIn(policy, repo("db-1", 0.51), NOW)).toBe("stale");
    expect(repoStatusIn(policy, repo("web-01", 1.49), NOW)).toBe("fresh");
    expect(repoStatusIn(policy, repo("web-01", 1.51), NOW)).toBe("stale");
  });

  it("the overview's stale count uses the same thresholds", () => {
    const state = fleetOf([repo("laptop-ann", 5), repo("laptop-bob", 15), repo("db-1", 1), repo("web-01", 1), repo("web-02", 2)], policy);
    const { rows, counts } = buildRows(state, NOW);
    expect(counts).toMatchObject({ fresh: 2, stale: 3 });
    expect(Object.fromEntries(rows.map((r) => [r.host, r.status]))).toEqual({
      "laptop-ann": "fresh",
      "laptop-bob": "stale",
      "db-1": "stale",
      "web-01": "fresh",
      "web-02": "stale",
    });
  });

  it("rejects a malformed rule with the path to it", () => {
    const bad = CONFIG.replace("staleAfter: 12h }", "staleAfter: soon }");
    expect(() => parseConfig(bad, "/etc/borg-fleet/fleet.yml")).toThrow(ConfigError);
    expect(() => parseConfig(bad, "/etc/borg-fleet/fleet.yml")).toThrow(/freshness\.hosts\[2\]\.staleAfter/);
    expect(() => parseConfig(CONFIG.replace('"db-?"', '"db/(x)"'), "/etc/borg-fleet/fleet.yml")).toThrow(/host glob pattern/);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "./load";
import { parseDurationSeconds } from "./duration";
import { archiveIndexDir, restoreRoot } from "./dirs";
import { parseByteSize } from "./size";

const FILE = "/etc/borg-fleet/fleet.yml";

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(FILE);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("parseDurationSeconds", () => {
  it.each([
    [90, 90],
    ["90", 90],
    ["90s", 90],
    ["5m", 300],
    ["36h", 129600],
    ["1.5d", 129600],
    ["2w", 1209600],
  ])("%s -> %s seconds", (input, expected) => {
    expect(parseDurationSeconds(input)).toBe(expected);
  });

  it.each(["", "1.5 days", "-3h", "h", "1e3s", "1d2h"])("rejects %j", (input) => {
    expect(parseDurationSeconds(input)).toBeNull();
  });
});

describe("parseConfig", () => {
  it("applies defaults: 1.5 day staleness, 5 minute interval, cores as concurrency", () => {
    const config = parseConfig("sites:\n  - name: onsite\n    root: /srv/borg\n", FILE);
    expect(config.staleAfter).toBe(129600);
    expect(config.collector.interval).toBe(300);
    expect(config.collector.concurrency).toBe(os.availableParallelism());
    expect(config.sites[0]!.discover).toBe(true);
    expect(config.dataDir).toBe("/etc/borg-fleet/data");
  });

  it("resolves relative paths against the config file's directory", () => {
    const config = parseConfig(
      [
        "dataDir: state",
        "sites:",
        "  - name: onsite",
        "    root: ./onsite/srv/borg",
        "repos:",
        "  - host: web-01",
        "    site: onsite",
        "    secrets: { passphraseFile: secrets/web-01.pass }",
      ].join("\n"),
      FILE,
    );
    expect(config.dataDir).toBe("/etc/borg-fleet/state");
    expect(config.sites[0]!.root).toBe("/etc/borg-fleet/onsite/srv/borg");
    expect(config.repos[0]!.secrets!.passphraseFile).toBe("/etc/borg-fleet/secrets/web-01.pass");
  });

  it("names the field and what was expected for a bad duration", () => {
    const problems = problemsOf("staleAfter: soon\nsites:\n  - name: onsite\n    root: /srv/borg\n");
    expect(problems).toEqual([expect.stringMatching(/^staleAfter: expected a staleness threshold as seconds or a duration/)]);
  });

  it("names nested fields with their index", () => {
    const problems = problemsOf("sites:\n  - name: onsite\n    root: /srv/borg\n  - name: Bad Name\n    root: /x\n");
    expect(problems).toEqual([expect.stringMatching(/^sites\[1\]\.name: expected a site name/)]);
  });

  it("refuses unknown keys (a typo must not be silently ignored)", () => {
    const problems = problemsOf("sites:\n  - name: onsite\n    root: /srv/borg\n    discovr: false\n");
    expect(problems.join("\n")).toMatch(/sites\[0\].*discovr/);
  });

  it("refuses a repo on an unknown site and duplicate repos", () => {
    const problems = problemsOf(
      [
        "sites:",
        "  - name: onsite",
        "    root: /srv/borg",
        "repos:",
        "  - { host: web-01, site: offsite }",
        "  - { host: web-02, site: onsite }",
        "  - { host: web-02, site: onsite }",
      ].join("\n"),
    );
    expect(problems).toContain('repos[0].site: unknown site "offsite" (sites: onsite)');
    expect(problems).toContain("repos[2].host: duplicate repo onsite/web-02");
  });

  it("requires exactly one of root and remote, and a valid ssh URL", () => {
    expect(problemsOf("sites:\n  - name: onsite\n")).toEqual([expect.stringContaining("set exactly one of root")]);
    expect(problemsOf("sites:\n  - name: offsite\n    remote: borg@host:/srv/borg\n").join()).toMatch(/sites\[0\]\.remote: expected an ssh:\/\/ URL/);
  });

  it("refuses passcommand and passphraseFile together", () => {
    const problems = problemsOf("secrets: { passcommand: 'pass show borg', passphraseFile: /x }\nsites:\n  - name: a\n    root: /srv\n");
    expect(problems.join()).toMatch(/either passcommand or passphraseFile/);
  });

  it("reports YAML syntax errors", () => {
    expect(problemsOf("sites: [\n")[0]).toMatch(/^YAML syntax:/);
  });

  it("requires at least one site", () => {
    expect(problemsOf("repos: []\n").join()).toMatch(/^sites: /);
  });
});

describe("archive index, restore and retention settings", () => {
  it("defaults to dirs under dataDir, a 5 GiB index budget, 2 restores at once and the seed's 7/4/6", () => {
    const config = parseConfig("dataDir: /var/lib/bf\nsites: [{name: onsite, root: /srv/borg}]", FILE);
    expect(archiveIndexDir(config)).toBe("/var/lib/bf/archive-index");
    expect(restoreRoot(config)).toBe("/var/lib/bf/restores");
    expect(config.archiveIndex.diskBudget).toBe(5 * 1024 ** 3);
    expect(config.restore.concurrency).toBe(2);
    expect(config.retention.default).toEqual({ hourly: 0, daily: 7, weekly: 4, monthly: 6, yearly: 0 });
    expect(config.retention.hosts).toEqual([]);
  });

  it("resolves relative dirs, parses sizes and per-host policies", () => {
    const config = parseConfig(
      [
        "sites: [{name: onsite, root: /srv/borg}]",
        "archiveIndex: {dir: idx, diskBudget: 500MB}",
        "restore: {root: ../restores, concurrency: 1}",
        "retention: {hosts: [{match: 'db-*', policy: {daily: 14, monthly: 12}}]}",
      ].join("\n"),
      FILE,
    );
    expect(archiveIndexDir(config)).toBe("/etc/borg-fleet/idx");
    expect(restoreRoot(config)).toBe("/etc/restores");
    expect(config.archiveIndex.diskBudget).toBe(500e6);
    expect(config.retention.hosts[0]).toEqual({ match: "db-*", policy: { hourly: 0, daily: 14, weekly: 4, monthly: 12, yearly: 0 } });
  });

  it("names a bad size", () => {
    expect(problemsOf("sites: [{name: a, root: /x}]\narchiveIndex: {diskBudget: lots}")).toEqual([expect.stringMatching(/archiveIndex\.diskBudget.*"2GiB"/)]);
    expect(parseByteSize("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseByteSize("1.5 kB")).toBe(1500);
    expect(parseByteSize("3 XB")).toBeNull();
  });
});

describe("loadConfig", () => {
  it("says which file is missing and how to point at another", () => {
    const missing = path.join(os.tmpdir(), "borg-fleet-no-such-config.yml");
    expect(() => loadConfig(missing)).toThrow(/no-such-config\.yml[\s\S]*file not found \(set BORG_FLEET_CONFIG\)/);
  });

  it("loads a file from disk", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bf-config-"));
    try {
      fs.writeFileSync(path.join(dir, "fleet.yml"), "collector: { interval: 1m, concurrency: 3 }\nsites:\n  - name: onsite\n    root: srv\n");
      const config = loadConfig(path.join(dir, "fleet.yml"));
      expect(config.collector).toMatchObject({ interval: 60, concurrency: 3 });
      expect(config.sites[0]!.root).toBe(path.join(dir, "srv"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

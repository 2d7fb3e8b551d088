/**
 * lib/fleet/repos.ts against real directories: a real borg repo (created by borg) under a local site
 * root is discovered; a directory whose `config` is not a borg repo's, an empty one and a plain file
 * are not. Locations decide local vs remote in one place, file:// URLs included.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config/load";
import type { FleetConfig } from "@/lib/config/schema";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { configuredRepo, defaultLocation, effectiveSecrets, fleetRepos, hostRepoTargets, isBorgRepoDir, isLocalLocation, repoId, siteLocation } from "./repos";

let borgRepo: TempRepo;
let root: string;
let config: FleetConfig;

beforeAll(async () => {
  borgRepo = await makeTempRepo({ encryption: "none" });
  // The fixture's temp dir is the site root: its "repo" directory is a borg repo of host "repo".
  root = borgRepo.root;
  await fs.mkdir(path.join(root, "notaborgrepo"));
  await fs.writeFile(path.join(root, "notaborgrepo", "config"), "[core]\nrepositoryformatversion = 0\n"); // a git repo's config
  await fs.mkdir(path.join(root, "emptydir"));
  config = parseConfig(
    [
      "sites:",
      `  - { name: onsite, root: ${JSON.stringify(root)}, secrets: { passcommand: "echo site" } }`,
      "  - { name: offsite, remote: ssh://borg@backup.example.com:22/srv/borg/ }",
      "secrets: { passphraseFile: /etc/borg/global-pass, keyFile: /etc/borg/global-key }",
      "repos:",
      "  - { host: web1, site: offsite }",
      "  - { host: repo, site: offsite, location: /mnt/borg/repo, secrets: { passphraseFile: /etc/borg/repo-pass } }",
    ].join("\n"),
    "/etc/borg-fleet/config.yaml",
  );
}, 120_000);

afterAll(async () => {
  await borgRepo?.cleanup();
});

describe("local or remote", () => {
  it("paths and file:// URLs are local, ssh:// is not", () => {
    expect(isLocalLocation("/srv/borg/web1")).toBe(true);
    expect(isLocalLocation("relative/web1")).toBe(true);
    expect(isLocalLocation("file:///srv/borg/web1")).toBe(true);
    expect(isLocalLocation("ssh://borg@backup:22/srv/borg/web1")).toBe(false);
  });

  it("a repo configured at a file:// location is local; one at the remote default is not", () => {
    const site = { name: "onsite", remote: "ssh://borg@backup/srv/borg", discover: true };
    const byHand: FleetConfig = {
      ...config,
      sites: [site],
      repos: [
        { host: "db1", site: "onsite", location: "file:///srv/borg/db1" },
        { host: "db2", site: "onsite" },
      ],
    };
    expect(configuredRepo(byHand, site, "db1")).toMatchObject({ id: "onsite/db1", location: "file:///srv/borg/db1", local: true });
    expect(configuredRepo(byHand, site, "db2")).toMatchObject({ location: "ssh://borg@backup/srv/borg/db2", local: false });
    expect(configuredRepo(byHand, site, "db3")).toBeNull();
  });

  it("a site is local when it has a root", () => {
    expect(siteLocation(config.sites[0])).toEqual({ location: root, local: true });
    expect(siteLocation(config.sites[1])).toEqual({ location: "ssh://borg@backup.example.com:22/srv/borg/", local: false });
    expect(siteLocation(undefined)).toEqual({ location: "", local: false });
  });
});

describe("locations and secrets", () => {
  it("defaults to <root>/<host> or <remote>/<host> without doubled slashes", () => {
    expect(defaultLocation(config.sites[0]!, "web1")).toBe(path.join(root, "web1"));
    expect(defaultLocation(config.sites[1]!, "web1")).toBe("ssh://borg@backup.example.com:22/srv/borg/web1");
    expect(repoId("offsite", "web1")).toBe("offsite/web1");
  });

  it("merges secrets field-wise, the most specific layer choosing between passcommand and passphraseFile", () => {
    expect(effectiveSecrets({ passphraseFile: "/repo" }, { passcommand: "site", keyFile: "/site-key" }, { keyFile: "/global-key" })).toEqual({
      passphraseFile: "/repo",
      passcommand: undefined,
      keyFile: "/site-key",
    });
    expect(effectiveSecrets(undefined, undefined)).toBeUndefined();
  });
});

describe("discovery", () => {
  it("tells a borg repo directory from one that is not", async () => {
    expect(await isBorgRepoDir(borgRepo.location)).toBe(true);
    expect(await isBorgRepoDir(path.join(root, "notaborgrepo"))).toBe(false);
    expect(await isBorgRepoDir(path.join(root, "emptydir"))).toBe(false);
    expect(await isBorgRepoDir(path.join(root, "missing"))).toBe(false);
  });

  it("lists explicit repos and discovered borg repos, not other directories", async () => {
    const repos = await fleetRepos(config);
    expect(repos.map((r) => r.id)).toEqual(["offsite/repo", "offsite/web1", "onsite/repo"]);
    expect(repos.find((r) => r.id === "onsite/repo")).toEqual({
      id: "onsite/repo",
      host: "repo",
      site: "onsite",
      location: borgRepo.location,
      local: true,
      secrets: { passcommand: "echo site", passphraseFile: undefined, keyFile: "/etc/borg/global-key" },
    });
    expect(repos.find((r) => r.id === "offsite/web1")).toMatchObject({ location: "ssh://borg@backup.example.com:22/srv/borg/web1", local: false });
    expect(repos.find((r) => r.id === "offsite/repo")).toMatchObject({
      location: "/mnt/borg/repo",
      local: true,
      secrets: { passphraseFile: "/etc/borg/repo-pass" },
    });
  });

  it("warns about an unreadable site root and carries on", async () => {
    const warnings: string[] = [];
    const missing: FleetConfig = { ...config, sites: [{ ...config.sites[0]!, root: path.join(root, "gone") }, config.sites[1]!], repos: [] };
    expect(await fleetRepos(missing, (m) => warnings.push(m))).toEqual([]);
    expect(warnings).toEqual([`site onsite: cannot read ${path.join(root, "gone")}: ENOENT`]);
  });

  it("finds one host's repos in site order, discovered or explicit, and nothing for a directory that is not a repo", async () => {
    expect((await hostRepoTargets(config, "repo")).map((r) => [r.site, r.location])).toEqual([
      ["onsite", borgRepo.location],
      ["offsite", "/mnt/borg/repo"],
    ]);
    expect(await hostRepoTargets(config, "notaborgrepo")).toEqual([]);
    expect(await hostRepoTargets(config, "emptydir")).toEqual([]);
    expect(await hostRepoTargets(config, "..")).toEqual([]);
    expect((await hostRepoTargets(config, "web1")).map((r) => r.id)).toEqual(["offsite/web1"]);
  });
});

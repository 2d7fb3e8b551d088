/**
 * What the e2e tests expect of the demo fleet, derived from the seeder's own fleet definition
 * (scripts/seed/fleet.ts): which repos exist and which situation each one was seeded into. What the
 * dashboard shows is computed by the real collector from the real repos; these are the scenarios.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { HOSTS } from "../scripts/seed/fleet";
import type { RepoStatus } from "../lib/fleet/types";

export const DEMO_DIR = path.resolve(process.env.E2E_DEMO_DIR || ".test-tmp/e2e-demo");

export interface ExpectedRepo {
  host: string;
  site: string;
  status: RepoStatus;
}

// The laptop's last archive is 5 days old: fresh by its own 14-day threshold (freshness.hosts).
const STATUS_BY_SPECIAL: Record<string, RepoStatus> = { stale: "stale", never: "never", "wrong-passphrase": "error", laptop: "fresh" };

export const EXPECTED_REPOS: ExpectedRepo[] = HOSTS.flatMap((host) =>
  host.sites.map((site) => ({ host: host.name, site, status: host.special ? STATUS_BY_SPECIAL[host.special]! : "fresh" })),
);

export function hostWith(status: RepoStatus): string {
  const repo = EXPECTED_REPOS.find((r) => r.status === status);
  if (!repo) throw new Error(`the demo fleet has no ${status} host`);
  return repo.host;
}

/** Where the demo keeps a repo (scripts/seed/borg.ts). */
export function demoRepoPath(site: string, host: string): string {
  return path.join(DEMO_DIR, site, "srv", "borg", host);
}

/** borg on a demo repo with the repo's real passphrase, read-only (--bypass-lock in the arguments). */
export function demoBorg(site: string, host: string, args: string[]): Buffer {
  return execFileSync("borg", args, {
    env: {
      ...process.env,
      BORG_PASSCOMMAND: `cat ${path.join(DEMO_DIR, "secrets", `${site}-${host}.pass`)}`,
      BORG_BASE_DIR: path.join(DEMO_DIR, ".e2e-borg"),
      BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    },
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Archive names of a demo repo, straight from borg with the repo's real passphrase. */
export function borgArchiveNames(site: string, host: string): string[] {
  return demoBorg(site, host, ["list", "--short", "--bypass-lock", "--", demoRepoPath(site, host)])
    .toString("utf8")
    .split("\n")
    .filter(Boolean);
}

/** One file's bytes as `borg extract --stdout` gives them: what downloads and restores must equal. */
export function borgFileBytes(site: string, host: string, archive: string, file: string): Buffer {
  return demoBorg(site, host, ["extract", "--stdout", "--bypass-lock", "--", `${demoRepoPath(site, host)}::${archive}`, file]);
}

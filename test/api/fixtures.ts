/**
 * A small fleet and a set of API tokens for the /api/v1 tests: hosts web-01, web-02 (site onsite and
 * offsite) and db-01; tokens for each role (operator and viewer scoped to web-*), one expired and one
 * revoked; one restore job per host.
 */
import { AlertStore, setAlertStore } from "@/lib/alerts/store";
import { createToken, revokeToken } from "@/lib/auth/apiTokens";
import { openMemoryDatabase, type Db } from "@/lib/db";
import { setDatabase } from "@/lib/db/current";
import { setFleetProvider } from "@/lib/fleet/store";
import type { FleetState, RepoState } from "@/lib/fleet/types";
import { insertJob } from "@/lib/restore/store";
import { repoState } from "../fixtures/fleetState";

const HOUR = 3600_000;

export function repo(host: string, site: string, lastArchiveHoursAgo: number | null, now = Date.now()): RepoState {
  const archives =
    lastArchiveHoursAgo === null
      ? []
      : [48, 24, lastArchiveHoursAgo].map((h, i) => ({
          name: `${host}-${i}`,
          id: `${host}${site}${i}`.padEnd(64, "0").slice(0, 64),
          start: now - h * HOUR - 60_000,
          end: now - h * HOUR,
          stats: { originalBytes: 1000 * (i + 1), compressedBytes: 500, deduplicatedBytes: 100, files: 10 + i, durationSeconds: 60 },
        }));
  return repoState(host, site, now, {
    location: `/srv/borg/${host}`,
    lastArchive: archives.at(-1) ?? null,
    archiveCount: archives.length,
    archives,
    sizes: { originalBytes: 6000, compressedBytes: 1500, deduplicatedBytes: 300 },
    diskUsageBytes: 4096,
    lastDurationMs: 100,
  });
}

export function installFleet(repos: RepoState[], policy: Pick<FleetState, "staleAfterHosts"> = {}): FleetState {
  const state: FleetState = {
    repos,
    sites: [
      {
        name: "onsite",
        location: "/srv/borg",
        local: true,
        sizeBytes: 1e12,
        freeBytes: 4e11,
        capacitySource: "statfs",
        sharesFilesystemWith: [],
        checkedAt: Date.now(),
        error: null,
      },
      {
        name: "offsite",
        location: "ssh://backup@offsite/srv/borg",
        local: false,
        sizeBytes: null,
        freeBytes: null,
        capacitySource: "unknown",
        sharesFilesystemWith: [],
        checkedAt: null,
        error: null,
      },
    ],
    staleAfterSeconds: 129600,
    ...policy,
    source: "collector",
    problems: [],
    collector: { lastCycleStartedAt: Date.now() - 60_000, lastCycleDurationMs: 1500, running: false },
  };
  setFleetProvider({ getState: () => state, getRepoHistory: () => [], getSiteHistory: () => [] });
  return state;
}

/** web-01 (fresh on site, 40 h old off site: stale), web-02 (fresh), db-01 (never backed up). */
export function installWorldFleet(): FleetState {
  return installFleet([repo("web-01", "onsite", 2), repo("web-01", "offsite", 40), repo("web-02", "onsite", 5), repo("db-01", "onsite", null)]);
}

export type TokenKind = "admin" | "operator" | "viewer" | "expired" | "revoked";

export interface ApiWorld {
  db: Db;
  tokens: Record<TokenKind, string>;
  jobs: { web: number; db: number };
}

export function installApiWorld(): ApiWorld {
  const db = openMemoryDatabase();
  setDatabase(db);
  setAlertStore(new AlertStore(db));
  installWorldFleet();
  const by = { by: "test" };
  const make = (name: string, role: "admin" | "operator" | "viewer", hosts: string[], lifetimeSeconds?: number, at?: number) =>
    createToken(db, { name, role, hosts, lifetimeSeconds }, by, at).secret;
  const tokens: Record<TokenKind, string> = {
    admin: make("admin-token", "admin", ["*"]),
    operator: make("web-operator", "operator", ["web-*"]),
    viewer: make("web-viewer", "viewer", ["web-*"]),
    expired: make("old", "admin", ["*"], 60, Date.now() - 3600_000),
    revoked: make("leaked", "admin", ["*"]),
  };
  revokeToken(db, "leaked", by);
  const job = (host: string) =>
    insertJob(db, {
      host,
      site: "onsite",
      repoId: `onsite/${host}`,
      archive: `${host}-2`,
      archiveId: "a".repeat(64),
      paths: ["etc"],
      stripComponents: 0,
      requestedBy: "alice",
      destinationFor: (id) => `/var/lib/borg-fleet/restores/${host}/${host}-2/${id}`,
    }).id;
  return { db, tokens, jobs: { web: job("web-01"), db: job("db-01") } };
}

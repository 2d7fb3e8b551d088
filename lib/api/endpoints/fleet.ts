/** Fleet, hosts and storage sites: read from fleet state (no borg call), only hosts in the token's scope. */
import { z } from "zod";
import { visibleFleetState } from "@/lib/auth/guard";
import { hostVisible } from "@/lib/auth/policy";
import { repoStatusIn, staleAfterSecondsFor, type FreshnessPolicy } from "@/lib/fleet/freshness";
import { repoStatus, STATUS_SEVERITY } from "@/lib/fleet/status";
import type { RepoState, RepoStatus } from "@/lib/fleet/types";
import { defineEndpoint, hostParams } from "../endpoint";
import { problem } from "../problem";
import { decodeCursor, page, pageQuerySchema, pageSchema } from "../pagination";

const STATUSES = ["fresh", "stale", "never", "busy", "error", "pending"] as const satisfies readonly RepoStatus[];
const statusSchema = z.enum(STATUSES);
const ms = z.number().int().nullable();

const repoSchema = z.object({
  site: z.string(),
  status: statusSchema,
  lastArchive: z
    .object({ name: z.string(), start: z.number().int(), end: ms })
    .nullable()
    .describe("Newest archive (times in epoch ms, UTC; its age is now - (end ?? start), so bodies stay cacheable)"),
  staleAfterSeconds: z.number().describe("This repo's freshness threshold (freshness.hosts rule, else staleAfter): stale past it"),
  archives: z.number().int().nullable(),
  deduplicatedBytes: z.number().nullable().describe("borg's unique_csize: what this repo alone holds"),
  diskUsageBytes: z.number().nullable().describe("Bytes on the storage server's disk (local repos)"),
  busy: z.boolean(),
  error: z.object({ kind: z.string(), message: z.string(), at: z.number().int() }).nullable(),
  lastSuccessAt: ms.describe("Last time the dashboard read this repo successfully"),
});

const hostSchema = z.object({
  host: z.string(),
  status: statusSchema.describe("The worst status of the host's repos"),
  repos: z.array(repoSchema),
});

function repoView(repo: RepoState, now: number, policy: FreshnessPolicy): z.output<typeof repoSchema> {
  const last = repo.lastArchive;
  const staleAfterSeconds = staleAfterSecondsFor(policy, repo);
  return {
    site: repo.site,
    status: repoStatus(repo, now, staleAfterSeconds),
    lastArchive: last ? { name: last.name, start: last.start, end: last.end } : null,
    staleAfterSeconds,
    archives: repo.archiveCount,
    deduplicatedBytes: repo.sizes?.deduplicatedBytes ?? null,
    diskUsageBytes: repo.diskUsageBytes,
    busy: repo.busy,
    error: repo.lastError ? { kind: repo.lastError.kind, message: repo.lastError.message, at: repo.lastError.at } : null,
    lastSuccessAt: repo.lastSuccessAt,
  };
}

const worst = (statuses: RepoStatus[]) => statuses.reduce<RepoStatus>((a, b) => (STATUS_SEVERITY[b] < STATUS_SEVERITY[a] ? b : a), "fresh");

/** Hosts in scope with their repos (each with its own threshold, lib/fleet/freshness.ts), sorted by name. */
function hostViews(repos: readonly RepoState[], now: number, policy: FreshnessPolicy) {
  const byHost = new Map<string, RepoState[]>();
  for (const repo of repos) (byHost.get(repo.host) ?? byHost.set(repo.host, []).get(repo.host)!).push(repo);
  return [...byHost.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([host, hostRepos]) => {
      const views = hostRepos.map((r) => repoView(r, now, policy));
      return { host, status: worst(views.map((v) => v.status)), repos: views };
    });
}

export const fleetSummary = defineEndpoint({
  id: "getFleet",
  method: "GET",
  path: "/fleet",
  tag: "fleet",
  summary: "Fleet summary: hosts per status, storage, collector",
  action: "fleet:view",
  response: z.object({
    hosts: z.number().int(),
    repos: z.number().int(),
    statuses: z.record(statusSchema, z.number().int()).describe("Repos per status"),
    storage: z
      .object({ sizeBytes: z.number().nullable(), freeBytes: z.number().nullable() })
      .describe("Sum over sites of known figures; null when no site is known"),
    source: z.enum(["collector", "prometheus"]),
    lastCycleStartedAt: ms,
  }),
  async handle({ caller }) {
    const now = Date.now();
    const state = visibleFleetState(caller.principal);
    const statuses = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RepoStatus, number>;
    for (const repo of state.repos) statuses[repoStatusIn(state, repo, now)]++;
    const known = state.sites.filter((s) => s.sizeBytes !== null);
    const sum = (pick: (s: (typeof known)[number]) => number | null) => (known.length ? known.reduce((t, s) => t + (pick(s) ?? 0), 0) : null);
    return {
      hosts: new Set(state.repos.map((r) => r.host)).size,
      repos: state.repos.length,
      statuses,
      storage: { sizeBytes: sum((s) => s.sizeBytes), freeBytes: sum((s) => s.freeBytes) },
      source: state.source,
      lastCycleStartedAt: state.collector.lastCycleStartedAt,
    };
  },
});

export const listHosts = defineEndpoint({
  id: "listHosts",
  method: "GET",
  path: "/hosts",
  tag: "fleet",
  summary: "Hosts in the token's scope, with the status and threshold of each repo",
  action: "fleet:view",
  query: pageQuerySchema.extend({ status: statusSchema.optional().describe("Only hosts whose worst status is this") }),
  response: pageSchema(hostSchema),
  async handle({ caller, query }) {
    const after = decodeCursor(query.cursor);
    if (after === null) return problem(400, "Invalid query: cursor: not a cursor of this API");
    const state = visibleFleetState(caller.principal);
    let hosts = hostViews(state.repos, Date.now(), state);
    if (query.status) hosts = hosts.filter((h) => h.status === query.status);
    return page(hosts, (h) => h.host, query.limit, after);
  },
});

export const getHost = defineEndpoint({
  id: "getHost",
  method: "GET",
  path: "/hosts/{host}",
  tag: "fleet",
  summary: "One host: its repos, status, threshold and archives",
  action: "host:view",
  params: hostParams,
  response: hostSchema.extend({
    archives: z
      .array(
        z.object({
          site: z.string(),
          name: z.string(),
          id: z.string(),
          start: z.number().int(),
          end: ms,
          originalBytes: z.number().nullable(),
          files: z.number().nullable(),
        }),
      )
      .describe("Every archive of every repo of the host, oldest first"),
  }),
  async handle({ caller, params }) {
    const state = visibleFleetState(caller.principal);
    const repos = state.repos.filter((r) => r.host === params.host && hostVisible(caller.principal, r.host));
    if (repos.length === 0) return problem(404, `No host ${params.host}.`);
    const [view] = hostViews(repos, Date.now(), state);
    const archives = repos
      .flatMap((r) =>
        r.archives.map((a) => ({
          site: r.site,
          name: a.name,
          id: a.id,
          start: a.start,
          end: a.end,
          originalBytes: a.stats?.originalBytes ?? null,
          files: a.stats?.files ?? null,
        })),
      )
      .sort((a, b) => a.start - b.start || (a.site < b.site ? -1 : 1));
    return { ...view!, archives };
  },
});

export const listSites = defineEndpoint({
  id: "listSites",
  method: "GET",
  path: "/sites",
  tag: "fleet",
  summary: "Storage sites: capacity and free space (null when unknown, never 0)",
  action: "fleet:view",
  response: z.object({
    items: z.array(
      z.object({
        name: z.string(),
        sizeBytes: z.number().nullable(),
        freeBytes: z.number().nullable().describe("Space available to unprivileged users"),
        capacitySource: z.enum(["statfs", "prometheus", "unknown"]),
        sharesFilesystemWith: z.array(z.string()),
        checkedAt: ms,
        error: z.string().nullable(),
      }),
    ),
  }),
  async handle({ caller }) {
    const state = visibleFleetState(caller.principal);
    return {
      items: state.sites.map((s) => ({
        name: s.name,
        sizeBytes: s.sizeBytes,
        freeBytes: s.freeBytes,
        capacitySource: s.capacitySource,
        sharesFilesystemWith: s.sharesFilesystemWith,
        checkedAt: s.checkedAt,
        error: s.error,
      })),
    };
  },
});

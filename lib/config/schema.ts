/**
 * The fleet configuration file (YAML, path from BORG_FLEET_CONFIG), validated with zod.
 * Secrets are referenced (a command, a file), never written inline: the config file can then be
 * shared, committed to an ops repo and shown in error messages without leaking anything.
 */
import os from "node:os";
import { z } from "zod";
import { DEFAULT_GROUPS_HEADER, DEFAULT_USER_HEADER, parseCidr } from "../net/proxyTrust.mjs";
import { parseDurationSeconds } from "./duration";
import { parseByteSize } from "./size";

const duration = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === null) {
      ctx.addIssue({ code: "custom", message: `expected ${what} as seconds or a duration like "90s", "5m", "36h", "1.5d"` });
      return z.NEVER;
    }
    return seconds;
  });

const byteSize = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const bytes = parseByteSize(value);
    if (bytes === null) {
      ctx.addIssue({ code: "custom", message: `expected ${what} as bytes or a size like "500MB", "2GiB"` });
      return z.NEVER;
    }
    return bytes;
  });

/** Host names end up in URLs, metric labels and file paths: keep them to DNS-like characters. */
export const hostNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, "expected a host name (letters, digits, '.', '_', '-'; not starting with a symbol)");

export const siteNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "expected a site name (lower-case letters, digits, '_', '-')");

/** How borg gets the repo passphrase and key. All optional: an unencrypted repo needs none. */
const secretsSchema = z
  .object({
    /** Handed to borg as BORG_PASSCOMMAND (borg splits it like a shell would, but runs no shell). */
    passcommand: z.string().min(1).optional(),
    /** A file whose first line is the passphrase; read by the dashboard at call time. */
    passphraseFile: z.string().min(1).optional(),
    /** BORG_KEY_FILE, for repos initialised in keyfile mode. */
    keyFile: z.string().min(1).optional(),
    /** Private SSH key for ssh:// repos (BORG_RSH gets `-i <file>`). */
    sshKeyFile: z.string().min(1).optional(),
    /** known_hosts file for ssh:// repos; host keys are always checked. */
    knownHostsFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => !(s.passcommand && s.passphraseFile), {
    message: "set either passcommand or passphraseFile, not both",
  });

export type Secrets = z.infer<typeof secretsSchema>;

const sshUrl = z.string().regex(/^ssh:\/\/[^\s/]+(:\d+)?\/.*$/, 'expected an ssh:// URL such as "ssh://borg@backup.example.com:22/srv/borg"');

/** A local path; relative paths are resolved against the config file's directory. */
const localPath = z
  .string()
  .min(1)
  .refine((p) => !p.includes("://"), "expected a local path (use remote: for ssh:// URLs)");

const siteSchema = z
  .object({
    name: siteNameSchema,
    /** Local storage root such as /srv/borg (statfs gives capacity; repos can be discovered). */
    root: localPath.optional(),
    /** Remote base such as ssh://borg@host:22/srv/borg; capacity comes from Prometheus or is unknown. */
    remote: sshUrl.optional(),
    /** Discover `<root>/<host>` directories that are borg repos (local roots only). */
    discover: z.boolean().default(true),
    secrets: secretsSchema.optional(),
    /** node_exporter series that describe this site's filesystem, for remote sites (read through PROMETHEUS_URL). */
    prometheusFilesystem: z
      .object({ instance: z.string().min(1), mountpoint: z.string().min(1).default("/") })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => Boolean(s.root) !== Boolean(s.remote), { message: "set exactly one of root (local path) or remote (ssh:// URL)" });

const repoSchema = z
  .object({
    host: hostNameSchema,
    site: siteNameSchema,
    /** Repo location; defaults to `<site root or remote>/<host>`. A local path or an ssh:// URL. */
    location: z.union([sshUrl, localPath]).optional(),
    secrets: secretsSchema.optional(),
  })
  .strict();

/**
 * A GFS retention policy, as `borg prune --keep-*` takes it. The seed prunes 7 daily / 4 weekly /
 * 6 monthly; 0 means "no archives kept by this rule".
 */
const retentionPolicySchema = z
  .object({
    hourly: z.number().int().min(0).default(0),
    daily: z.number().int().min(0).default(7),
    weekly: z.number().int().min(0).default(4),
    monthly: z.number().int().min(0).default(6),
    yearly: z.number().int().min(0).default(0),
  })
  .strict();

export type RetentionPolicy = z.output<typeof retentionPolicySchema>;

/** An HTTP header name (RFC 9110 token characters). */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "expected an HTTP header name such as X-Forwarded-User");

/**
 * The reverse proxies in front of the dashboard (addresses or CIDR ranges, IPv4 and IPv6): only
 * connections from them may set X-Forwarded-For/-Proto/-Host and the SSO headers (lib/net/requestContext.ts).
 */
const trustedProxiesSchema = z
  .array(z.string().refine((v) => parseCidr(v) !== null, "expected an IP address or CIDR range such as 10.0.0.0/8, 127.0.0.1, ::1, fd00::/8"))
  .default([]);

/**
 * Single sign-on behind a proxy (oauth2-proxy, Authelia...): the proxy authenticates and passes the
 * user and their groups in headers, which are believed only from a trusted proxy. Groups map to a
 * role and a host scope. `sso.trustedProxies` is the older spelling of the top-level `trustedProxies`
 * (both lists are trusted, for every forwarded header, even with `enabled: false`).
 */
export const ssoSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Kept for existing configs: added to the top-level `trustedProxies`. */
    trustedProxies: trustedProxiesSchema,
    userHeader: headerName.default(DEFAULT_USER_HEADER),
    /** Group names separated by commas, spaces or "|". */
    groupsHeader: headerName.default(DEFAULT_GROUPS_HEADER),
    /**
     * Group → role and host scope. A user in several mapped groups gets the highest role, and the hosts
     * of the groups that carry that role; a user in no mapped group is refused (403), never a viewer.
     */
    groups: z
      .array(
        z
          .object({
            group: z.string().regex(/^[A-Za-z0-9._@+=:\/~-]{1,256}$/, "expected a group name (letters, digits and . _ @ + = : / ~ -)"),
            role: z.enum(["viewer", "operator", "admin"]),
            /** Host glob patterns (ignored for admin: all hosts). */
            hosts: z.array(z.string().regex(/^[A-Za-z0-9._*?-]{1,253}$/, "expected a host glob pattern such as web-* or db-?.example.com")).default([]),
          })
          .strict(),
      )
      .default([]),
    /** Local users (CLI, /admin/users) may still sign in with a password. */
    allowPasswordLogin: z.boolean().default(true),
    /** Where "Sign out" sends an SSO user: the proxy owns the session (oauth2-proxy: /oauth2/sign_out). */
    logoutUrl: z
      .string()
      .min(1)
      .max(2000)
      .refine((v) => v.startsWith("/") || /^https?:\/\//.test(v), "expected an http(s) URL or a path")
      .optional(),
    /** An SSO user's sign-in is written to the audit log when first seen, then again after this long. */
    auditSignInEvery: duration("an interval").default(900),
  })
  .strict()
  .superRefine((sso, ctx) => {
    if (sso.enabled && sso.groups.length === 0) ctx.addIssue({ code: "custom", path: ["groups"], message: "SSO is enabled: map at least one group to a role" });
    if (sso.userHeader.toLowerCase() === sso.groupsHeader.toLowerCase())
      ctx.addIssue({ code: "custom", path: ["groupsHeader"], message: "the user and groups headers must differ" });
    for (const name of [sso.userHeader, sso.groupsHeader]) {
      if (/^(x-borg-fleet-|x-forwarded-for$|host$|cookie$)/i.test(name))
        ctx.addIssue({ code: "custom", path: ["userHeader"], message: `${name} cannot carry SSO identities` });
    }
  });

export type SsoConfig = z.output<typeof ssoSchema>;

/** One kind of integrity check: how often, and (archives) whether to read and verify all data. */
const checkKindSchema = z
  .object({
    every: duration("a check interval"),
    verifyData: z.boolean().default(false),
  })
  .strict();

/** How a restore drill samples the newest archive. */
const drillSettingsSchema = z
  .object({
    every: duration("a drill interval").default(7 * 86400),
    sampleBytes: byteSize("a sample size").default(256 * 1024 ** 2),
    maxFiles: z.number().int().min(1).max(100_000).default(500),
    timeout: duration("a timeout").default(2 * 3600),
  })
  .strict();

export const configSchema = z
  .object({
    /** Where the dashboard keeps its SQLite database and borg's cache. Relative to the config file. */
    dataDir: z.string().min(1).default("./data"),
    /** A host whose newest archive is older than this is stale (the seed's rule: 1.5 days). */
    staleAfter: duration("a staleness threshold").default(129600),
    /**
     * Prometheus to read remote sites' capacity from (node_exporter's node_filesystem_* series of the
     * storage server, selected by the site's prometheusFilesystem). Not the fleet source: that is
     * PROMETHEUS_URL, which replaces the collector.
     */
    capacityPrometheusUrl: z.string().url().optional(),
    /** Public base URL of the dashboard, used in links that leave the dashboard (alerts). */
    publicUrl: z.string().url().optional(),
    collector: z
      .object({
        interval: duration("the refresh interval").default(300),
        /** How many borg processes the collector runs at once (never two on one repo). */
        concurrency: z.number().int().min(1).max(64).default(Math.max(1, os.availableParallelism())),
        /** A borg call that takes longer than this is stopped and reported. */
        timeout: duration("a timeout").default(600),
        /** A repo held by a running backup is tried again after this long. */
        busyRetry: duration("a retry delay").default(30),
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /**
     * The per-archive file index behind the archive browser (one SQLite file per archive id, kept for
     * good because archives never change; least recently used indexes are evicted past diskBudget).
     */
    archiveIndex: z
      .object({
        /** Defaults to `<dataDir>/archive-index`. Relative to the config file. */
        dir: z.string().min(1).optional(),
        diskBudget: byteSize("a disk budget").default(5 * 1024 ** 3),
      })
      .strict()
      .prefault({}),
    /** Restore jobs: borg extract into `<root>/<host>/<archive>/<job>` on the dashboard host. */
    restore: z
      .object({
        /** Defaults to `<dataDir>/restores`. Relative to the config file. */
        root: z.string().min(1).optional(),
        /** How many restore jobs run at once; more wait in the queue. */
        concurrency: z.number().int().min(1).max(16).default(2),
        /** A restore that runs longer than this is stopped and marked failed. */
        timeout: duration("a timeout").default(86400),
        /** Jobs one user may have waiting or running at once; more are refused until some finish. */
        maxOpenJobsPerUser: z.number().int().min(1).max(1000).default(20),
      })
      .strict()
      .prefault({}),
    /**
     * The retention policy the repos are pruned with (shown by the retention preview; the dashboard never
     * prunes). `hosts` overrides it for hosts matching a glob pattern; the first match wins.
     */
    retention: z
      .object({
        default: retentionPolicySchema.prefault({}),
        hosts: z.array(z.object({ match: z.string().min(1), policy: retentionPolicySchema.prefault({}) }).strict()).default([]),
      })
      .strict()
      .prefault({}),
    /** The reverse proxies whose X-Forwarded-* and SSO headers are believed; none by default. */
    trustedProxies: trustedProxiesSchema,
    /**
     * Scheduled `borg check` per repo (lib/verify). `every: 0` turns a kind off. `hosts` overrides the
     * defaults for hosts matching a glob pattern; the first match wins.
     */
    checks: z
      .object({
        repository: checkKindSchema.prefault({ every: 7 * 86400 }),
        archives: checkKindSchema.prefault({ every: 30 * 86400 }),
        /** A check running longer than this is stopped (keep it below the client kit's BORG_LOCK_WAIT). */
        timeout: duration("a timeout").default(6 * 3600),
        /** A repo held by a backup is tried again after this long. */
        busyRetry: duration("a retry delay").default(600),
        hosts: z
          .array(z.object({ match: z.string().min(1), repository: checkKindSchema.optional(), archives: checkKindSchema.optional() }).strict())
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Restore drills (lib/verify): extract a sample of the newest archive, compare, delete. `every: 0` = off. */
    drills: drillSettingsSchema
      .extend({
        /** Scratch space for drills; defaults to `<dataDir>/drills`. Relative to the config file. */
        scratchDir: z.string().min(1).optional(),
        hosts: z
          .array(
            z
              .object({
                match: z.string().min(1),
                every: duration("a drill interval").optional(),
                sampleBytes: byteSize("a sample size").optional(),
                maxFiles: z.number().int().min(1).max(100_000).optional(),
                timeout: duration("a timeout").optional(),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    /**
     * Per-host staleness thresholds: a laptop may go 14 days between archives, a database server not.
     * The first `hosts` rule whose glob matches the host wins; other hosts use the top-level `staleAfter`.
     */
    freshness: z
      .object({
        hosts: z
          .array(
            z
              .object({
                match: z.string().regex(/^[A-Za-z0-9._*?-]{1,253}$/, "expected a host glob pattern such as laptop-* or db-?.example.com"),
                staleAfter: duration("a staleness threshold").refine((s) => s > 0, "expected a threshold above zero"),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    /** Single sign-on behind a proxy; off by default. */
    sso: ssoSchema.prefault({}),
    /** The size and capacity history behind the growth charts and forecasts (lib/db/history.ts). */
    history: z
      .object({
        /** Samples older than this are deleted (at start and daily). At least 31 days: charts and forecasts read 30. */
        retention: duration("a history retention")
          .default(400 * 86400)
          .refine((seconds) => seconds >= 31 * 86400, "keep at least 31d of history: the growth chart and the capacity forecast read 30 days"),
      })
      .strict()
      .prefault({}),
    /** Applied to every repo unless the site or the repo sets its own. */
    secrets: secretsSchema.optional(),
    sites: z.array(siteSchema).min(1, "expected at least one storage site"),
    repos: z.array(repoSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.sso.enabled && config.trustedProxies.length === 0 && config.sso.trustedProxies.length === 0)
      ctx.addIssue({ code: "custom", path: ["trustedProxies"], message: "SSO is enabled: list the proxy addresses whose headers are believed" });
    const siteNames = new Set<string>();
    config.sites.forEach((site, i) => {
      if (siteNames.has(site.name)) ctx.addIssue({ code: "custom", path: ["sites", i, "name"], message: `duplicate site name "${site.name}"` });
      siteNames.add(site.name);
    });
    const repoKeys = new Set<string>();
    config.repos.forEach((repo, i) => {
      if (!siteNames.has(repo.site))
        ctx.addIssue({ code: "custom", path: ["repos", i, "site"], message: `unknown site "${repo.site}" (sites: ${[...siteNames].join(", ")})` });
      const key = `${repo.site}/${repo.host}`;
      if (repoKeys.has(key)) ctx.addIssue({ code: "custom", path: ["repos", i, "host"], message: `duplicate repo ${key}` });
      repoKeys.add(key);
    });
  });

export type FleetConfigInput = z.input<typeof configSchema>;
export type FleetConfig = z.output<typeof configSchema>;
export type SiteConfig = FleetConfig["sites"][number];

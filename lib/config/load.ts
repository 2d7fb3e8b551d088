/**
 * Reads and validates the fleet config. Every error names the file, the field and what was expected,
 * because the person reading it is an operator editing YAML, not a developer reading a stack trace.
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { formatIssues } from "@/lib/validation";
import { configSchema, type FleetConfig, type Secrets } from "./schema";

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid borg-fleet config ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  // The config lives outside the app bundle: keep the bundler from tracing the whole project for it.
  return path.resolve(/*turbopackIgnore: true*/ env.BORG_FLEET_CONFIG || "fleet.yml");
}

/** Parse and validate config text; `file` is only used in messages and to resolve relative paths. */
export function parseConfig(text: string, file: string): FleetConfig {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML syntax: ${e.message.split("\n")[0]}`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    // zod's own wording for unknown keys and wrong types is clear; keep it, prefixed by the field.
    throw new ConfigError(file, formatIssues(result.error, { limit: Infinity }));
  }
  return resolveRelativePaths(result.data, path.dirname(path.resolve(file)));
}

export function loadConfig(file: string = configPathFromEnv()): FleetConfig {
  let text: string;
  try {
    text = fs.readFileSync(/*turbopackIgnore: true*/ file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found (set BORG_FLEET_CONFIG)" : String(err);
    throw new ConfigError(file, [reason]);
  }
  return parseConfig(text, file);
}

function resolveSecrets(secrets: Secrets | undefined, base: string): Secrets | undefined {
  if (!secrets) return secrets;
  const r = (p?: string) => (p ? path.resolve(base, p) : p);
  return {
    ...secrets,
    passphraseFile: r(secrets.passphraseFile),
    keyFile: r(secrets.keyFile),
    sshKeyFile: r(secrets.sshKeyFile),
    knownHostsFile: r(secrets.knownHostsFile),
  };
}

/** Relative paths in the file are relative to the file, so a config works from any working directory. */
function resolveRelativePaths(config: FleetConfig, base: string): FleetConfig {
  return {
    ...config,
    dataDir: path.resolve(base, config.dataDir),
    archiveIndex: { ...config.archiveIndex, dir: config.archiveIndex.dir ? path.resolve(base, config.archiveIndex.dir) : undefined },
    restore: { ...config.restore, root: config.restore.root ? path.resolve(base, config.restore.root) : undefined },
    drills: { ...config.drills, scratchDir: config.drills.scratchDir ? path.resolve(base, config.drills.scratchDir) : undefined },
    secrets: resolveSecrets(config.secrets, base),
    sites: config.sites.map((s) => ({
      ...s,
      root: s.root ? path.resolve(base, s.root) : s.root,
      secrets: resolveSecrets(s.secrets, base),
    })),
    repos: config.repos.map((r) => ({
      ...r,
      location: r.location && !r.location.startsWith("ssh://") ? path.resolve(base, r.location) : r.location,
      secrets: resolveSecrets(r.secrets, base),
    })),
  };
}

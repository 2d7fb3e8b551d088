/**
 * API tokens from the command line (`npm run tokens -- <command>`), on the database of the dashboard
 * configured by BORG_FLEET_CONFIG (or --config). Admins can do the same in the UI.
 *
 *   create [<name>] --role viewer|operator|admin [--hosts 'web-*,db-?'] [--expires 90d]
 *          (without a name: cli-<role>-<date>-<4 hex>, printed with the token)
 *   revoke <name>
 *   list
 *
 * The token is printed once by `create` and cannot be shown again (only its hash is stored).
 */
import { randomBytes } from "node:crypto";
import {
  createToken,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  listTokens,
  MAX_TOKEN_LIFETIME_SECONDS,
  revokeToken,
  TokenError,
  tokenState,
} from "../lib/auth/apiTokens";
import { isRole } from "../lib/auth/policy";
import { ConfigError } from "../lib/config/load";
import { parseDurationSeconds } from "../lib/config/duration";
import { configuredDatabase, hostList, parseArgs, usageExit, UsageError } from "./cli/args";

const USAGE = `Usage: npm run tokens -- <command> [options]

  create [<name>] --role viewer|operator|admin [--hosts <glob,glob,...>] [--expires <duration>]
  revoke <name>
  list

  --config <file>   fleet config (default $BORG_FLEET_CONFIG or ./fleet.yml); tokens live in its dataDir
  --hosts           host scope: comma-separated glob patterns (* and ?); ignored for admins
  --expires         lifetime: 30d, 12w, 36h... (default ${DEFAULT_TOKEN_LIFETIME_SECONDS / 86400}d, at most ${MAX_TOKEN_LIFETIME_SECONDS / 86400}d)`;

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

export function runTokens(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), now = Date.now()): number {
  const parsed = parseArgs(argv);
  const help = usageExit(parsed, USAGE, out);
  if (help !== null) return help;
  const { positional, flags } = parsed;
  const [command, name] = positional;
  const db = configuredDatabase(flags);
  const ctx = { by: "cli" };
  const need = () => {
    if (!name) throw new UsageError(`${command} needs a token name`);
    return name;
  };
  switch (command) {
    case "create": {
      const role = flags.role;
      if (!isRole(role)) throw new UsageError("--role must be viewer, operator or admin");
      const lifetimeSeconds = typeof flags.expires === "string" ? parseDurationSeconds(flags.expires) : undefined;
      if (lifetimeSeconds === null) throw new UsageError(`--expires: "${String(flags.expires)}" is not a duration (e.g. 90d)`);
      // A name is how the audit log shows the token's actions ("token <name>"); one is made up when none is given.
      const tokenName = name ?? `cli-${role}-${new Date(now).toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(2).toString("hex")}`;
      const { token, secret } = createToken(db, { name: tokenName, role, hosts: hostList(flags.hosts), lifetimeSeconds }, ctx, now);
      out(`created token ${token.name} (${token.role} on ${token.hosts.join(",")}, expires ${iso(token.expiresAt)})\n`);
      out(`token: ${secret}\n`);
      out("It is shown only now: store it where the script that uses it reads it (e.g. BORG_FLEET_TOKEN).\n");
      return 0;
    }
    case "revoke": {
      const token = revokeToken(db, need(), ctx, now);
      out(`revoked ${token.name}\n`);
      return 0;
    }
    case "list":
      for (const t of listTokens(db)) {
        const state = tokenState(t, now) === "revoked" ? `revoked ${iso(t.revokedAt)}` : tokenState(t, now);
        out(`${t.name}\t${t.role}\t${t.hosts.join(",")}\texpires ${iso(t.expiresAt)}\tlast used ${iso(t.lastUsedAt)}\t${state}\n`);
      }
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

if (process.argv[1] && /tokens\.ts$/.test(process.argv[1])) {
  try {
    process.exit(runTokens(process.argv.slice(2)));
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof TokenError || err instanceof UsageError;
    process.stderr.write(`tokens: ${known ? (err as Error).message : `failed: ${err instanceof Error ? err.stack : String(err)}`}\n`);
    process.exit(1);
  }
}

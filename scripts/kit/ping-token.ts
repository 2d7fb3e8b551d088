/**
 * `npm run ping-token -- create <host>` | `revoke <host>` | `list`   [--data-dir DIR]
 *
 * Manages the per-host tokens of the run-report endpoint (/ping/<token>). `create` prints the token
 * once (only its sha256 is stored) and replaces any earlier token of the host. The database is the
 * dashboard's (dataDir of the fleet config, BORG_FLEET_CONFIG), or --data-dir.
 */
import { parseArgs } from "node:util";
import { hostNameSchema } from "@/lib/config/schema";
import { ConfigError, configPathFromEnv, loadConfig } from "@/lib/config/load";
import { openDatabase } from "@/lib/db";
import { PingStore } from "@/lib/ping/store";

function usage(message: string): never {
  process.stderr.write(`ping-token: ${message}\nusage: npm run ping-token -- (create <host> | revoke <host> | list) [--data-dir DIR]\n`);
  process.exit(2);
}

function main(): number {
  let parsed;
  try {
    parsed = parseArgs({ options: { "data-dir": { type: "string" } }, allowPositionals: true, strict: true });
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const [command, host, ...rest] = parsed.positionals;
  if (rest.length > 0) usage("too many arguments");
  let dataDir = parsed.values["data-dir"];
  if (!dataDir) {
    try {
      dataDir = loadConfig(configPathFromEnv()).dataDir;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`ping-token: ${err.message}\n${err.problems.join("\n")}\nping-token: pass --data-dir or set BORG_FLEET_CONFIG\n`);
      return 1;
    }
  }
  const store = new PingStore(openDatabase(dataDir));
  if (command === "list") {
    for (const t of store.listTokens()) {
      process.stdout.write(
        `${t.host}\tcreated ${new Date(t.createdAt).toISOString()}\tlast used ${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : "never"}\n`,
      );
    }
    return 0;
  }
  if (command !== "create" && command !== "revoke") usage(`unknown command ${JSON.stringify(command ?? "")}`);
  if (!host || !hostNameSchema.safeParse(host).success) usage("expected a host name (letters, digits, '.', '_', '-')");
  if (command === "revoke") {
    const removed = store.revokeToken(host);
    process.stderr.write(removed ? `ping-token: revoked the token of ${host}\n` : `ping-token: ${host} has no token\n`);
    return removed ? 0 : 1;
  }
  const token = store.createToken(host);
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `ping-token: new token for ${host} (any earlier one no longer works). On the host, in /etc/borg-backup.env:\n  PING_URL="<dashboard url>/ping/${token}"\n`,
  );
  return 0;
}

process.exitCode = main();

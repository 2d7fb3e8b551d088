/**
 * The argument shape of the admin commands (`npm run users`, `npm run tokens`): positional words, and
 * `--name value` / `--name=value` options; `booleans` name the options that take no value.
 */
import { configPathFromEnv, loadConfig } from "../../lib/config/load";
import { openDatabase, type Db } from "../../lib/db";

export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") flags.help = true;
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (booleans.includes(name)) {
        flags[name] = true;
        continue;
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags[name] = value;
    } else positional.push(arg);
  }
  return { positional, flags };
}

/** A comma-separated list of host glob patterns. */
export const hostList = (value: string | true | undefined): string[] =>
  typeof value === "string"
    ? value
        .split(",")
        .map((h) => h.trim())
        .filter(Boolean)
    : [];

/** The database of the dashboard whose config `--config` (or $BORG_FLEET_CONFIG, or ./fleet.yml) names. */
export function configuredDatabase(flags: ParsedArgs["flags"]): Db {
  return openDatabase(loadConfig(typeof flags.config === "string" ? flags.config : configPathFromEnv()).dataDir);
}

/** `<command> --help`, or no command: the usage text and the exit code (0 asked for, 2 missing command). */
export function usageExit(parsed: ParsedArgs, usage: string, out: (s: string) => void): number | null {
  if (!parsed.flags.help && parsed.positional.length > 0) return null;
  out(`${usage}\n`);
  return parsed.flags.help ? 0 : 2;
}

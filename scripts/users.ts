/**
 * User administration from the command line (`npm run users -- <command>`), on the database of the
 * dashboard configured by BORG_FLEET_CONFIG (or --config). Creates the first admin: there are no
 * default credentials.
 *
 *   add <username> --role viewer|operator|admin [--hosts 'web-*,db-?.example.com'] [--password-stdin]
 *   passwd <username> [--password-stdin]     (signs the user out everywhere)
 *   remove <username>                        (signs the user out everywhere)
 *   list
 *
 * Without --password-stdin a random password is generated and printed once.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { isRole } from "../lib/auth/policy";
import { addUser, listUsers, removeUser, setPassword, UserError } from "../lib/auth/users";
import { ConfigError } from "../lib/config/load";
import { configuredDatabase, hostList, parseArgs, usageExit, UsageError } from "./cli/args";

const USAGE = `Usage: npm run users -- <command> [options]

  add <username> --role viewer|operator|admin [--hosts <glob,glob,...>] [--password-stdin]
  passwd <username> [--password-stdin]
  remove <username>
  list

  --config <file>     fleet config (default $BORG_FLEET_CONFIG or ./fleet.yml); users live in its dataDir
  --password-stdin    read the password from the first line of standard input (else one is generated)
  --hosts             host scope: comma-separated glob patterns (* and ?); ignored for admins`;

export async function runUsers(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const parsed = parseArgs(argv, ["password-stdin"]);
  const help = usageExit(parsed, USAGE, out);
  if (help !== null) return help;
  const { positional, flags } = parsed;
  const [command, username] = positional;
  const db = configuredDatabase(flags);
  const ctx = { by: "cli" };
  const password = (): { value: string; generated: boolean } => {
    if (flags["password-stdin"]) return { value: fs.readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "", generated: false };
    return { value: randomBytes(15).toString("base64url"), generated: true };
  };
  const need = () => {
    if (!username) throw new UserError(`${command} needs a username`);
    return username;
  };
  switch (command) {
    case "add": {
      const role = flags.role;
      if (!isRole(role)) throw new UserError("--role must be viewer, operator or admin");
      const hosts = hostList(flags.hosts);
      if (role !== "admin" && hosts.length === 0) throw new UserError(`a ${role} needs --hosts (glob patterns; "*" for all hosts)`);
      const pw = password();
      const user = await addUser(db, { username: need(), password: pw.value, role, hosts }, ctx);
      out(`added ${user.username} (${user.role}${user.role === "admin" ? "" : ` on ${user.hosts.join(",")}`})\n`);
      if (pw.generated) out(`password: ${pw.value}\n`);
      return 0;
    }
    case "passwd": {
      const pw = password();
      await setPassword(db, need(), pw.value, ctx);
      out(`password changed for ${username}; their sessions are revoked\n`);
      if (pw.generated) out(`password: ${pw.value}\n`);
      return 0;
    }
    case "remove":
      removeUser(db, need(), ctx);
      out(`removed ${username}; their sessions are revoked\n`);
      return 0;
    case "list":
      for (const u of listUsers(db)) out(`${u.username}\t${u.role}\t${u.role === "admin" ? "*" : u.hosts.join(",")}\n`);
      return 0;
    default:
      throw new UserError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

if (process.argv[1] && /users\.ts$/.test(process.argv[1])) {
  runUsers(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message =
        err instanceof ConfigError || err instanceof UserError || err instanceof UsageError
          ? err.message
          : `failed: ${err instanceof Error ? err.stack : String(err)}`;
      process.stderr.write(`users: ${message}\n`);
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
// borg-fleet: the automation API from a shell, for cron jobs, CI and provisioning scripts.
//
//   borg-fleet status                      hosts in the token's scope with their status; exit 1 when
//                                          any is stale, never backed up or failing (for cron and CI)
//   borg-fleet hosts                       the same list, every repo
//   borg-fleet restore start <host> <archive> <path>... [--site S] [--strip N]
//   borg-fleet restore wait <job id> [--timeout 1h]    until it ends; exit 0 only if it succeeded
//   borg-fleet restore get <job id>
//
// Environment: BORG_FLEET_URL (e.g. https://backups.example.com) and BORG_FLEET_TOKEN (an API token;
// never pass it on the command line, where `ps` shows it). `--json` prints the API's JSON instead of a
// table. Exit codes: 0 ok, 1 the answer is "not ok" (stale host, failed restore), 2 usage or API error.
//
// Plain Node (>= 20, builtin fetch), no dependencies: copy this one file to any machine.
import process from "node:process";

const USAGE = `Usage: borg-fleet <command> [--json]

  status                                  hosts and their worst status; exit 1 if any needs attention
  hosts                                   every repo of every host in the token's scope
  restore start <host> <archive> <path>... [--site <site>] [--strip <n>]
  restore wait <job id> [--timeout <duration, default 6h>] [--interval <seconds, default 5>]
  restore get <job id>

  BORG_FLEET_URL    the dashboard's base URL
  BORG_FLEET_TOKEN  an API token (Admin -> API tokens, or npm run tokens -- create)`;

const ATTENTION = new Set(["stale", "never", "error"]);
const FINAL = new Set(["succeeded", "failed", "cancelled", "interrupted"]);

class CliError extends Error {}

export function parseArgs(argv) {
  const positional = [];
  const flags = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") flags.json = true;
    else if (arg === "-h" || arg === "--help") flags.help = true;
    else if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new CliError(`--${name} needs a value`);
      flags[name] = value;
    } else positional.push(arg);
  }
  return { positional, flags };
}

export function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(String(text).trim());
  if (!m) throw new CliError(`"${text}" is not a duration (e.g. 90s, 30m, 6h)`);
  return Number(m[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]] * 1000;
}

/** A client of one dashboard: GET/POST JSON with the token; problem+json errors become CliErrors. */
export function apiClient(baseUrl, token, fetchImpl = fetch) {
  if (!baseUrl) throw new CliError("set BORG_FLEET_URL to the dashboard's URL");
  if (!token) throw new CliError("set BORG_FLEET_TOKEN to an API token");
  const root = new URL("api/v1/", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  return async (method, path, body) => {
    const response = await fetchImpl(new URL(path.replace(/^\//, ""), root), {
      method,
      headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`${method} ${path}: HTTP ${response.status}, not JSON (is BORG_FLEET_URL the dashboard?)`);
    }
    if (!response.ok) throw new CliError(`${method} ${path}: ${response.status} ${json?.title ?? ""}${json?.detail ? `: ${json.detail}` : ""}`);
    return json;
  };
}

async function allPages(api, path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const age = (ms) => {
  if (ms === null || ms === undefined) return "-";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  return s < 3600 ? `${Math.round(s / 60)}m` : s < 172800 ? `${(s / 3600).toFixed(1)}h` : `${(s / 86400).toFixed(1)}d`;
};

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => String(c).padEnd(widths[i]))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

export async function main(
  argv,
  { env = process.env, out = (s) => process.stdout.write(s), fetchImpl = fetch, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = {},
) {
  const { positional, flags } = parseArgs(argv);
  const [command, sub, ...rest] = positional;
  if (flags.help || !command) {
    out(`${USAGE}\n`);
    return flags.help ? 0 : 2;
  }
  const api = apiClient(env.BORG_FLEET_URL, env.BORG_FLEET_TOKEN, fetchImpl);
  const print = (value, rows) => out(flags.json ? `${JSON.stringify(value, null, 2)}\n` : rows.length > 1 ? table(rows) : "");
  switch (command) {
    case "status": {
      const hosts = await allPages(api, "/hosts");
      const bad = hosts.filter((h) => ATTENTION.has(h.status));
      const newest = (h) => Math.max(...h.repos.map((r) => r.lastArchive?.end ?? r.lastArchive?.start ?? -Infinity));
      print({ ok: bad.length === 0, hosts: hosts.length, attention: bad.map((h) => ({ host: h.host, status: h.status })) }, [
        ["HOST", "STATUS", "LAST ARCHIVE"],
        ...hosts.map((h) => [h.host, h.status, Number.isFinite(newest(h)) ? `${age(newest(h))} ago` : "never"]),
      ]);
      if (!flags.json)
        out(
          bad.length === 0 ? `all ${hosts.length} hosts ok\n` : `${bad.length} of ${hosts.length} hosts need attention: ${bad.map((h) => h.host).join(", ")}\n`,
        );
      return bad.length === 0 ? 0 : 1;
    }
    case "hosts": {
      const hosts = await allPages(api, "/hosts");
      print(hosts, [
        ["HOST", "SITE", "STATUS", "LAST ARCHIVE", "ARCHIVES", "DEDUP BYTES", "THRESHOLD"],
        ...hosts.flatMap((h) =>
          h.repos.map((r) => [
            h.host,
            r.site,
            r.status,
            r.lastArchive ? `${age(r.lastArchive.end ?? r.lastArchive.start)} ago` : "never",
            r.archives ?? "-",
            r.deduplicatedBytes ?? "-",
            `${r.staleAfterSeconds / 3600}h`,
          ]),
        ),
      ]);
      return 0;
    }
    case "restore": {
      if (sub === "start") {
        const [host, archive, ...paths] = rest;
        if (!host || !archive || paths.length === 0) throw new CliError("restore start needs <host> <archive> <path>...");
        const body = { host, archive, paths, ...(flags.site ? { site: flags.site } : {}), ...(flags.strip ? { stripComponents: Number(flags.strip) } : {}) };
        const job = await api("POST", "/restores", body);
        print(job, [
          ["JOB", "STATE", "DESTINATION"],
          [job.id, job.state, job.destination],
        ]);
        return 0;
      }
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || id <= 0) throw new CliError(`restore ${sub ?? ""} needs a job id`);
      if (sub === "get") {
        const job = await api("GET", `/restores/${id}`);
        print(job, [
          ["JOB", "STATE", "PERCENT", "ERROR"],
          [job.id, job.state, job.percent ?? "-", job.error ?? ""],
        ]);
        return job.state === "failed" ? 1 : 0;
      }
      if (sub === "wait") {
        const deadline = Date.now() + parseDuration(flags.timeout ?? "6h");
        const interval = parseDuration(flags.interval ?? "5");
        for (;;) {
          const job = await api("GET", `/restores/${id}`);
          if (FINAL.has(job.state)) {
            print(job, [
              ["JOB", "STATE", "BYTES", "ERROR"],
              [job.id, job.state, job.bytesDone, job.error ?? ""],
            ]);
            return job.state === "succeeded" ? 0 : 1;
          }
          if (Date.now() >= deadline) throw new CliError(`job ${id} is still ${job.state} after --timeout`);
          await sleep(interval);
        }
      }
      throw new CliError(`unknown restore command "${sub ?? ""}" (start, wait, get)`);
    }
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

const invokedDirectly = process.argv[1] && /borg-fleet(\.mjs)?$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`borg-fleet: ${err instanceof CliError ? err.message : (err?.stack ?? err)}\n`);
      process.exit(2);
    },
  );
}

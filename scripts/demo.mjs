#!/usr/bin/env node
// `npm run demo`: from a fresh clone to a running dashboard over a seeded demo fleet.
//
//   1. install what is missing: Debian borgbackup (only when `borg` is not found), npm packages
//      (`npm ci` when node_modules is missing or does not match package-lock.json);
//   2. seed the demo fleet under .demo/ (real encrypted borg repos; reused on later runs) and the demo
//      users (admin, operator on some hosts, viewer) with random passwords: printed, and kept in
//      <dir>/credentials.json;
//   3. `next build` only when the sources changed since the last build;
//   4. the production server (scripts/server.mjs: `next start` plus the real client address) on port
//      3000 (PORT or --port overrides) with BORG_FLEET_CONFIG=<dir>/fleet.yml;
//   5. with --stack, first Prometheus (:9090), Alertmanager (:9093) and node_exporter (:9100) from the
//      Debian packages, on loopback, with the shipped prometheus/ configuration (scripts/lib/stack.mjs):
//      Prometheus scrapes the demo, the stale demo host fires BorgMissingBackup (after its `for: 2m`),
//      Alertmanager posts it to the dashboard's /api/alerts, and the overview shows it.
//
// The dashboard's alert token (ALERTS_TOKEN) is $ALERTS_TOKEN or prometheus/secrets/alerts_token,
// generated on first use: the file the shipped alertmanager.yml reads (also prometheus/run-local-stack.sh).
//
// Node builtins only: this runs before `npm ci`.
import fs from "node:fs";
import net from "node:net";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildInputsHash, buildIsFresh, hasBuild, nextBuild } from "./lib/build.mjs";
import { ensureAptPackages, ensureNodeModules } from "./lib/install.mjs";
import { color, formatDuration, installSignalHandlers, isStopping, log, run } from "./lib/proc.mjs";
import { DEFAULT_STACK_PORTS, ensureAlertsToken, STACK_PACKAGES, startStack } from "./lib/stack.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: npm run demo -- [options]

  --dir <path>     demo directory (default .demo, git-ignored)
  --port <n>       port for the dashboard (default $PORT or 3000)
  --seed-only      seed the demo fleet and exit
  --no-install     do not check or install Debian/npm packages
  --no-build       do not rebuild: use the existing .next build even if sources changed
  --reseed         throw the demo directory away and seed it again
  --stack          also run Prometheus, Alertmanager and node_exporter (Debian packages) on loopback
                   with the shipped prometheus/ configuration; data in <dir>/monitoring
  --prometheus-port <n>     with --stack (default ${DEFAULT_STACK_PORTS.prometheus})
  --alertmanager-port <n>   with --stack (default ${DEFAULT_STACK_PORTS.alertmanager})
  --node-exporter-port <n>  with --stack (default ${DEFAULT_STACK_PORTS.nodeExporter})
  --stack-quick    with --stack: scrape and evaluate every 5 s, notify after 1 s (tests); the alert
                   rules are unchanged (BorgMissingBackup still waits its 2 minutes)
  -h, --help       this text`;

function parseArgs(argv) {
  const opts = {
    dir: ".demo",
    port: process.env.PORT || "3000",
    seedOnly: false,
    install: true,
    build: true,
    reseed: false,
    stack: false,
    stackQuick: false,
    stackPorts: { ...DEFAULT_STACK_PORTS },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") fail(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--dir":
        opts.dir = value();
        break;
      case "--port":
        opts.port = value();
        break;
      case "--seed-only":
        opts.seedOnly = true;
        break;
      case "--no-install":
        opts.install = false;
        break;
      case "--no-build":
        opts.build = false;
        break;
      case "--reseed":
        opts.reseed = true;
        break;
      case "--stack":
        opts.stack = true;
        break;
      case "--stack-quick":
        opts.stackQuick = true;
        break;
      case "--prometheus-port":
        opts.stackPorts.prometheus = value();
        break;
      case "--alertmanager-port":
        opts.stackPorts.alertmanager = value();
        break;
      case "--node-exporter-port":
        opts.stackPorts.nodeExporter = value();
        break;
      case "-h":
      case "--help":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  const port = (p) => {
    if (!/^\d+$/.test(String(p)) || Number(p) < 1 || Number(p) > 65535) fail(`invalid port "${p}"`);
    return Number(p);
  };
  opts.port = port(opts.port);
  for (const key of Object.keys(opts.stackPorts)) opts.stackPorts[key] = port(opts.stackPorts[key]);
  const all = [opts.port, ...Object.values(opts.stackPorts)];
  if (opts.stack && new Set(all).size !== all.length) fail(`the dashboard and stack ports must differ (${all.join(", ")})`);
  if (opts.stackQuick && !opts.stack) fail("--stack-quick needs --stack");
  opts.dir = path.resolve(ROOT, opts.dir);
  return opts;
}

function fail(message) {
  process.stderr.write(`${color.red("demo:")} ${message}\n`);
  process.exit(2);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Resolves once the server answers HTTP on the port (any status), or false when the child exited. */
async function waitForHttp(port, childDone) {
  let done = false;
  childDone.then(() => (done = true));
  while (!done && !isStopping()) {
    const ok = await new Promise((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/api/health", timeout: 2000 }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => {
        req.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  installSignalHandlers({ onStop: (signal) => log("demo", `${signal}: stopping…`) });
  const started = Date.now();
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

  if (opts.install) {
    const packages = [{ pkg: "borgbackup", bins: ["borg"] }, ...(opts.stack ? STACK_PACKAGES : [])];
    if (!(await ensureAptPackages(packages, { scope: "demo" }))) process.exit(1);
    if (!(await ensureNodeModules(ROOT, { scope: "demo" }))) process.exit(1);
  } else if (!fs.existsSync(path.join(ROOT, "node_modules", ".bin", "tsx"))) {
    fail("node_modules is missing and --no-install was given: run npm ci first");
  }

  // Seed (or reuse) the demo fleet.
  const seedArgs = [path.join(ROOT, "scripts", "seed-demo.ts"), "--dir", opts.dir];
  if (opts.reseed) seedArgs.push("--reseed");
  const seed = await run(path.join(ROOT, "node_modules", ".bin", "tsx"), seedArgs, { cwd: ROOT, env });
  if (seed.code !== 0) {
    if (!isStopping()) log("demo", color.red(`seeding failed (exit ${seed.code ?? seed.signal})`));
    process.exit(seed.code || 1);
  }
  const configFile = path.join(opts.dir, "fleet.yml");
  if (opts.seedOnly) {
    log("demo", `seeded ${opts.dir} in ${formatDuration(Date.now() - started)}; config: ${configFile}`);
    return;
  }

  // Build only when needed. A demo dir inside the checkout is not a build input.
  const hash = buildInputsHash(ROOT, [opts.dir]);
  if (!opts.build && hasBuild(ROOT)) {
    log("demo", "--no-build: using the existing .next build");
  } else if (buildIsFresh(ROOT, hash)) {
    log("demo", "build is up to date (sources unchanged since the last next build)");
  } else {
    if (!opts.build) log("demo", "--no-build given but there is no build yet: building once");
    if (!(await nextBuild(ROOT, { scope: "demo", extraIgnores: [opts.dir] }))) process.exit(isStopping() ? 130 : 1);
  }

  if (!(await portIsFree(opts.port))) fail(`port ${opts.port} is already in use (set --port or PORT)`);
  if (opts.stack) {
    for (const [name, p] of Object.entries(opts.stackPorts)) {
      if (!(await portIsFree(p))) fail(`port ${p} (${name}) is already in use (set --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-port)`);
    }
  }

  // The alert inbox refuses posts without a token: the demo uses (and if needed creates) one.
  const tokenFile = ensureAlertsToken(ROOT, env);
  delete env.ALERTS_TOKEN;

  let stack = null;
  if (opts.stack) {
    const monitoringDir = path.join(opts.dir, "monitoring");
    try {
      stack = await startStack({
        root: ROOT,
        monitoringDir,
        dashboardPort: opts.port,
        ports: opts.stackPorts,
        quick: opts.stackQuick,
        tokenFile,
        log: (m) => log("demo", m),
      });
    } catch (err) {
      if (!isStopping()) log("demo", color.red(`monitoring stack: ${err instanceof Error ? err.message : err}`));
      process.exit(1);
    }
  }

  // Loopback unless HOST says otherwise: the demo users' passwords sit in <dir>/credentials.json.
  const host = process.env.HOST || "127.0.0.1";
  const shownConfig = path.relative(ROOT, configFile).startsWith("..") ? configFile : path.relative(ROOT, configFile);
  log("demo", `node scripts/server.mjs -H ${host} -p ${opts.port} (BORG_FLEET_CONFIG=${shownConfig})`);
  const server = run(process.execPath, [path.join(ROOT, "scripts", "server.mjs"), "-H", host, "-p", String(opts.port)], {
    cwd: ROOT,
    env: { ...env, BORG_FLEET_CONFIG: configFile, PORT: String(opts.port), ALERTS_TOKEN_FILE: tokenFile },
  });
  if (await waitForHttp(opts.port, server)) {
    const url = `http://localhost:${opts.port}/`;
    process.stdout.write(
      `\n  ${color.green("borg-fleet demo is running")} (ready ${formatDuration(Date.now() - started)} after start)\n` +
        `  ${color.bold(url)}\n` +
        `  fleet config: ${configFile}\n` +
        (stack
          ? `  Prometheus ${stack.processes.find((p) => p.name === "prometheus").url}  Alertmanager ${stack.processes.find((p) => p.name === "alertmanager").url}  node_exporter ${stack.processes.find((p) => p.name === "node_exporter").url}\n` +
            `  The stale demo host fires BorgMissingBackup after about ${opts.stackQuick ? "2" : "4"} minutes; it then shows on the overview.\n`
          : "") +
        `  Ctrl-C stops the server${stack ? " and the monitoring stack" : ""}.\n\n`,
    );
  }
  // Whichever exits first (the server, or a part of the stack) ends the demo; the exit handler stops the rest.
  const exited = await Promise.race([
    server.then((r) => ({ name: "server", r })),
    ...(stack?.processes ?? []).map((p) => p.done.then((r) => ({ name: p.name, r }))),
  ]);
  if (!isStopping()) {
    const { name, r } = exited;
    log("demo", r.code === 0 && name === "server" ? "server exited" : color.red(`${name} exited (${r.code ?? r.signal})`));
    process.exit(name === "server" ? (r.code ?? 1) : r.code || 1);
  }
}

main().catch((err) => {
  process.stderr.write(`${color.red("demo:")} ${err?.stack ?? err}\n`);
  process.exit(1);
});

#!/usr/bin/env node
// `npm run demo`: from a fresh clone to a running dashboard over a seeded demo fleet.
//
//   1. install what is missing: Debian borgbackup (only when `borg` is not found), npm packages
//      (`npm ci` when node_modules is missing or does not match package-lock.json);
//   2. seed the demo fleet under .demo/ (real encrypted borg repos; reused on later runs);
//   3. `next build` only when the sources changed since the last build;
//   4. `next start` on port 3000 (PORT or --port overrides) with BORG_FLEET_CONFIG=<dir>/fleet.yml.
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: npm run demo -- [options]

  --dir <path>     demo directory (default .demo, git-ignored)
  --port <n>       port for next start (default $PORT or 3000)
  --seed-only      seed the demo fleet and exit
  --no-install     do not check or install Debian/npm packages
  --no-build       do not rebuild: use the existing .next build even if sources changed
  --reseed         throw the demo directory away and seed it again
  -h, --help       this text`;

function parseArgs(argv) {
  const opts = { dir: ".demo", port: process.env.PORT || "3000", seedOnly: false, install: true, build: true, reseed: false };
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
      case "-h":
      case "--help":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  if (!/^\d+$/.test(String(opts.port)) || Number(opts.port) < 1 || Number(opts.port) > 65535) fail(`invalid port "${opts.port}"`);
  opts.port = Number(opts.port);
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
    if (!(await ensureAptPackages([{ pkg: "borgbackup", bins: ["borg"] }], { scope: "demo" }))) process.exit(1);
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

  const shownConfig = path.relative(ROOT, configFile).startsWith("..") ? configFile : path.relative(ROOT, configFile);
  log("demo", `next start -p ${opts.port} (BORG_FLEET_CONFIG=${shownConfig})`);
  const server = run(path.join(ROOT, "node_modules", ".bin", "next"), ["start", "-p", String(opts.port)], {
    cwd: ROOT,
    env: { ...env, BORG_FLEET_CONFIG: configFile, PORT: String(opts.port) },
  });
  if (await waitForHttp(opts.port, server)) {
    const url = `http://localhost:${opts.port}/`;
    process.stdout.write(
      `\n  ${color.green("borg-fleet demo is running")} (ready ${formatDuration(Date.now() - started)} after start)\n` +
        `  ${color.bold(url)}\n` +
        `  fleet config: ${configFile}\n` +
        `  Ctrl-C stops the server.\n\n`,
    );
  }
  const r = await server;
  if (!isStopping()) {
    log("demo", r.code === 0 ? "server exited" : color.red(`server exited (${r.code ?? r.signal})`));
    process.exit(r.code ?? 1);
  }
}

main().catch((err) => {
  process.stderr.write(`${color.red("demo:")} ${err?.stack ?? err}\n`);
  process.exit(1);
});

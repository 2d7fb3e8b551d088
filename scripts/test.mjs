#!/usr/bin/env node
// `npm test`: install what the test suite needs, then lint, format check, unused-code check (knip),
// typecheck, unit tests, build and e2e, failing fast, with a summary line per step.
//
//   npm test                          everything (what CI runs: .ci/run)
//   npm test -- --only=unit,e2e       some steps (e2e rebuilds first only if sources changed)
//   npm test -- --skip=build          everything but some steps
//   npm test -- --keep-going          run every selected step even after a failure
//   npm test -- --no-install          do not check/install Debian or npm packages
//   npm test -- --only=unit -- lib/borg   extra arguments after a second `--` go to the single selected step
//
// Node builtins only: this runs before `npm ci`.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildInputsHash, buildIsFresh, nextBuild } from "./lib/build.mjs";
import { ensureAptPackages, ensureNodeModules } from "./lib/install.mjs";
import { color, formatDuration, installSignalHandlers, isStopping, log, run } from "./lib/proc.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(ROOT, "node_modules", ".bin", name);

/** Debian packages the whole suite uses (real borg, sshd, Prometheus stack, Chromium for Playwright...). */
const APT_PACKAGES = [
  { pkg: "borgbackup", bins: ["borg"] },
  { pkg: "chromium", bins: ["chromium"] },
  { pkg: "openssh-server", bins: ["sshd"] },
  { pkg: "prometheus", bins: ["prometheus", "promtool"] },
  { pkg: "prometheus-alertmanager", bins: ["prometheus-alertmanager", "amtool"] },
  { pkg: "prometheus-node-exporter", bins: ["prometheus-node-exporter"] },
  { pkg: "docker-compose", bins: ["docker-compose"] },
  { pkg: "btrfs-progs", bins: ["mkfs.btrfs"] },
  { pkg: "shellcheck", bins: ["shellcheck"] },
  // The reverse-proxy e2e suite runs the shipped deploy/nginx config in front of the dashboard.
  { pkg: "nginx", bins: ["nginx"] },
  // The backup script's database dumps (test/kit/database-dump.test.ts starts a throwaway cluster).
  { pkg: "postgresql", bins: ["pg_ctlcluster", "pg_dump", "pg_restore"] },
  // The backup script's run reports (curl) and the key escrow's encryption at rest (gpg).
  { pkg: "curl", bins: ["curl"] },
  { pkg: "gnupg", bins: ["gpg", "gpgconf"] },
];

/**
 * The steps, in order. `needsApt`: the step runs real borg/sshd/prometheus/chromium.
 * @type {{ name: string, title: string, cmd: string, args: string[], needsApt: boolean, aliases?: string[] }[]}
 */
/** Machine-readable reports of the test runners (git-ignored), read back for the closing count. */
const REPORTS = ".test-tmp/reports";

const STEPS = [
  { name: "lint", title: "eslint --max-warnings=0 .", cmd: bin("eslint"), args: ["--max-warnings=0", "."], needsApt: false, aliases: ["eslint"] },
  // The tree stays formatted (.prettierrc.json) and free of unused files, exports and dependencies (knip.json).
  { name: "format", title: "prettier --check .", cmd: bin("prettier"), args: ["--check", "--log-level=warn", "."], needsApt: false, aliases: ["prettier"] },
  { name: "knip", title: "knip", cmd: bin("knip"), args: ["--no-progress"], needsApt: false, aliases: ["unused"] },
  { name: "typecheck", title: "tsc --noEmit", cmd: bin("tsc"), args: ["--noEmit"], needsApt: false, aliases: ["tsc", "types"] },
  // Both test runners also write a JSON report, so the summary can count tests across them.
  {
    name: "unit",
    title: "vitest run",
    cmd: bin("vitest"),
    args: ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${REPORTS}/vitest.json`],
    needsApt: true,
    aliases: ["vitest"],
  },
  { name: "build", title: "next build", cmd: bin("next"), args: ["build"], needsApt: false, aliases: ["next"] },
  { name: "e2e", title: "playwright test", cmd: bin("playwright"), args: ["test", "--reporter=list,json"], needsApt: true, aliases: ["playwright"] },
];

const USAGE = `Usage: npm test -- [options] [-- extra args for the single selected step]

  --only=<steps>   comma-separated subset of: ${STEPS.map((s) => s.name).join(", ")}
  --skip=<steps>   run everything except these
  --keep-going     do not stop at the first failing step
  --no-install     do not check or install Debian/npm packages
  --list           print the steps and exit
  -h, --help       this text`;

function fail(message) {
  process.stderr.write(`${color.red("test:")} ${message}\n`);
  process.exit(2);
}

function stepNames(list) {
  return list
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .map((name) => {
      const step = STEPS.find((s) => s.name === name || s.aliases?.includes(name));
      if (!step) fail(`unknown step "${name}" (steps: ${STEPS.map((s) => s.name).join(", ")})`);
      return step.name;
    });
}

function parseArgs(argv) {
  const opts = { only: null, skip: [], keepGoing: false, install: true, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (arg === "--") {
      opts.extra = argv.slice(i + 1);
      break;
    } else if (flag === "--only") opts.only = stepNames(value());
    else if (flag === "--skip") opts.skip = stepNames(value());
    else if (arg === "--keep-going") opts.keepGoing = true;
    else if (arg === "--no-install") opts.install = false;
    else if (arg === "--list") {
      for (const s of STEPS) console.log(`${s.name.padEnd(10)} ${s.title}`);
      process.exit(0);
    } else if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option ${arg}\n\n${USAGE}`);
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  installSignalHandlers({ onStop: (signal) => log("test", `${signal}: stopping…`) });
  const selected = STEPS.filter((s) => (opts.only ? opts.only.includes(s.name) : true) && !opts.skip.includes(s.name));
  if (selected.length === 0) fail("no step selected");
  if (opts.extra.length > 0 && selected.length !== 1) fail("extra arguments after -- need exactly one selected step (--only=<step>)");

  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    FORCE_COLOR: process.stdout.isTTY ? "1" : process.env.FORCE_COLOR,
    PLAYWRIGHT_JSON_OUTPUT_NAME: path.join(ROOT, REPORTS, "playwright.json"),
  };
  fs.rmSync(path.join(ROOT, REPORTS), { recursive: true, force: true });
  fs.mkdirSync(path.join(ROOT, REPORTS), { recursive: true });
  if (env.FORCE_COLOR === undefined) delete env.FORCE_COLOR;
  /** @type {{ name: string, status: "passed" | "failed" | "skipped", ms: number, note?: string }[]} */
  const results = [];
  const t0 = Date.now();

  if (opts.install) {
    const started = Date.now();
    let ok = true;
    if (selected.some((s) => s.needsApt)) ok = await ensureAptPackages(APT_PACKAGES, { scope: "test" });
    if (ok) ok = await ensureNodeModules(ROOT, { scope: "test" });
    results.push({ name: "install", status: ok ? "passed" : "failed", ms: Date.now() - started });
  }

  let failed = results.some((r) => r.status === "failed");
  for (const step of selected) {
    if ((failed && !opts.keepGoing) || isStopping()) {
      results.push({ name: step.name, status: "skipped", ms: 0, note: isStopping() ? "interrupted" : "earlier step failed" });
      continue;
    }
    const started = Date.now();
    let note;
    let ok = true;
    // e2e runs against a production build: rebuild first when the sources changed since the last one.
    if (step.name === "e2e" && !selected.some((s) => s.name === "build") && !buildIsFresh(ROOT, buildInputsHash(ROOT))) {
      log("test", "e2e: the build is missing or older than the sources, building first");
      ok = await nextBuild(ROOT, { scope: "test" });
      note = "rebuilt first";
    }
    if (ok) {
      process.stdout.write(`\n${color.bold(`▶ ${step.name}`)} ${color.dim(`(${step.title}${opts.extra.length ? " " + opts.extra.join(" ") : ""})`)}\n`);
      if (step.name === "build") ok = await nextBuild(ROOT, { scope: "test" });
      else {
        const r = await run(step.cmd, [...step.args, ...opts.extra], { cwd: ROOT, env });
        ok = r.code === 0;
        if (r.error) note = r.error.code === "ENOENT" ? `${path.relative(ROOT, step.cmd)} not found (npm ci?)` : String(r.error.message);
        else if (!ok) note = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
      }
    }
    results.push({ name: step.name, status: ok ? "passed" : "failed", ms: Date.now() - started, note });
    if (!ok) failed = true;
  }

  const mark = { passed: color.green("✔ passed "), failed: color.red("✘ FAILED "), skipped: color.yellow("- skipped") };
  process.stdout.write(`\n${color.bold("Summary")}\n`);
  for (const r of results) {
    process.stdout.write(`  ${mark[r.status]}  ${r.name.padEnd(10)} ${formatDuration(r.ms).padStart(7)}${r.note ? color.dim(`  (${r.note})`) : ""}\n`);
  }
  const counts = countTests();
  if (counts) {
    // One plain line with the totals of both runners (vitest + Playwright), for people and CI logs.
    process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}\n`);
  }
  const total = formatDuration(Date.now() - t0);
  process.stdout.write(failed ? `${color.red(color.bold("FAILED"))} in ${total}\n` : `${color.green(color.bold("OK"))} in ${total}\n`);
  process.exit(failed ? 1 : isStopping() ? 130 : 0);
}

/** Totals from the runners' JSON reports of this run; null when neither ran. */
function countTests() {
  const read = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, REPORTS, name), "utf8"));
    } catch {
      return null;
    }
  };
  const vitest = read("vitest.json");
  const playwright = read("playwright.json");
  if (!vitest && !playwright) return null;
  return {
    passed: (vitest?.numPassedTests ?? 0) + (playwright?.stats?.expected ?? 0) + (playwright?.stats?.flaky ?? 0),
    failed: (vitest?.numFailedTests ?? 0) + (playwright?.stats?.unexpected ?? 0),
    skipped: (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0) + (playwright?.stats?.skipped ?? 0),
  };
}

main().catch((err) => {
  process.stderr.write(`${color.red("test:")} ${err?.stack ?? err}\n`);
  process.exit(1);
});

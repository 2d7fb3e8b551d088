// "Build only when sources changed": a hash of everything `next build` reads, stored next to the
// build output. Shared by `npm run demo` and `npm test` so either one can reuse the other's build.
import fs from "node:fs";
import path from "node:path";
import { hashTree } from "./install.mjs";
import { color, formatDuration, log, run } from "./proc.mjs";

export const BUILD_HASH_FILE = path.join(".next", "borg-fleet-build-hash");

/** Top-level entries that never change what `next build` produces. */
const NOT_BUILD_INPUTS = new Set([
  ".git",
  ".next",
  ".ci",
  ".demo",
  ".bench",
  ".test-tmp",
  ".github",
  ".vscode",
  "node_modules",
  "coverage",
  "docs",
  "e2e",
  "test",
  "scripts",
  "prometheus",
  "grafana",
  "deploy",
  "client",
  "out",
  "test-results",
  "playwright-report",
  "blob-report",
  "next-env.d.ts", // written by next build itself
  "tsconfig.tsbuildinfo",
  "docker-compose.yml",
  ".dockerignore",
  ".gitignore",
]);

/** Config files of tools other than Next (any extension). */
const TOOL_CONFIG = /^(vitest|playwright|eslint|prettier|stylelint)\.config\.[cm]?[jt]s$/;

/**
 * Hash of the build inputs: sources (app/, components/, lib/, public/, configs...), package.json and
 * package-lock.json, plus the Node version. Tests, docs and scratch directories are left out so
 * editing them does not force a rebuild.
 * @param {string} root repository root
 * @param {string[]} [extraIgnores] absolute paths to leave out (e.g. a demo dir inside the checkout)
 */
export function buildInputsHash(root, extraIgnores = []) {
  const ignoreAbs = extraIgnores.map((p) => path.resolve(p));
  const entries = fs
    .readdirSync(root)
    .filter((name) => !NOT_BUILD_INPUTS.has(name) && !TOOL_CONFIG.test(name) && !/\.(md|log)$/i.test(name) && !/^Dockerfile/.test(name));
  const ignore = (rel, st) => {
    const abs = path.join(root, rel);
    if (ignoreAbs.some((p) => abs === p || abs.startsWith(p + path.sep))) return true;
    if (st.isFile() && /\.(test|spec)\.[cm]?[jt]sx?$/.test(rel)) return true;
    const base = path.basename(rel);
    return base === "node_modules" || base === ".DS_Store" || base.startsWith(".#");
  };
  return `node ${process.version}\n${hashTree(root, entries, { ignore })}`;
}

export function readBuildHash(root) {
  try {
    return fs.readFileSync(path.join(root, BUILD_HASH_FILE), "utf8");
  } catch {
    return null;
  }
}

export function hasBuild(root) {
  return fs.existsSync(path.join(root, ".next", "BUILD_ID"));
}

/** Is the current .next build made from the current sources? */
export function buildIsFresh(root, hash = buildInputsHash(root)) {
  return hasBuild(root) && readBuildHash(root) === hash;
}

/**
 * `next build`, recording the hash of the inputs as they were when the build started.
 * @returns {Promise<boolean>}
 */
export async function nextBuild(root, { scope = "build", extraIgnores = [], env } = {}) {
  const hash = buildInputsHash(root, extraIgnores);
  const started = Date.now();
  // A failed or interrupted build must not leave a hash that claims the output is fresh.
  fs.rmSync(path.join(root, BUILD_HASH_FILE), { force: true });
  log(scope, "next build");
  const r = await run(path.join(root, "node_modules", ".bin", "next"), ["build"], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env },
  });
  if (r.code !== 0) {
    log(scope, color.red(`next build failed (exit ${r.code ?? r.signal}) after ${formatDuration(Date.now() - started)}`));
    return false;
  }
  fs.writeFileSync(path.join(root, BUILD_HASH_FILE), hash);
  log(scope, `next build done in ${formatDuration(Date.now() - started)}`);
  return true;
}

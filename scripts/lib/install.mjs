// "Install what is missing" for the bootstrap scripts: Debian packages through apt-get and npm
// packages through `npm ci`. Node builtins only (this runs before node_modules exists).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { capture, color, log, run, which } from "./proc.mjs";

/**
 * @typedef {{ pkg: string, bins?: string[] }} AptPackage
 * `bins`: executables that prove the package (or an equivalent install, e.g. borg from pip) is present.
 */

/** Is a Debian package installed? null when dpkg is not available (not Debian). */
export function dpkgInstalled(pkg) {
  if (!which("dpkg-query")) return null;
  const r = capture("dpkg-query", ["-W", "-f=${Status}", pkg]);
  return r.code === 0 && /\binstall ok installed\b/.test(r.stdout);
}

/** Packages from `wanted` that are neither installed as packages nor present as executables. */
export function missingAptPackages(wanted) {
  return wanted.filter(({ pkg, bins = [] }) => {
    if (bins.length > 0 && bins.every((b) => which(b))) return false;
    return dpkgInstalled(pkg) !== true;
  });
}

let aptUpdated = false;

/**
 * Install the missing packages: `apt-get update` once per process, then
 * `apt-get install -y --no-install-recommends`. Returns true when everything is present afterwards.
 * @param {AptPackage[]} wanted
 * @param {{ scope?: string }} [opts]
 */
export async function ensureAptPackages(wanted, { scope = "install" } = {}) {
  const missing = missingAptPackages(wanted);
  if (missing.length === 0) {
    log(scope, `Debian packages present: ${wanted.map((w) => w.pkg).join(", ")}`);
    return true;
  }
  const names = missing.map((m) => m.pkg);
  if (!which("apt-get")) {
    log(scope, color.red(`missing ${names.join(", ")} and apt-get is not available: install them by hand`));
    return false;
  }
  const sudo = process.getuid?.() === 0 ? [] : which("sudo") ? ["sudo", "-n", "--preserve-env=DEBIAN_FRONTEND"] : null;
  if (!sudo) {
    log(scope, color.red(`missing ${names.join(", ")}: run as root (or install sudo) so apt-get can install them`));
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (args) => (sudo.length ? run(sudo[0], [...sudo.slice(1), "apt-get", ...args], { env }) : run("apt-get", args, { env }));
  if (!aptUpdated) {
    log(scope, "apt-get update");
    const r = await apt(["update"]);
    if (r.code !== 0) {
      log(scope, color.red(`apt-get update failed (exit ${r.code ?? r.signal})`));
      return false;
    }
    aptUpdated = true;
  }
  log(scope, `apt-get install -y --no-install-recommends ${names.join(" ")}`);
  const r = await apt(["install", "-y", "--no-install-recommends", ...names]);
  if (r.code !== 0) {
    log(scope, color.red(`apt-get install failed (exit ${r.code ?? r.signal})`));
    return false;
  }
  const still = missingAptPackages(missing);
  if (still.length > 0) {
    log(scope, color.red(`still missing after apt-get install: ${still.map((m) => m.pkg).join(", ")}`));
    return false;
  }
  return true;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/**
 * Why node_modules does not match package-lock.json, or null when it does.
 * Compares the lockfile with npm's hidden lockfile (node_modules/.package-lock.json, written by
 * every npm install/ci): same packages at the same versions. Optional packages (platform-specific
 * binaries for other systems) may be absent.
 */
export function nodeModulesStaleReason(root) {
  const lockFile = path.join(root, "package-lock.json");
  const lock = readJson(lockFile);
  if (!lock?.packages) return "package-lock.json is missing or unreadable";
  const nm = path.join(root, "node_modules");
  if (!fs.existsSync(nm)) return "node_modules is missing";
  const hidden = readJson(path.join(nm, ".package-lock.json"));
  if (!hidden?.packages) return "node_modules/.package-lock.json is missing (node_modules not installed by npm ci)";
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === "" || !key.startsWith("node_modules/") || entry.link) continue;
    const installed = hidden.packages[key];
    if (!installed) {
      if (entry.optional) continue;
      return `${key.slice("node_modules/".length)} is not installed`;
    }
    if (installed.version !== entry.version) return `${key.slice("node_modules/".length)} is ${installed.version}, package-lock.json wants ${entry.version}`;
  }
  for (const key of Object.keys(hidden.packages)) {
    if (key.startsWith("node_modules/") && !lock.packages[key]) return `${key.slice("node_modules/".length)} is installed but not in package-lock.json`;
  }
  // npm keeps the hidden lockfile even if a package directory was deleted by hand.
  for (const bin of ["next", "tsx"]) {
    if (lock.packages[`node_modules/${bin}`] && !fs.existsSync(path.join(nm, ".bin", bin))) return `node_modules/.bin/${bin} is missing`;
  }
  return null;
}

/** Toolchain node-gyp needs if a native module (better-sqlite3) has to be compiled. */
const NATIVE_TOOLCHAIN = [
  { pkg: "g++", bins: ["g++"] },
  { pkg: "make", bins: ["make"] },
  { pkg: "python3", bins: ["python3"] },
];

/** `npm ci` when node_modules is missing or does not match package-lock.json. */
export async function ensureNodeModules(root, { scope = "install" } = {}) {
  const reason = nodeModulesStaleReason(root);
  if (!reason) {
    log(scope, "node_modules matches package-lock.json");
    return true;
  }
  log(scope, `npm ci (${reason})`);
  // better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
  if (missingAptPackages(NATIVE_TOOLCHAIN).length > 0 && !(await ensureAptPackages(NATIVE_TOOLCHAIN, { scope }))) return false;
  const r = await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root });
  if (r.code !== 0) {
    log(scope, color.red(`npm ci failed (exit ${r.code ?? r.signal})`));
    return false;
  }
  return true;
}

/** sha256 over a list of files and directories (recursive; paths sorted; contents and modes). */
export function hashTree(root, entries, { ignore = () => false } = {}) {
  const hash = crypto.createHash("sha256");
  const walk = (rel) => {
    const abs = path.join(root, rel);
    let st;
    try {
      st = fs.lstatSync(abs);
    } catch {
      hash.update(`missing ${rel}\n`);
      return;
    }
    if (ignore(rel, st)) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) walk(rel ? path.join(rel, name) : name);
    } else if (st.isSymbolicLink()) {
      hash.update(`link ${rel} ${fs.readlinkSync(abs)}\n`);
    } else if (st.isFile()) {
      hash.update(`file ${rel} ${st.size} ${st.mode & 0o111 ? "x" : "-"}\n`);
      hash.update(fs.readFileSync(abs));
    }
  };
  for (const e of [...entries].sort()) walk(e);
  return hash.digest("hex");
}

// Child-process helpers for the bootstrap scripts (node builtins only: these run before `npm ci`).
//
// Children stay in our process group, so a Ctrl-C in the terminal (and a supervisor that kills the
// whole group, as Playwright does with its webServer) reaches them too. On SIGINT the parent gives
// them a moment to stop on their own, then sends SIGTERM; on SIGTERM/SIGHUP it forwards SIGTERM at
// once; SIGKILL after a grace period. It exits with 130 / 143 / 129 once they are gone, so no
// server is left holding the port.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** @type {Set<import("node:child_process").ChildProcess>} */
const live = new Set();
let stopping = false;

export function isStopping() {
  return stopping;
}

function signalChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    /* already gone */
  }
}

const sleep = (ms) =>
  new Promise((r) => {
    const t = setTimeout(() => r("timeout"), ms);
    t.unref();
  });

async function stopAll(signal, graceMs = 10_000) {
  const children = [...live];
  const exited = Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  // After a terminal Ctrl-C the children got SIGINT too: let them finish their own cleanup first.
  if (signal === "SIGINT" && (await Promise.race([exited, sleep(2_000)])) !== "timeout") return;
  for (const child of children) signalChild(child, "SIGTERM");
  if ((await Promise.race([exited, sleep(graceMs)])) === "timeout") {
    for (const child of live) signalChild(child, "SIGKILL");
  }
}

let handlersInstalled = false;
/** Forward SIGINT/SIGTERM/SIGHUP to children, then exit once they are gone. Idempotent. */
export function installSignalHandlers({ onStop } = {}) {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [signal, code] of Object.entries(codes)) {
    process.on(signal, () => {
      if (stopping) {
        // Second Ctrl-C: do not wait any longer.
        for (const child of live) signalChild(child, "SIGKILL");
        process.exit(code);
      }
      stopping = true;
      onStop?.(signal);
      stopAll(signal).finally(() => process.exit(code));
    });
  }
  // Last resort: never leave a group behind if we exit for another reason.
  process.on("exit", () => {
    for (const child of live) signalChild(child, "SIGKILL");
  });
}

/**
 * Run a command with argument array (never a shell), streaming its output.
 * Resolves with { code, signal }; never rejects for a non-zero exit (callers decide).
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, stdin?: "ignore" | "inherit", prefix?: string }} [opts]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, error?: Error }>}
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    if (stopping) return resolve({ code: null, signal: "SIGTERM" });
    const piped = Boolean(opts.prefix);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.stdin ?? "ignore", piped ? "pipe" : "inherit", piped ? "pipe" : "inherit"],
    });
    live.add(child);
    if (piped) {
      prefixLines(child.stdout, process.stdout, opts.prefix);
      prefixLines(child.stderr, process.stderr, opts.prefix);
    }
    child.once("error", (error) => {
      live.delete(child);
      resolve({ code: null, signal: null, error });
    });
    child.once("close", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
}

function prefixLines(from, to, prefix) {
  let pending = "";
  from.setEncoding("utf8");
  from.on("data", (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) to.write(`${prefix}${line}\n`);
  });
  from.on("end", () => {
    if (pending) to.write(`${prefix}${pending}\n`);
  });
}

/** Run and capture stdout (for quick queries such as dpkg-query). Never throws. */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/** Full path of an executable on PATH (plus the sbin directories, which root may lack), or null. */
export function which(name, extraDirs = ["/usr/sbin", "/sbin", "/usr/local/sbin"]) {
  if (name.includes("/")) return isExecutable(name) ? name : null;
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** "12.3s" / "1m04s" */
export function formatDuration(ms) {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const color = { bold: paint("1"), dim: paint("2"), red: paint("31"), green: paint("32"), yellow: paint("33"), cyan: paint("36") };

export function log(scope, message) {
  process.stdout.write(`${color.cyan(`[${scope}]`)} ${message}\n`);
}

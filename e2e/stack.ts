/**
 * The monitoring stack for the e2e tests: `npm run demo -- --stack` exactly as a developer runs it
 * (scripts/demo.mjs, scripts/lib/stack.mjs), with Debian's real prometheus, prometheus-alertmanager
 * and prometheus-node-exporter, on dedicated loopback ports, over a copy of the e2e demo fleet (its
 * own dashboard data, Prometheus TSDB and Alertmanager state, so every run starts from nothing).
 *
 * A worker-scoped Playwright fixture: started once per worker and shared by alerts.spec.ts,
 * grafana.spec.ts and prometheus-source.spec.ts (BorgMissingBackup needs its real `for: 2m` once, not
 * three times); stopped when the worker ends, whatever happened (the whole process group, SIGKILL if
 * it does not stop in time).
 */
import { test as base } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_DIR } from "./demoFleet";
import { E2E_PORTS } from "./ports";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const STACK_PORTS = {
  dashboard: E2E_PORTS.stackDashboard,
  prometheus: E2E_PORTS.prometheus,
  alertmanager: E2E_PORTS.alertmanager,
  nodeExporter: E2E_PORTS.nodeExporter,
  /** A second dashboard in PROMETHEUS_URL mode (prometheus-source.spec.ts). */
  prometheusMode: E2E_PORTS.prometheusMode,
};

export const STACK_DIR = path.resolve(ROOT, process.env.E2E_STACK_DIR || ".test-tmp/e2e-stack");

export interface Stack {
  dir: string;
  dashboard: string;
  prometheus: string;
  alertmanager: string;
  log: string;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** A fresh copy of the seeded e2e demo (repos, passphrases, config, seed marker), without its data. */
function prepareDir(): void {
  if (!fs.existsSync(path.join(DEMO_DIR, "fleet.yml"))) throw new Error(`the e2e demo is not seeded in ${DEMO_DIR}`);
  fs.rmSync(STACK_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.join(STACK_DIR, ".seed"), { recursive: true });
  for (const entry of ["onsite", "offsite", "secrets", "fleet.yml"]) {
    fs.cpSync(path.join(DEMO_DIR, entry), path.join(STACK_DIR, entry), { recursive: true, preserveTimestamps: true });
  }
  fs.cpSync(path.join(DEMO_DIR, ".seed", "seed.json"), path.join(STACK_DIR, ".seed", "seed.json"));
}

/** SIGTERM to the whole process group, SIGKILL after `graceMs`. */
export async function stopGroup(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything of the group still alive (a grandchild that ignored SIGTERM): gone now.
  signal("SIGKILL");
}

/** Spawns a detached process group whose output goes to `logFile`; killed on worker exit as a last resort. */
export function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  const lastResort = () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  process.once("exit", lastResort);
  child.once("exit", () => process.removeListener("exit", lastResort));
  return child;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
}

/**
 * Waits until Prometheus reports BorgMissingBackup firing for `host` and returns that alert. The rule
 * is pending for its 2 minutes (evaluated every 60 s) after the first scrape, so this takes 2-3 minutes
 * after the stack started (and returns at once when it already fires).
 */
export async function missingBackupFiring(stack: Stack, host: string): Promise<PromAlert> {
  return waitFor(
    `BorgMissingBackup firing for ${host}`,
    async () => {
      const body = await getJson<{ data: { alerts: PromAlert[] } }>(`${stack.prometheus}/api/v1/alerts`);
      return body.data.alerts.find((a) => a.labels.alertname === "BorgMissingBackup" && a.labels.host === host && a.state === "firing");
    },
    270_000,
    2000,
  );
}

export const test = base.extend<object, { stack: Stack }>({
  stack: [
    async ({}, provide) => {
      for (const [name, port] of Object.entries(STACK_PORTS)) {
        if (!(await portIsFree(port))) throw new Error(`port ${port} (${name}) is in use: another e2e run? (E2E_*_PORT variables move it)`);
      }
      prepareDir();
      const log = path.join(STACK_DIR, "demo-stack.log");
      const child = spawnGroup(
        process.execPath,
        [
          "scripts/demo.mjs",
          "--no-install",
          "--no-build",
          "--dir",
          STACK_DIR,
          "--port",
          String(STACK_PORTS.dashboard),
          "--stack",
          "--stack-quick",
          "--prometheus-port",
          String(STACK_PORTS.prometheus),
          "--alertmanager-port",
          String(STACK_PORTS.alertmanager),
          "--node-exporter-port",
          String(STACK_PORTS.nodeExporter),
        ],
        { ...process.env, NEXT_TELEMETRY_DISABLED: "1", BORG_FLEET_PUBLIC_URL: "", PORT: "" },
        log,
      );
      const stack: Stack = {
        dir: STACK_DIR,
        dashboard: `http://127.0.0.1:${STACK_PORTS.dashboard}`,
        prometheus: `http://127.0.0.1:${STACK_PORTS.prometheus}`,
        alertmanager: `http://127.0.0.1:${STACK_PORTS.alertmanager}`,
        log,
      };
      try {
        const exited = new Promise<never>((_, reject) =>
          child.once("exit", (code, sig) =>
            reject(new Error(`demo --stack exited (${code ?? sig}); log: ${log}\n${fs.readFileSync(log, "utf8").slice(-3000)}`)),
          ),
        );
        await Promise.race([
          exited,
          waitFor(
            "the demo dashboard and Prometheus",
            async () => {
              const health = await getJson<{ status: string }>(`${stack.dashboard}/api/health`);
              const ready = await fetch(`${stack.prometheus}/-/ready`);
              return health.status === "ok" && ready.ok ? true : undefined;
            },
            150_000,
          ),
        ]);
        exited.catch(() => undefined);
        await provide(stack);
      } finally {
        await stopGroup(child);
      }
    },
    { scope: "worker", timeout: 180_000 },
  ],
});

export { expect } from "@playwright/test";

/**
 * Starts the server-side runtime once per process: picks the fleet provider (the built-in collector,
 * Prometheus when PROMETHEUS_URL is set, or a synthetic fleet for benchmarks), starts it, and opens the
 * alert inbox (POST /api/alerts). Called from instrumentation `register()`; idempotent because Next.js
 * may call it more than once and load this module in several bundles.
 */
import { AlertStore, setAlertStore } from "@/lib/alerts/store";
import { setCurrentConfig } from "@/lib/config/current";
import { ConfigError, configPathFromEnv, loadConfig } from "@/lib/config/load";
import { setDatabase, setDatabaseUnavailable } from "@/lib/db/current";
import { openDatabase, openMemoryDatabase } from "@/lib/db";
import { setFleetProvider, setStartupProblems } from "@/lib/fleet/store";
import { PingStore, setPingStore } from "@/lib/ping/store";
import { processGlobal } from "@/lib/processGlobal";
import { setPublicUrl } from "@/lib/publicUrl";

interface RuntimeStatus {
  started: boolean;
  mode: "collector" | "prometheus" | "synthetic" | "none";
  error: string | null;
  stop?: () => void;
}

const runtime = processGlobal<RuntimeStatus>("runtime");

export function runtimeStatus(): RuntimeStatus {
  return runtime.get() ?? { started: false, mode: "none", error: null };
}

export async function startRuntime(env: NodeJS.ProcessEnv = process.env): Promise<RuntimeStatus> {
  const running = runtime.get();
  if (running?.started) return running;
  const status: RuntimeStatus = { started: true, mode: "none", error: null };
  runtime.set(status);

  const synthetic = Number(env.BORG_FLEET_SYNTHETIC);
  if (Number.isInteger(synthetic) && synthetic > 0) {
    const { createSyntheticFleet } = await import("@/lib/fleet/synthetic");
    setFleetProvider(createSyntheticFleet({ hosts: synthetic }));
    // A benchmark that needs users or API tokens prepares a database and names its directory.
    const dataDir = env.BORG_FLEET_SYNTHETIC_DATA_DIR?.trim();
    const db = dataDir ? openDatabase(dataDir) : openMemoryDatabase();
    setAlertStore(new AlertStore(db));
    setDatabase(db);
    setPingStore(new PingStore(db));
    status.mode = "synthetic";
    return status;
  }

  try {
    const config = loadConfig(configPathFromEnv(env));
    setCurrentConfig(config);
    setPublicUrl(config.publicUrl);
    const db = openDatabase(config.dataDir);
    setAlertStore(new AlertStore(db));
    setDatabase(db);
    const { startAuthMaintenance } = await import("@/lib/auth/maintenance");
    startAuthMaintenance(db, env);
    // Size and capacity history stays bounded in every mode (config history.retention).
    const { startHistoryPruning } = await import("@/lib/db/history");
    startHistoryPruning(db, config.history.retention * 1000);
    setPingStore(new PingStore(db));
    // Restore jobs: jobs a previous process left running/queued become "interrupted" before anything runs.
    const { startRestoreRunner } = await import("@/lib/restore/runner");
    await startRestoreRunner(db, config);

    // The scale path: fleet state from Prometheus (collectors beside each storage server, or textfile
    // collectors on the clients) instead of this process's own collector.
    const prometheusUrl = env.PROMETHEUS_URL?.trim();
    if (prometheusUrl) {
      const { PrometheusClient } = await import("@/lib/fleet/prometheusClient");
      const { PrometheusSource } = await import("@/lib/fleet/prometheusSource");
      const timeoutMs = Number(env.PROMETHEUS_TIMEOUT_MS) > 0 ? Number(env.PROMETHEUS_TIMEOUT_MS) : 10_000;
      const intervalMs = Number(env.PROMETHEUS_REFRESH_MS) > 0 ? Number(env.PROMETHEUS_REFRESH_MS) : 30_000;
      const source = new PrometheusSource({ config, client: new PrometheusClient(prometheusUrl, { timeoutMs }), intervalMs, db });
      setFleetProvider(source);
      source.start();
      status.mode = "prometheus";
      status.stop = () => source.stop();
      return status;
    }

    const { Collector } = await import("@/lib/collector/collector");
    const { realBorgReader } = await import("@/lib/collector/realBorgReader");
    const { Semaphore } = await import("@/lib/collector/semaphore");
    // One set of borg slots for all background borg work: collector reads, checks and drills.
    const borgSlots = new Semaphore(config.collector.concurrency);
    const collector = new Collector({ config, db, borg: realBorgReader, semaphore: borgSlots });
    setFleetProvider(collector);
    if (config.collector.enabled) collector.start();
    // Integrity checks and restore drills (lib/verify): runs a dead process left "running" become
    // "interrupted" and leftover scratch copies are removed before anything is scheduled.
    const { MaintenanceScheduler, setMaintenanceScheduler } = await import("@/lib/verify/scheduler");
    const { fleetMaintenanceRepos } = await import("@/lib/verify/repos");
    const maintenance = new MaintenanceScheduler({ db, config, slots: borgSlots, repos: () => fleetMaintenanceRepos(config) });
    setMaintenanceScheduler(maintenance);
    if (config.collector.enabled) await maintenance.start();
    else await maintenance.recover();
    status.mode = "collector";
    status.stop = () => {
      collector.stop();
      void maintenance.stop(); // cancels running checks and drills (their rows end "cancelled")
    };
  } catch (err) {
    status.error = err instanceof ConfigError ? err.message : `startup failed: ${err instanceof Error ? err.message : String(err)}`;
    const problems = err instanceof ConfigError ? [`Invalid config ${err.file}:`, ...err.problems] : [status.error];
    setStartupProblems(problems);
    setDatabaseUnavailable(problems.join("\n  "));
    console.error(`[borg-fleet] ${status.error}`);
  }
  return status;
}

/**
 * Starts the server-side runtime once per process: picks the fleet provider (the built-in collector,
 * or a synthetic fleet for benchmarks) and starts it. Called from instrumentation `register()`;
 * idempotent because Next.js may call it more than once and load this module in several bundles.
 */
import { ConfigError, configPathFromEnv, loadConfig } from "@/lib/config/load";
import { openDatabase } from "@/lib/db";
import { setFleetProvider, setStartupProblems } from "@/lib/fleet/store";
import { setPublicUrl } from "@/lib/publicUrl";

const KEY = Symbol.for("borg-fleet.runtime");

interface RuntimeStatus {
  started: boolean;
  mode: "collector" | "synthetic" | "none";
  error: string | null;
  stop?: () => void;
}

type GlobalWithRuntime = typeof globalThis & { [KEY]?: RuntimeStatus };

export function runtimeStatus(): RuntimeStatus {
  return (globalThis as GlobalWithRuntime)[KEY] ?? { started: false, mode: "none", error: null };
}

export async function startRuntime(env: NodeJS.ProcessEnv = process.env): Promise<RuntimeStatus> {
  const g = globalThis as GlobalWithRuntime;
  if (g[KEY]?.started) return g[KEY];
  const status: RuntimeStatus = { started: true, mode: "none", error: null };
  g[KEY] = status;

  const synthetic = Number(env.BORG_FLEET_SYNTHETIC);
  if (Number.isInteger(synthetic) && synthetic > 0) {
    const { createSyntheticFleet } = await import("@/lib/fleet/synthetic");
    setFleetProvider(createSyntheticFleet({ hosts: synthetic }));
    status.mode = "synthetic";
    return status;
  }

  try {
    const config = loadConfig(configPathFromEnv(env));
    setPublicUrl(config.publicUrl);
    const db = openDatabase(config.dataDir);
    const { Collector } = await import("@/lib/collector/collector");
    const { realBorgReader } = await import("@/lib/collector/realBorgReader");
    const collector = new Collector({ config, db, borg: realBorgReader });
    setFleetProvider(collector);
    if (config.collector.enabled) collector.start();
    status.mode = "collector";
    status.stop = () => collector.stop();
  } catch (err) {
    status.error = err instanceof ConfigError ? err.message : `startup failed: ${err instanceof Error ? err.message : String(err)}`;
    setStartupProblems(err instanceof ConfigError ? [`Invalid config ${err.file}:`, ...err.problems] : [status.error]);
    console.error(`[borg-fleet] ${status.error}`);
  }
  return status;
}

/**
 * The /metrics body, cached per state generation (lib/metrics/stateChanged.ts).
 *
 * Rendering the registry for a 1,000-host fleet (16,000 series, ~1 MiB) is most of a scrape's cost,
 * and its values only change when fleet state does (a collector cycle, a run report). So the whole
 * registry output is rendered once per generation and kept as bytes; scrapes in between send those
 * same bytes. The process's own metrics (CPU, memory, event loop: prom-client's default metrics) change
 * on every scrape and are cheap, so they live in a separate registry rendered fresh and appended.
 */
import { getProcessRegistry, getRegistry } from "./registry";
import { metricsStateGeneration } from "./stateChanged";
import { processGlobal } from "@/lib/processGlobal";

interface CachedExposition {
  generation: number;
  bytes: Buffer;
}

const cache = processGlobal<CachedExposition>("metrics-exposition-cache");
/** A render in progress, shared by scrapes that arrive while it runs. */
const rendering = processGlobal<Promise<CachedExposition>>("metrics-exposition-rendering");

async function render(generation: number): Promise<CachedExposition> {
  const text = await getRegistry().metrics();
  return { generation, bytes: Buffer.from(text, "utf8") };
}

/** The registry's exposition for the current state: the same bytes until the state changes. */
export async function stateExposition(): Promise<Buffer> {
  const generation = metricsStateGeneration();
  const cached = cache.get();
  if (cached && cached.generation === generation) return cached.bytes;
  let pending = rendering.get();
  if (!pending) {
    pending = render(generation).finally(() => rendering.set(undefined));
    rendering.set(pending);
  }
  const fresh = await pending;
  // Only remember a render of the generation it was started for; a change during the render means
  // the next scrape renders again.
  if (fresh.generation === metricsStateGeneration()) cache.set(fresh);
  return fresh.bytes;
}

/** The full /metrics body: the cached state exposition, then the process's own metrics, fresh. */
export async function metricsBody(): Promise<Uint8Array<ArrayBuffer>> {
  const [state, processText] = await Promise.all([stateExposition(), getProcessRegistry().metrics()]);
  const processBytes = Buffer.from(processText, "utf8");
  // A fresh array per response: the cached bytes are never handed out to be consumed.
  const body = new Uint8Array(state.length + processBytes.length);
  body.set(state, 0);
  body.set(processBytes, state.length);
  return body;
}

export const metricsContentType = () => getRegistry().contentType;

/**
 * A small client for Prometheus' HTTP API (instant and range queries), with a timeout per request
 * and zod-validated responses. Credentials in the URL (https://user:pass@host) are sent as basic
 * auth and never appear in error messages.
 */
import { z } from "zod";

const sampleValue = z.tuple([z.number(), z.string()]);

const vectorResult = z.object({
  resultType: z.literal("vector"),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue })),
});
const matrixResult = z.object({
  resultType: z.literal("matrix"),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) })),
});
const apiResponse = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

export interface InstantSample {
  labels: Record<string, string>;
  /** Sample time, ms since the epoch. */
  at: number;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  points: { at: number; value: number }[];
}

export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PrometheusError";
  }
}

export interface PrometheusClientOptions {
  /** Per request, default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A PromQL string literal (double-quoted, escaped). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Prometheus prints values as strings: "NaN", "+Inf", "1.5e+09". */
function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

export class PrometheusClient {
  readonly displayUrl: string;
  private readonly base: string;
  private readonly authorization: string | null;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(url: string, options: PrometheusClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PrometheusError("PROMETHEUS_URL is not a valid URL");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new PrometheusError("PROMETHEUS_URL must be an http(s) URL");
    this.authorization =
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64")}`
        : null;
    parsed.username = "";
    parsed.password = "";
    this.base = parsed.href.replace(/\/+$/, "");
    this.displayUrl = this.base;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  private async call(path: string, params: Record<string, string>): Promise<unknown> {
    const body = new URLSearchParams(params);
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
          ...(this.authorization ? { Authorization: this.authorization } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        cache: "no-store",
      });
    } catch (err) {
      const reason =
        err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError") ? `no answer within ${this.timeoutMs} ms` : "connection failed";
      throw new PrometheusError(`Prometheus at ${this.displayUrl}: ${reason}`);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new PrometheusError(`Prometheus at ${this.displayUrl}: HTTP ${response.status}, not a JSON answer`);
    }
    const parsed = apiResponse.safeParse(json);
    if (!parsed.success) throw new PrometheusError(`Prometheus at ${this.displayUrl}: HTTP ${response.status}, unexpected answer`);
    if (parsed.data.status !== "success") {
      throw new PrometheusError(`Prometheus at ${this.displayUrl}: ${parsed.data.errorType ?? "error"}: ${parsed.data.error ?? `HTTP ${response.status}`}`);
    }
    return parsed.data.data;
  }

  /** Instant query; the expression must return a vector. */
  async query(expr: string, timeMs?: number): Promise<InstantSample[]> {
    const params: Record<string, string> = { query: expr };
    if (timeMs !== undefined) params.time = String(timeMs / 1000);
    const data = vectorResult.safeParse(await this.call("/api/v1/query", params));
    if (!data.success) throw new PrometheusError(`Prometheus at ${this.displayUrl}: expected a vector for ${expr}`);
    return data.data.result.map((r) => ({ labels: r.metric, at: Math.round(r.value[0] * 1000), value: parseValue(r.value[1]) }));
  }

  /** Range query from `startMs` to `endMs` every `stepSeconds`. */
  async queryRange(expr: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]> {
    const data = matrixResult.safeParse(
      await this.call("/api/v1/query_range", { query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepSeconds) }),
    );
    if (!data.success) throw new PrometheusError(`Prometheus at ${this.displayUrl}: expected a matrix for ${expr}`);
    return data.data.result.map((r) => ({
      labels: r.metric,
      points: r.values.map(([t, v]) => ({ at: Math.round(t * 1000), value: parseValue(v) })),
    }));
  }
}

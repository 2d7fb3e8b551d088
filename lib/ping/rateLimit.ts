/** A fixed-window rate limiter in memory: at most `limit` hits per key per `windowMs`. */
export class RateLimiter {
  private readonly hits = new Map<string, { windowStart: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts a hit; false when the key is over its limit in the current window. */
  allow(key: string, now = Date.now()): boolean {
    let entry = this.hits.get(key);
    if (!entry || now - entry.windowStart >= this.windowMs) {
      if (!entry && this.hits.size >= this.maxKeys) this.prune(now);
      entry = { windowStart: now, count: 0 };
      this.hits.set(key, entry);
    }
    entry.count++;
    return entry.count <= this.limit;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.hits) if (now - entry.windowStart >= this.windowMs) this.hits.delete(key);
    // Still full: forget everything rather than grow without bound.
    if (this.hits.size >= this.maxKeys) this.hits.clear();
  }

  reset(): void {
    this.hits.clear();
  }
}

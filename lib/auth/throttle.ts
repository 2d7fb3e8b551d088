/**
 * Login throttling against guessing: failed attempts are counted per username and per address in a
 * sliding window; past the limit, sign-in is refused (without checking the password) until the oldest
 * failure leaves the window. In memory: one dashboard process, and a restart forgetting is acceptable.
 */
export interface ThrottleOptions {
  windowMs: number;
  maxPerUser: number;
  maxPerAddress: number;
}

const DEFAULT_THROTTLE: ThrottleOptions = { windowMs: 15 * 60_000, maxPerUser: 5, maxPerAddress: 20 };

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.options.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Milliseconds until another attempt is allowed (0: allowed now). */
  retryAfterMs(username: string, address: string, now = Date.now()): number {
    const checks: [string, number][] = [
      [`u:${username.toLowerCase()}`, this.options.maxPerUser],
      [`a:${address}`, this.options.maxPerAddress],
    ];
    let wait = 0;
    for (const [key, max] of checks) {
      const list = this.recent(key, now);
      if (list.length >= max) wait = Math.max(wait, list[list.length - max]! + this.options.windowMs - now);
    }
    return wait;
  }

  fail(username: string, address: string, now = Date.now()): void {
    for (const key of [`u:${username.toLowerCase()}`, `a:${address}`]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.set(key, list.slice(-100));
    }
    if (this.failures.size > 10_000) {
      for (const key of this.failures.keys()) this.recent(key, now);
    }
  }

  /** A successful sign-in clears the user's count (not the address's). */
  succeed(username: string): void {
    this.failures.delete(`u:${username.toLowerCase()}`);
  }
}

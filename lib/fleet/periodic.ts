/**
 * Runs a task now and then again every interval (measured start to start, at least a second apart),
 * until stopped. The timer is unref'd so it never keeps a process alive on its own. Shared by the
 * collector and the Prometheus source.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Start (first run immediately). Idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = this.now();
    try {
      await this.task();
    } catch (err) {
      this.onError(err);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(1000, this.intervalMs - (this.now() - started)));
    this.timer.unref();
  }
}

import { describe, expect, it } from "vitest";
import { PeriodicTask } from "./periodic";

describe("PeriodicTask", () => {
  it("runs at once on start, keeps running after a failure, and stops", async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      async () => {
        runs++;
        if (runs === 1) throw new Error("first run fails");
      },
      1000,
      (err) => errors.push(err),
    );
    expect(task.isStopped).toBe(true);
    task.start();
    task.start(); // idempotent: still one loop
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toBe(1);
    expect(errors).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(runs).toBe(2);
    task.stop();
    await new Promise((r) => setTimeout(r, 1100));
    expect(runs).toBe(2);
    expect(task.isStopped).toBe(true);
  });
});

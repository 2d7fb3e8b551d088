import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "test/**/*.test.ts", "scripts/**/*.test.ts"],
    environment: "node",
    // Integration tests run real borg; a borg call takes about a second on this machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: run test files two at a time so borg-heavy suites do not starve each other.
    maxWorkers: 2,
  },
});

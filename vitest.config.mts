import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
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

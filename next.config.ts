import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server bundle for the production container image (docker-compose sets
  // BORG_FLEET_STANDALONE=1 in its build stage). Off otherwise: `next start` refuses to pair with it.
  output: process.env.BORG_FLEET_STANDALONE === "1" ? "standalone" : undefined,
  // Native and process-spawning modules stay outside the server bundle.
  serverExternalPackages: ["better-sqlite3", "execa", "prom-client"],
  poweredByHeader: false,
  // unauthorized() / forbidden() (lib/auth/guard.ts): a refused server action or page answers 401/403.
  experimental: { authInterrupts: true },
  // `npm test` type-checks the whole project (tsc --noEmit) as its own step; the build does not repeat
  // it, so a type error in a test file can never break `npm run demo`.
  typescript: { ignoreBuildErrors: true },
  // Keep demo data and test scratch directories out of file watching and tracing.
  outputFileTracingExcludes: { "*": [".demo/**", "test-results/**"] },
};

export default nextConfig;

import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A self-contained server bundle for the production container image (docker-compose).
  output: "standalone",
  // Native and process-spawning modules stay outside the server bundle.
  serverExternalPackages: ["better-sqlite3", "execa", "prom-client"],
  poweredByHeader: false,
  // Keep demo data and test scratch directories out of file watching and tracing.
  outputFileTracingExcludes: { "*": [".demo/**", "test-results/**"] },
};

export default nextConfig;

# syntax=docker/dockerfile:1
# The borg-fleet dashboard: Next.js standalone output (output: 'standalone' in next.config.ts) served by
# scripts/server.mjs (the wrapper that records the real client address and guards the SSO headers;
# it finds the standalone build's config in .next/required-server-files.json), with borg and the
# OpenSSH client it runs, as the unprivileged "node" user.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Dependencies (better-sqlite3 is native: build tools in case no prebuilt binary fits).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# 2. Build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 BORG_FLEET_STANDALONE=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build && mkdir -p public

# 3. Runtime: only the standalone server, static assets, borg and ssh.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends borgbackup openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    BORG_FLEET_CONFIG=/etc/borg-fleet/fleet.yml
WORKDIR /app
# Application files stay owned by root (read-only for the server); only .next/cache and the data
# directory are writable by "node".
COPY --from=build /app/.next/standalone ./
COPY --from=build /app/.next/static ./.next/static
COPY --from=build /app/public ./public
# The server wrapper and the modules it shares with the app; `yaml` reads the sso settings (the app
# bundles its own copy, so the standalone trace does not include it).
COPY --from=build /app/scripts/server.mjs ./scripts/server.mjs
COPY --from=build /app/lib/net/proxyTrust.mjs ./lib/net/proxyTrust.mjs
COPY --from=build /app/lib/http/lentResponse.mjs ./lib/http/lentResponse.mjs
COPY --from=build /app/node_modules/yaml ./node_modules/yaml
COPY deploy/docker/dashboard-entrypoint.sh /usr/local/bin/borg-fleet-entrypoint
RUN chmod 0755 /usr/local/bin/borg-fleet-entrypoint \
 && install -d -o node -g node /app/.next/cache /var/lib/borg-fleet

USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/borg-fleet-entrypoint"]
CMD ["node", "scripts/server.mjs"]

/**
 * Ports of the servers the e2e tests start, all on 127.0.0.1. Each checkout gets its own block
 * (derived from its path), so two checkouts on one machine (a developer's tree and a CI clone, or
 * git worktrees) never test against each other's servers. Every port can be pinned with its variable.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** 0..49: a block of 10 ports per checkout. */
const block = createHash("sha256").update(root).digest().readUInt16BE(0) % 50;
const num = (name: string, offset: number, base: number) => Number(process.env[name] || base + block * 10 + offset);

export const E2E_PORTS = {
  /** The demo the Playwright webServer starts. */
  demo: num("E2E_PORT", 0, 32000),
  stackDashboard: num("E2E_STACK_PORT", 1, 32000),
  /** A second dashboard in PROMETHEUS_URL mode (prometheus-source.spec.ts). */
  prometheusMode: num("E2E_PROMETHEUS_MODE_PORT", 2, 32000),
  prometheus: num("E2E_PROMETHEUS_PORT", 3, 32000),
  alertmanager: num("E2E_ALERTMANAGER_PORT", 4, 32000),
  nodeExporter: num("E2E_NODE_EXPORTER_PORT", 5, 32000),
  /** A dashboard with an empty database, for the one-time setup page (setup.spec.ts). */
  setup: num("E2E_SETUP_PORT", 6, 32000),
  /** The production server behind a real nginx (reverse-proxy.spec.ts), and that nginx's https port. */
  proxied: num("E2E_PROXIED_PORT", 7, 32000),
  nginx: num("E2E_NGINX_PORT", 8, 32000),
  /** A dashboard in single sign-on mode behind a (pretend) proxy on 127.0.0.1 (sso.spec.ts). */
  sso: num("E2E_SSO_PORT", 9, 32000),
};

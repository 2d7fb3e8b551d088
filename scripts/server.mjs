#!/usr/bin/env node
// The production server: `next start` (or the standalone server.js) plus one thing Next.js cannot do
// from inside the app — know the socket's peer address. Route handlers and server actions never see
// the socket, and `next start` fills X-Forwarded-For with the peer only when the client sent none, so
// a client could choose its own audited address and dodge the per-address sign-in throttle.
//
// For every request, before Next.js sees it, this server:
//   - deletes every client-sent header starting with `x-borg-fleet-` (the app's private headers);
//   - sets `x-borg-fleet-peer` to the socket's remote address (lib/net/proxyTrust.mjs);
//   - unless the peer is a trusted proxy (`trustedProxies` or `sso.trustedProxies` in the fleet config):
//     deletes the SSO user and groups headers and notes that it did in `x-borg-fleet-sso-untrusted`, so
//     the app refuses and audits the request; and deletes every `X-Forwarded-*` and `Forwarded` header,
//     so neither the app nor Next.js's own server-action origin check (which compares Origin with
//     X-Forwarded-Host) ever sees a client's claim about the host, scheme or address. Defence in depth:
//     the app decides again from the peer header itself (lib/net/requestContext.ts);
//   - for an archive download, lends the Node response to the route handler (lib/http/lentResponse.mjs),
//     which pipes borg's output straight into it instead of through Next's web-stream response.
//
// Usage: node scripts/server.mjs [-H <host>] [-p <port>]   (also $HOSTNAME/$HOST and $PORT, like
// `next start` and the standalone server). It serves the production build in the checkout (`next
// build`), or, in the container image, the standalone output it is copied next to. SIGTERM/SIGINT:
// stop accepting connections, let running requests finish (up to 15 s), exit 143/130.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  cidrMatcher,
  DEFAULT_GROUPS_HEADER,
  DEFAULT_USER_HEADER,
  normalizeAddress,
  PEER_HEADER,
  PRIVATE_HEADER_PREFIX,
  UNTRUSTED_SSO_HEADER,
} from "../lib/net/proxyTrust.mjs";
import { lendResponse } from "../lib/http/lentResponse.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (message) => process.stdout.write(`[borg-fleet] ${message}\n`);
const fail = (message) => {
  process.stderr.write(`[borg-fleet] ${message}\n`);
  process.exit(1);
};

function parseArgs(argv) {
  const opts = { hostname: process.env.HOSTNAME || process.env.HOST || undefined, port: process.env.PORT || "3000" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === "-H" || flag === "--hostname") opts.hostname = value();
    else if (flag === "-p" || flag === "--port") opts.port = value();
    else fail(`unknown option ${argv[i]} (usage: node scripts/server.mjs [-H host] [-p port])`);
  }
  if (!/^\d+$/.test(String(opts.port)) || Number(opts.port) > 65535) fail(`invalid port "${opts.port}"`);
  return { hostname: opts.hostname, port: Number(opts.port) };
}

/**
 * The proxy part of the fleet config (`trustedProxies`, `sso.trustedProxies`, `sso.userHeader`,
 * `sso.groupsHeader`). Only what this wrapper needs: the app validates the whole file itself and
 * reports errors on /api/health. Anything unreadable here means "no trusted proxy", the safe side.
 */
async function loadTrust() {
  const file = path.resolve(process.env.BORG_FLEET_CONFIG || "fleet.yml");
  const headers = [DEFAULT_USER_HEADER, DEFAULT_GROUPS_HEADER];
  let config = {};
  try {
    const { parse } = await import("yaml");
    config = parse(fs.readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    if (err?.code !== "ENOENT") log(`could not read the proxy settings of ${file} (${err?.message ?? err}); trusting no proxy`);
  }
  const sso = config.sso ?? {};
  if (typeof sso.userHeader === "string") headers.push(sso.userHeader);
  if (typeof sso.groupsHeader === "string") headers.push(sso.groupsHeader);
  let isTrusted = () => false;
  const list = (value) => (Array.isArray(value) ? value : []);
  const proxies = [...new Set([...list(config.trustedProxies), ...list(sso.trustedProxies)])];
  try {
    if (proxies.length) isTrusted = cidrMatcher(proxies);
  } catch (err) {
    log(`trustedProxies: ${err.message}; trusting no proxy`);
  }
  return { isTrusted, ssoHeaders: [...new Set(headers.map((h) => h.toLowerCase()))], proxies };
}

/** X-Forwarded-For/-Host/-Proto/-Port/-Prefix..., and RFC 7239 Forwarded: believed from trusted proxies only. */
const isForwardingHeader = (name) => name.startsWith("x-forwarded-") || name === "forwarded";

/** The header rewrite described at the top of this file. Exported for the unit test. */
export function scrubRequestHeaders(req, { isTrusted, ssoHeaders }) {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith(PRIVATE_HEADER_PREFIX)) delete req.headers[name];
  }
  const peer = normalizeAddress(req.socket.remoteAddress);
  if (peer) req.headers[PEER_HEADER] = peer;
  const trusted = Boolean(peer && isTrusted(peer));
  const untrustedClaim = (name) => ssoHeaders.includes(name) || isForwardingHeader(name);
  if (!trusted) {
    const sent = ssoHeaders.filter((h) => h in req.headers);
    for (const name of Object.keys(req.headers)) if (untrustedClaim(name)) delete req.headers[name];
    if (sent.length) req.headers[UNTRUSTED_SSO_HEADER] = sent.join(",");
  }
  // Keep rawHeaders in step: nothing client-sent under our prefix or an untrusted claim survives.
  const removed = (name) => name.toLowerCase().startsWith(PRIVATE_HEADER_PREFIX) || (!trusted && untrustedClaim(name.toLowerCase()));
  const raw = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!removed(req.rawHeaders[i])) raw.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  for (const [name, value] of Object.entries(req.headers)) if (name.startsWith(PRIVATE_HEADER_PREFIX)) raw.push(name, value);
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}

/** http://<host>:<port> of this server as seen from itself (a wildcard address → loopback). Exported for the unit test. */
export function selfOrigin(hostname, port) {
  if (!hostname || hostname === "0.0.0.0") return `http://127.0.0.1:${port}`;
  if (hostname === "::" || hostname === "[::]") return `http://[::1]:${port}`;
  return `http://${hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname}:${port}`;
}

/** In the container image the standalone output has no next.config.ts: use the config the build recorded. */
function standaloneConfigIfNeeded(dir) {
  const hasConfigFile = ["next.config.ts", "next.config.mjs", "next.config.js"].some((f) => fs.existsSync(path.join(dir, f)));
  const required = path.join(dir, ".next", "required-server-files.json");
  if (hasConfigFile || process.env.__NEXT_PRIVATE_STANDALONE_CONFIG || !fs.existsSync(required)) return false;
  const { config } = JSON.parse(fs.readFileSync(required, "utf8"));
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify({ ...config, distDir: "./.next" });
  return true;
}

async function main() {
  const { hostname, port } = parseArgs(process.argv.slice(2));
  process.env.NODE_ENV = "production";
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) fail(`no production build in ${ROOT}/.next: run \`npx next build\` first`);
  const standalone = standaloneConfigIfNeeded(ROOT);
  const trust = await loadTrust();

  const { default: next } = await import("next");
  const server = http.createServer();
  const keepAlive = Number.parseInt(process.env.KEEP_ALIVE_TIMEOUT ?? "", 10);
  if (Number.isFinite(keepAlive) && keepAlive >= 0) server.keepAliveTimeout = keepAlive;
  // Where Next.js fetches itself (a server action's redirect target, an action forwarded to the page
  // that owns it). `next start` sets this; without it Next builds the URL from the request, scheme
  // included, and behind a TLS proxy (X-Forwarded-Proto: https) fetches https:// from this plain-http
  // port and fails. Always this server, over http, on loopback when it listens on every address.
  process.env.__NEXT_PRIVATE_ORIGIN = selfOrigin(hostname, port);
  const app = next({ dev: false, dir: ROOT, hostname: hostname ?? "localhost", port, httpServer: server });
  await app.prepare();
  const handle = app.getRequestHandler();
  server.on("request", (req, res) => {
    scrubRequestHeaders(req, trust);
    lendResponse(req, res);
    handle(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing running requests`);
    const code = signal === "SIGINT" ? 130 : 143;
    setTimeout(() => {
      log("requests still running after 15 s; exiting");
      process.exit(code);
    }, 15_000).unref();
    server.close(() => {
      app.close().finally(() => process.exit(code));
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, resolve);
  });
  const trusted = trust.proxies.length ? `trusted proxies: ${trust.proxies.join(", ")}` : "no trusted proxy";
  log(
    `listening on http://${hostname && hostname.includes(":") ? `[${hostname}]` : (hostname ?? "localhost")}:${port}${standalone ? " (standalone)" : ""}; ${trusted}`,
  );
}

// Imported by a test: do not start.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => fail(err?.stack ?? String(err)));
}

// The Node response of a request, lent by the production server wrapper (scripts/server.mjs) to the
// route handler that answers it, for bodies too large for the web-stream path: an archive download
// is gigabytes of borg's output, and writing it straight into the Node response (lib/archives/download.ts)
// costs the server half the CPU of Next's web-stream response (docs/benchmarks.md, "Downloads").
//
// The route still does everything a route does (session, role, host scope, validation, audit); it only
// writes the body itself. Plain ESM JavaScript (types in lentResponse.d.mts): the wrapper runs it
// without a build step and the app imports the very same code. The two share the registry through
// globalThis because Next bundles its own copy of this module into the server chunks.
import { randomUUID } from "node:crypto";
import { PRIVATE_HEADER_PREFIX } from "../net/proxyTrust.mjs";

/**
 * The request header carrying the loan's id. Under the private prefix, so the wrapper has deleted any
 * client-sent copy before setting it; the id is random besides, and a loan is taken once.
 */
export const LENT_RESPONSE_HEADER = `${PRIVATE_HEADER_PREFIX}response`;

/** Only these paths get a loan: nothing else can write to a raw response. */
const LENDING_PATHS = new Set(["/api/archives/download"]);

const REGISTRY = Symbol.for("borg-fleet.lentResponses");

/** @returns {Map<string, import("node:http").ServerResponse>} */
function registry() {
  return (globalThis[REGISTRY] ??= new Map());
}

/**
 * Called by the wrapper for every request, after the private headers were scrubbed: lends the response
 * of a download request (until it closes) and names the loan in a request header.
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 */
export function lendResponse(req, res) {
  const pathname = (req.url ?? "").split("?", 1)[0];
  if (!LENDING_PATHS.has(pathname)) return;
  const id = randomUUID();
  registry().set(id, res);
  res.once("close", () => registry().delete(id));
  req.headers[LENT_RESPONSE_HEADER] = id;
  req.rawHeaders.push(LENT_RESPONSE_HEADER, id);
}

/**
 * The Node response lent for this request, once (a second call gets null), or null when there is none:
 * another path, or a server that is not scripts/server.mjs (`next dev`, tests calling the handler).
 * @param {{ get(name: string): string | null }} headers the request's headers
 * @returns {import("node:http").ServerResponse | null}
 */
export function takeLentResponse(headers) {
  const id = headers.get(LENT_RESPONSE_HEADER);
  if (!id) return null;
  const res = registry().get(id) ?? null;
  registry().delete(id);
  return res && !res.headersSent && !res.destroyed ? res : null;
}

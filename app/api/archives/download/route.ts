/**
 * Downloads out of an archive.
 *
 *   GET  ?host=&site=&archive=&path=<pathParam>             one file, as is (borg extract --stdout)
 *   GET  ?host=&site=&archive=&path=..&path=..&format=tar    a tar of the paths and everything below them
 *   POST (same-origin form, application/x-www-form-urlencoded; fields host, site, archive, path
 *        repeated, format=tar) for selections too long for a URL (up to 10,000 paths)
 *
 * A single path that is not a regular file (a directory, a symlink) comes as a tar. Each request:
 * role check before reading input, then the archive request layer (lib/archives/request.ts: host
 * scope, zod validation, the archive resolved; bad input 400, unknown or forged → 404), the paths
 * looked up (missing → 404), then borg's output streamed with backpressure: straight into the Node
 * response when the production server lent it (startDownload in lib/archives/download.ts decides),
 * else through Next's response pipeline.
 * Every download and every refusal is audited; a download's row is written when it ends, with the
 * outcome (ok, failed: borg error or the client went away) and the bytes sent.
 */
import { authorizeRole } from "@/lib/auth/guard";
import {
  auditPaths,
  baseName,
  contentDisposition,
  downloadFields,
  downloadRequestSchema,
  errorMessage,
  MAX_FORM_BYTES,
  startDownload,
  type StartBorgDownload,
  statusForBorgError,
  type DownloadRequest,
} from "@/lib/archives/download";
import { errorResponse as jsonError, openArchiveRequest, refusalResponse, type OpenedArchiveRequest } from "@/lib/archives/request";
import { auditRequest } from "@/lib/audit/request";
import { exportTar, extractToStdout, statArchivePaths } from "@/lib/borg";
import { readBodyLimited } from "@/lib/http/body";

export const dynamic = "force-dynamic";

const ACTION = "archive:download";

/** The form body, or null when it is too large (reading stops at the limit). */
async function readForm(request: Request): Promise<URLSearchParams | null> {
  const body = await readBodyLimited(request, MAX_FORM_BYTES);
  return body === null ? null : new URLSearchParams(body.toString("utf8"));
}

async function download(request: Request, opened: OpenedArchiveRequest<DownloadRequest>): Promise<Response> {
  const { input, ref } = opened;
  const paths = input.paths;
  const auditDownload = (outcome: "ok" | "failed", reason: string) => void opened.audit({ outcome, reason });

  // What the paths are: missing ones are a 404 before any byte; a lone non-file becomes a tar.
  let items;
  try {
    items = await statArchivePaths(ref.target, ref.archive.name, paths, { signal: request.signal });
  } catch (err) {
    auditDownload("failed", errorMessage(err));
    return jsonError(errorMessage(err), statusForBorgError(err));
  }
  const found = new Map(items.map((item) => [item.pathBytes.toString("latin1"), item]));
  const missing = paths.filter((p) => !found.has(p.toString("latin1")));
  if (missing.length > 0) {
    const shown = auditPaths(missing.slice(0, 5)).join(", ");
    auditDownload("failed", `not in the archive: ${shown}`);
    return jsonError(`Not in the archive: ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}.`, 404);
  }

  const single = paths.length === 1 ? found.get(paths[0]!.toString("latin1"))! : null;
  const asFile = input.format !== "tar" && single !== null && single.type === "-";
  const fileName = asFile
    ? baseName(single!.pathBytes)
    : single
      ? `${baseName(single.pathBytes).toString("utf8")}.tar`
      : `${input.host}-${ref.archive.name}.tar`;

  let started;
  let audited = false;
  try {
    const start: StartBorgDownload = (opts) =>
      asFile
        ? extractToStdout(ref.target, ref.archive.name, paths[0]!, { ...opts, signal: request.signal })
        : exportTar(ref.target, ref.archive.name, paths, { ...opts, signal: request.signal });
    started = await startDownload(request, start, (result) => {
      audited = true;
      const what = `${asFile ? "file" : "tar"}, ${result.bytes} bytes`;
      if (result.outcome === "ok") auditDownload("ok", what);
      else auditDownload("failed", `${result.reason} (${what} sent)`);
    });
  } catch (err) {
    // A borg failure before the first byte was audited through onEnd; a failure to start borg was not.
    if (!audited) auditDownload("failed", errorMessage(err));
    return jsonError(errorMessage(err), statusForBorgError(err));
  }

  const headers: Record<string, string> = {
    "Content-Type": asFile ? "application/octet-stream" : "application/x-tar",
    "Content-Disposition": contentDisposition(fileName),
    // no-transform: Next's compression would otherwise gzip a tar (mime-db calls it compressible) on
    // the fly for every browser: CPU for nothing on already-compressed data, and no Content-Length.
    "Cache-Control": "no-store, no-transform",
    "X-Content-Type-Options": "nosniff",
  };
  // borg reports 0 for the second and later links of a hard-linked file; their size is unknown here.
  if (asFile && !single!.mode.startsWith("h")) headers["Content-Length"] = String(single!.size);
  return started.respond(headers);
}

async function handle(request: Request, readParams: () => Promise<URLSearchParams | null>): Promise<Response> {
  // The role before reading any input (a POST body may be 16 MB); the host's scope in the request layer.
  const principal = await authorizeRole(ACTION);
  const params = await readParams();
  if (params === null) {
    await auditRequest({ username: principal.username, action: ACTION, outcome: "refused", reason: "request body too large" }, request);
    return jsonError(`The request is larger than ${MAX_FORM_BYTES} bytes.`, 413);
  }
  const opened = await openArchiveRequest(downloadFields(params), {
    surface: { kind: "route", request },
    action: ACTION,
    schema: downloadRequestSchema,
    signal: request.signal,
  });
  if (!opened.ok) return refusalResponse(opened.refusal);
  return download(request, opened);
}

export async function GET(request: Request): Promise<Response> {
  return handle(request, async () => new URL(request.url).searchParams);
}

export async function POST(request: Request): Promise<Response> {
  return handle(request, async () => {
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) return new URLSearchParams();
    return readForm(request);
  });
}

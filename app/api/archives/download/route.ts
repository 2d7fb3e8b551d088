/**
 * Downloads out of an archive.
 *
 *   GET  ?host=&site=&archive=&path=<pathParam>             one file, as is (borg extract --stdout)
 *   GET  ?host=&site=&archive=&path=..&path=..&format=tar    a tar of the paths and everything below them
 *   POST (same-origin form, application/x-www-form-urlencoded; fields host, site, archive, path
 *        repeated, format=tar) for selections too long for a URL (up to 10,000 paths)
 *
 * A single path that is not a regular file (a directory, a symlink) comes as a tar. Each request:
 * role check before reading input, zod validation, the host check, the archive resolved (unknown or
 * forged → 404), the paths looked up (missing → 404), then borg's output streamed with backpressure.
 * Every download and every refusal is audited; a download's row is written when it ends, with the
 * outcome (ok, failed: borg error or the client went away) and the bytes sent.
 */
import { audit, requestAddress } from "@/lib/audit/log";
import { authorize, authorizeRole } from "@/lib/auth/guard";
import type { Principal } from "@/lib/auth/policy";
import { database } from "@/lib/db/current";
import {
  auditPaths,
  baseName,
  contentDisposition,
  downloadFields,
  downloadRequestSchema,
  errorMessage,
  MAX_FORM_BYTES,
  startDownloadStream,
  statusForBorgError,
  type DownloadRequest,
} from "@/lib/archives/download";
import { resolveArchive } from "@/lib/archives/locate";
import { exportTar, extractToStdout, statArchivePaths } from "@/lib/borg";
import { readBodyLimited } from "@/lib/http/body";

export const dynamic = "force-dynamic";

const ACTION = "archive:download";

const jsonError = (error: string, status: number, headers: Record<string, string> = {}) =>
  Response.json({ error }, { status, headers: { "Cache-Control": "no-store", ...headers } });

interface AuditContext {
  request: Request;
  principal: Principal;
  host: string | null;
  archive?: string;
  paths?: string[];
}

function auditDownload(ctx: AuditContext, outcome: "ok" | "refused" | "failed", reason: string): void {
  audit(database(), {
    username: ctx.principal.username,
    address: requestAddress(ctx.request),
    action: ACTION,
    host: ctx.host,
    archive: ctx.archive ?? null,
    paths: ctx.paths ?? null,
    outcome,
    reason,
  });
}

/** The form body, or null when it is too large (reading stops at the limit). */
async function readForm(request: Request): Promise<URLSearchParams | null> {
  const body = await readBodyLimited(request, MAX_FORM_BYTES);
  return body === null ? null : new URLSearchParams(body.toString("utf8"));
}

async function download(request: Request, principal: Principal, input: DownloadRequest): Promise<Response> {
  await authorize(ACTION, input.host); // 401/403 (audited) when the host is out of scope
  const paths = input.paths;
  const ctx: AuditContext = { request, principal, host: input.host, archive: input.archive, paths: auditPaths(paths) };

  const ref = await resolveArchive(input.host, input.site ?? null, input.archive, { signal: request.signal });
  if (!ref) {
    auditDownload(ctx, "refused", "unknown host, site or archive");
    return jsonError("No such archive.", 404);
  }

  // What the paths are: missing ones are a 404 before any byte; a lone non-file becomes a tar.
  let items;
  try {
    items = await statArchivePaths(ref.target, ref.archive.name, paths, { signal: request.signal });
  } catch (err) {
    auditDownload(ctx, "failed", errorMessage(err));
    return jsonError(errorMessage(err), statusForBorgError(err));
  }
  const found = new Map(items.map((item) => [item.pathBytes.toString("latin1"), item]));
  const missing = paths.filter((p) => !found.has(p.toString("latin1")));
  if (missing.length > 0) {
    const shown = auditPaths(missing.slice(0, 5)).join(", ");
    auditDownload(ctx, "failed", `not in the archive: ${shown}`);
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
    const proc = asFile
      ? await extractToStdout(ref.target, ref.archive.name, paths[0]!, { signal: request.signal })
      : await exportTar(ref.target, ref.archive.name, paths, { signal: request.signal });
    started = await startDownloadStream(proc, (result) => {
      audited = true;
      const what = `${asFile ? "file" : "tar"}, ${result.bytes} bytes`;
      if (result.outcome === "ok") auditDownload(ctx, "ok", what);
      else auditDownload(ctx, "failed", `${result.reason} (${what} sent)`);
    });
  } catch (err) {
    // A borg failure before the first byte was audited through onEnd; a failure to start borg was not.
    if (!audited) auditDownload(ctx, "failed", errorMessage(err));
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
  return new Response(started.body, { status: 200, headers });
}

async function handle(request: Request, readParams: () => Promise<URLSearchParams | null>): Promise<Response> {
  const principal = await authorizeRole(ACTION); // before reading any input
  const params = await readParams();
  if (params === null) {
    auditDownload({ request, principal, host: null }, "refused", "request body too large");
    return jsonError(`The request is larger than ${MAX_FORM_BYTES} bytes.`, 413);
  }
  const parsed = downloadRequestSchema.safeParse(downloadFields(params));
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "request"}: ${i.message}`)
      .join("; ");
    auditDownload({ request, principal, host: params.get("host") }, "refused", `invalid request: ${why}`);
    return jsonError(`Invalid download request: ${why}`, 400);
  }
  return download(request, principal, parsed.data);
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

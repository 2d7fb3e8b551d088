/**
 * The archive request layer: every route handler, page and server action that reads an archive opens
 * its request here, so the decision is made once, in this order:
 *
 *   1. who: the role, and the host's scope (the host is the one input read before that). Refusals are
 *      the guard's (lib/auth/guard.ts): 401/403 for routes and actions, 404 for pages, audited there;
 *      for the automation API (its token already checked), 403 or 404 as a value, audited here.
 *   2. what: the rest of the input, validated with the surface's zod schema (built from params.ts, where
 *      paths are decoded and checked); bad input → 400 "Invalid request: …", audited.
 *   3. which archive: resolved against the configured repos (lib/archives/locate.ts); a forged or
 *      missing host, site or archive → 404 "No such archive.", audited.
 *
 * The refusal is one value (status + message) and one audit row shape (action, host, archive, paths,
 * outcome "refused", reason); each surface turns it into what it answers with: a JSON error response
 * (refusalResponse), notFound() for pages (openArchivePage), an ActionResult for actions
 * (refusalResult). What happens after a successful open (an index, a download, a restore job, a diff)
 * is audited by the caller through `audit` on the opened request, with the same row shape.
 */
import { notFound } from "next/navigation";
import type { z } from "zod";
import { actionFailed, type ActionResult } from "@/lib/actionResult";
import { auditRequest } from "@/lib/audit/request";
import type { Outcome } from "@/lib/audit/log";
import { authorize, authorizeRole, requirePage } from "@/lib/auth/guard";
import { can, refusalReason, roleAllows, type Action, type Principal } from "@/lib/auth/policy";
import { hostNameSchema } from "@/lib/config/schema";
import { formatIssues } from "@/lib/validation";
import { resolveArchive, type ArchiveRef } from "./locate";
import type { ArchiveFields } from "./params";
import { displayPath } from "./pathParam";

/**
 * Where the request came in: decides only how the guard refuses and how the client address is read.
 * The automation API (lib/api) has authenticated its token already: its principal is checked with the
 * same policy here, and a refusal comes back as a value (403, or 404 for a host outside the scope)
 * instead of Next's 401/403 pages.
 */
type ArchiveSurface = { kind: "route"; request: Request } | { kind: "action" } | { kind: "page" } | { kind: "api"; request: Request; principal: Principal };

export interface Refusal {
  status: 400 | 403 | 404;
  message: string;
}

export interface ArchiveRequestOptions<S extends z.ZodType<ArchiveFields>> {
  surface: ArchiveSurface;
  /** The policy action checked (lib/auth/policy.ts). */
  action: Action;
  /** The audit log's action, when it names the operation more closely (the diff page: "archive:diff"). */
  auditAction?: string;
  schema: S;
  /** Further archives of the same repo the request names (a diff's "to"), resolved in the first one's site. */
  alsoArchives?: (input: z.output<S>) => string[];
  signal?: AbortSignal;
}

interface OutcomeEntry {
  outcome: Outcome;
  reason: string | null;
  /** Default: the archive(s) resolved, "from → to" for several. */
  archive?: string | null;
  /** Default: the request's paths. */
  paths?: string[] | null;
}

export interface OpenedArchiveRequest<T> {
  ok: true;
  principal: Principal;
  input: T;
  ref: ArchiveRef;
  /** The archives `alsoArchives` named, in that order. */
  also: ArchiveRef[];
  /** Writes this request's audit row (who, address, action, host, archive and paths filled in). */
  audit: (entry: OutcomeEntry) => Promise<void>;
}

export type ArchiveRequest<T> = OpenedArchiveRequest<T> | { ok: false; principal: Principal; refusal: Refusal };

/** At most this many paths go into an audit row (a 10,000-path selection stays one readable row). */
const AUDITED_PATHS = 20;

/** The request's paths as the audit log shows them (invalid UTF-8 as \xNN). */
function auditedPaths(input: unknown): string[] | null {
  const fields = input as { paths?: unknown; path?: unknown };
  const list = Array.isArray(fields.paths) ? fields.paths : fields.path !== undefined ? [fields.path] : [];
  const shown = list.map((p) => (Buffer.isBuffer(p) ? displayPath(p) : typeof p === "string" ? p : null)).filter((p): p is string => p !== null && p !== "");
  return shown.length > 0 ? shown.slice(0, AUDITED_PATHS) : null;
}

async function checkAccess(surface: ArchiveSurface, action: Action, host: string | null): Promise<Principal | { refusal: Refusal; reason: string }> {
  if (surface.kind === "page") return host === null ? requirePage(action) : requirePage(action, host);
  if (surface.kind === "api") {
    const { principal } = surface;
    const allowed = host === null ? roleAllows(principal, action) : can(principal, action, host);
    if (allowed) return principal;
    const reason = refusalReason(principal, action, host ?? undefined);
    // A host outside the scope does not exist for this caller (like a host page); a role that may never do this is a 403.
    return roleAllows(principal, action)
      ? { refusal: { status: 404, message: "No such archive." }, reason }
      : { refusal: { status: 403, message: `A ${principal.role} may not ${action}.` }, reason };
  }
  return host === null ? authorizeRole(action) : authorize(action, host);
}

/** Opens an archive request (see the module comment); never throws for bad input, only the guard does. */
export async function openArchiveRequest<S extends z.ZodType<ArchiveFields>>(
  raw: Record<string, unknown>,
  options: ArchiveRequestOptions<S>,
): Promise<ArchiveRequest<z.output<S>>> {
  const host = hostNameSchema.safeParse(raw.host);
  const access = await checkAccess(options.surface, options.action, host.success ? host.data : null);
  const request = options.surface.kind === "route" || options.surface.kind === "api" ? options.surface.request : undefined;
  if ("refusal" in access) {
    const principal = (options.surface as { principal: Principal }).principal;
    await auditRequest(
      {
        username: principal.username,
        action: options.auditAction ?? options.action,
        host: host.success ? host.data : null,
        outcome: "refused",
        reason: access.reason,
      },
      request,
    );
    return { ok: false, principal, refusal: access.refusal };
  }
  const principal = access;
  const write = (entry: { host: string | null; archive: string | null; paths: string[] | null; outcome: Outcome; reason: string | null }) =>
    auditRequest({ username: principal.username, action: options.auditAction ?? options.action, ...entry }, request);
  const refuse = async (
    status: Refusal["status"],
    message: string,
    entry: { host: string | null; archive: string | null; paths: string[] | null; reason: string },
  ): Promise<ArchiveRequest<z.output<S>>> => {
    await write({ ...entry, outcome: "refused" });
    return { ok: false, principal, refusal: { status, message } };
  };

  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) {
    const why = formatIssues(parsed.error, { limit: 3, root: "request" }).join("; ");
    const rawText = (v: unknown) => (typeof v === "string" ? v : null);
    return refuse(400, `Invalid request: ${why}.`, { host: rawText(raw.host), archive: rawText(raw.archive), paths: null, reason: `invalid input: ${why}` });
  }
  const input = parsed.data as z.output<S>;
  const paths = auditedPaths(input);
  const names = [input.archive, ...(options.alsoArchives?.(input) ?? [])];
  const archive = names.join(" → ");

  const ref = await resolveArchive(input.host, input.site ?? null, input.archive, { signal: options.signal });
  const also = ref ? await Promise.all(names.slice(1).map((name) => resolveArchive(ref.host, ref.site, name, { signal: options.signal }))) : [];
  if (!ref || also.some((r) => r === null)) return refuse(404, "No such archive.", { host: input.host, archive, paths, reason: "archive not found" });

  return {
    ok: true,
    principal,
    input,
    ref,
    also: also as ArchiveRef[],
    audit: (entry) =>
      write({
        host: ref.host,
        archive: entry.archive === undefined ? archive : entry.archive,
        paths: entry.paths === undefined ? paths : entry.paths,
        outcome: entry.outcome,
        reason: entry.reason,
      }),
  };
}

// --- what each surface answers with a refusal ---------------------------------------------------------------

/** Route handlers: `{ "error": message }` with the refusal's status, never cached. */
export function refusalResponse(refusal: Refusal): Response {
  return errorResponse(refusal.message, refusal.status);
}

/** The JSON error every archive route answers with (refusals, and failures after the open). */
export function errorResponse(message: string, status: number, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** Server actions: the refusal's message as a failed ActionResult. */
export function refusalResult(refusal: Refusal): ActionResult<never> {
  return actionFailed(refusal.message);
}

/** Pages: the opened request, or the page's 404 (bad input and a missing archive look the same as an unknown host). */
export async function openArchivePage<S extends z.ZodType<ArchiveFields>>(
  raw: Record<string, unknown>,
  options: Omit<ArchiveRequestOptions<S>, "surface">,
): Promise<OpenedArchiveRequest<z.output<S>>> {
  const opened = await openArchiveRequest(raw, { ...options, surface: { kind: "page" } });
  if (!opened.ok) notFound();
  return opened;
}

/**
 * Comparing two archives of one repo (borg diff), as the diff page (app/hosts/[host]/diff/page.tsx)
 * asks for it: the request's schema, opening it through the archive request layer (access, input,
 * both archives resolved in the same repo, refusals audited), running borg diff with a row cap and a
 * time limit, and the audit row of the comparison. The page only renders what this returns.
 */
import { z } from "zod";
import { diffArchives, isBorgError, type BorgError } from "@/lib/borg";
import { DIFF_KINDS, summarizeDiff, type DiffSummary } from "./diffSummary";
import { archiveFieldsSchema, folderPathSchema } from "./params";
import { openArchivePage, type OpenedArchiveRequest } from "./request";

/** Rows shown at most; counts always cover the whole diff. */
export const DIFF_ROW_CAP = 5_000;
/** A diff reads both archives' metadata; past this borg is stopped and the page says so. */
const DIFF_TIMEOUT_MS = 5 * 60_000;

/** `archive` is the "from" archive; `to` is resolved in the same repo. An empty path means the whole archive. */
const diffRequestSchema = archiveFieldsSchema.extend({
  to: z.string().min(1).max(1024),
  path: folderPathSchema.optional(),
  kind: z.enum(DIFF_KINDS).catch("all").default("all"),
});
type DiffRequest = z.output<typeof diffRequestSchema>;
export type OpenedDiff = OpenedArchiveRequest<DiffRequest>;

export interface DiffOutcome {
  summary: DiffSummary | null;
  /** What went wrong, in words, when borg failed. */
  error: string | null;
}

/** What went wrong, in words (BorgError's own message unless we can say it better here). */
function diffErrorMessage(err: BorgError): string {
  switch (err.kind) {
    case "cancelled":
      return "The comparison was cancelled.";
    case "busy":
      return "The repository is busy (a backup or prune holds it); try again in a minute.";
    case "timeout":
      return `borg diff did not finish within ${DIFF_TIMEOUT_MS / 60_000} minutes and was stopped. Limit the comparison to a path.`;
    default:
      return err.userMessage;
  }
}

/** The page's request: a refusal (bad input, unknown host, archive or path) is the page's 404. */
export function openDiffPage(raw: { host: unknown; site: unknown; from: unknown; to: unknown; path: unknown; kind: unknown }): Promise<OpenedDiff> {
  return openArchivePage(
    { host: raw.host, site: raw.site, archive: raw.from, to: raw.to, path: raw.path, kind: raw.kind },
    { action: "archive:browse", auditAction: "archive:diff", schema: diffRequestSchema, alsoArchives: (input) => [input.to] },
  );
}

/** Runs borg diff for an opened request and audits the comparison (ok, or failed with borg's reason). */
export async function compareArchives(opened: OpenedDiff, signal?: AbortSignal): Promise<DiffOutcome> {
  const { ref, input } = opened;
  const to = opened.also[0]!;
  const path = input.path?.length ? input.path : null;
  let summary: DiffSummary | null = null;
  let error: string | null = null;
  try {
    summary = await summarizeDiff(
      diffArchives(ref.target, ref.archive.name, to.archive.name, { paths: path ? [path] : undefined, timeoutMs: DIFF_TIMEOUT_MS, signal }),
      { cap: DIFF_ROW_CAP, kind: input.kind },
    );
  } catch (err) {
    if (!isBorgError(err)) throw err;
    error = diffErrorMessage(err);
  }
  await opened.audit({ outcome: error ? "failed" : "ok", reason: error });
  return { summary, error };
}

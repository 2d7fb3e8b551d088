/**
 * One way to say what was wrong with an input that failed a zod schema: `field.path[2].name: message`,
 * one line per issue. Used for request bodies and parameters (archive routes, downloads, restore
 * actions, the alert webhook), for the config file and for borg's JSON output, so an operator reads
 * the same wording wherever a value was refused. Values themselves are never echoed (zod's messages
 * describe what was expected, not what was sent), so a line is safe for a response body or a log.
 */
import type { ZodError } from "zod";

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

export interface FormatIssuesOptions {
  /** At most this many lines (default 10): a payload with 10,000 bad paths does not make a 10,000-line answer. */
  limit?: number;
  /** What an issue about the value as a whole is attributed to (default "(top level)"). */
  root?: string;
}

/** A field path as people write it: `sites[1].name`, `paths[3]`. */
export function formatIssuePath(segments: readonly PropertyKey[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join("");
}

/** The issues of a failed parse, one line each: `where: what was expected`. */
export function formatIssues(error: ZodError | { issues: readonly IssueLike[] }, options: FormatIssuesOptions = {}): string[] {
  const { limit = 10, root = "(top level)" } = options;
  const lines = error.issues.slice(0, limit).map((issue) => `${formatIssuePath(issue.path) || root}: ${issue.message}`);
  const more = error.issues.length - lines.length;
  return more > 0 ? [...lines, `and ${more} more problem${more === 1 ? "" : "s"}`] : lines;
}

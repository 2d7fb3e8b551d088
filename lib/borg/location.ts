/**
 * Building borg 1.2's positional `REPO` and `REPO::ARCHIVE` arguments safely.
 *
 * borg 1.2 runs every location argument through placeholder expansion (`{hostname}`, `{now}`, ...,
 * via str.format), so a literal "{" or "}" in a path or an archive name must be doubled. Archive
 * names cannot contain "/" (borg's location regex) and borg refuses "::" and empty names when
 * creating. Everything else (spaces, tabs, newlines, quotes, leading dashes, unicode) is fine as one
 * argv word placed after "--".
 */
import path from "node:path";
import { BorgError } from "./errors";

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A local path (or file:// URL), as opposed to ssh://. */
export function isLocalLocation(location: string): boolean {
  return !URL_SCHEME.test(location) || location.startsWith("file://");
}

/** Local filesystem path of a local location; null for remote ones. */
export function localPath(location: string): string | null {
  if (!isLocalLocation(location)) return null;
  const p = location.startsWith("file://") ? location.slice("file://".length) : location;
  return path.resolve(p);
}

/**
 * Local paths are made absolute: a relative "host:dir" would otherwise be read by borg as scp-style
 * ssh, and a path starting with "-" could look like an option.
 */
export function normalizeLocation(location: string): string {
  if (location.length === 0) throw new BorgError({ kind: "repo-not-found", userMessage: "No repository location was given." });
  if (location.includes("\0")) throw new BorgError({ kind: "repo-not-found", userMessage: "The repository location contains a NUL byte." });
  if (location.includes("::"))
    throw new BorgError({
      kind: "repo-not-found",
      userMessage: `The repository location ${location} contains "::", which borg reads as an archive separator.`,
    });
  return isLocalLocation(location) ? localPath(location)! : location;
}

/** Double braces so borg's placeholder expansion gives the text back unchanged. */
export function escapePlaceholders(text: string): string {
  return text.replace(/[{}]/g, (c) => c + c);
}

export function repoArg(location: string): string {
  return escapePlaceholders(normalizeLocation(location));
}

/** Why a name cannot be an archive name, or null when it can. */
export function archiveNameProblem(name: string): string | null {
  if (name.length === 0) return "it is empty";
  if (name.includes("/")) return 'it contains "/"';
  if (name.includes("::")) return 'it contains "::"';
  if (name.includes("\0")) return "it contains a NUL byte";
  return null;
}

/**
 * `REPO::ARCHIVE` as one argument. For reads, an impossible name is "archive-not-found" (no such
 * archive can exist); for creation it is a plain input error.
 */
export function archiveArg(location: string, archiveName: string, purpose: "read" | "create" = "read"): string {
  const problem = archiveNameProblem(archiveName);
  if (problem) {
    throw new BorgError({
      kind: purpose === "read" ? "archive-not-found" : "other",
      userMessage: `${JSON.stringify(archiveName)} is not a valid borg archive name: ${problem}.`,
    });
  }
  return `${repoArg(location)}::${escapePlaceholders(archiveName)}`;
}

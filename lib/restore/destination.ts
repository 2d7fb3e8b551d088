/**
 * Where a restore job writes: `<restore root>/<host>/<archive>/<job id>`, and nowhere else.
 *
 * The host name is DNS-like (validated by hostNameSchema) and the job id a number, but the archive
 * name comes from borg and can hold almost anything ("..", spaces, unicode; borg refuses only "/" and
 * "::"). It is made one safe path component: characters outside [A-Za-z0-9._-] are percent-encoded,
 * and a name made only of dots gets a "%2E" for its first dot, so the result is never "." or "..",
 * never contains "/" and is never hidden. The directory is created with mode 0700 and its realpath
 * checked to be under the root's realpath (a symlink planted under the root cannot redirect it).
 */
import fs from "node:fs/promises";
import path from "node:path";

/** The archive name as one directory name that cannot escape (see above). Injective: "%" is encoded too. */
export function archiveDirName(archive: string): string {
  let out = "";
  for (const byte of Buffer.from(archive, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) || (ch === "." && out.length > 0) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  // Keep it within NAME_MAX (255) even for long names: cut and add a short marker that stays unique per job dir anyway.
  return out.length > 200 ? `${out.slice(0, 200)}%7E` : out || "%00";
}

/** The job's directory (not created). */
export function jobDestination(root: string, host: string, archive: string, jobId: number): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host) || host.includes(".."))
    throw new Error(`Invalid host name for a restore destination: ${JSON.stringify(host)}`);
  if (!Number.isInteger(jobId) || jobId <= 0) throw new Error(`Invalid job id ${jobId}`);
  return path.join(path.resolve(root), host, archiveDirName(archive), String(jobId));
}

class DestinationError extends Error {}

/**
 * Create the job's directory (0700, and 0700 parents under the root) and prove it is inside the root:
 * it must be new (a leftover with files would mix restores) and its realpath under the root's realpath.
 */
export async function prepareDestination(root: string, destination: string): Promise<void> {
  const absRoot = path.resolve(root);
  const rel = path.relative(absRoot, path.resolve(destination));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel))
    throw new DestinationError(`The destination ${destination} is not inside the restore root ${absRoot}.`);
  await fs.mkdir(absRoot, { recursive: true, mode: 0o700 });
  await fs.mkdir(path.dirname(destination), { recursive: true, mode: 0o700 });
  try {
    await fs.mkdir(destination, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new DestinationError(`The destination ${destination} exists already; a job directory is never reused.`);
    throw err;
  }
  const [realRoot, realDest] = await Promise.all([fs.realpath(absRoot), fs.realpath(destination)]);
  const realRel = path.relative(realRoot, realDest);
  if (realRel === "" || realRel.startsWith("..") || path.isAbsolute(realRel)) {
    throw new DestinationError(`The destination ${destination} resolves to ${realDest}, outside the restore root ${realRoot}; refusing to restore there.`);
  }
}

/** POSIX shell quoting for a command people copy (single quotes; a quote as '\''). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that copies a finished restore back to its host (the seed's procedure: files from the
 * backup, then rsync to the server). Archives hold paths relative to "/", so without strip-components
 * the job directory maps to "/" on the host. With strip-components the stripped leading directories
 * are the target when all selected paths share them; otherwise the target is left for the operator.
 */
export function rsyncCommand(job: { destination: string; host: string; stripComponents: number; displayPaths: string[] }): {
  command: string;
  targetKnown: boolean;
} {
  let target: string | null = "/";
  if (job.stripComponents > 0) {
    const prefixes = new Set(job.displayPaths.map((p) => p.split("/").slice(0, job.stripComponents).join("/")));
    const [only] = prefixes;
    target = prefixes.size === 1 && only && only.split("/").length === job.stripComponents ? `/${only}/` : null;
  }
  const dest = `${job.destination.replace(/\/+$/, "")}/`;
  const remote = `root@${job.host}:${target ?? "/PATH/ON/HOST/"}`;
  return { command: ["rsync", "-aHAX", "--numeric-ids", "--info=progress2", shellQuote(dest), shellQuote(remote)].join(" "), targetKnown: target !== null };
}

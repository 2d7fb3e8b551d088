/**
 * Looking at a local repo's lock without taking it (borg/locking.py).
 *
 * borg's repository lock is `<repo>/lock.exclusive` (a directory made atomically; it holds one empty
 * file named `<hostid>.<pid>-<thread>` per holder) plus `<repo>/lock.roster` (JSON with "exclusive"
 * and "shared" holder lists). A writer such as `borg create`, `prune` or `compact` keeps
 * lock.exclusive for its whole run; a reader holding a shared lock only creates it for the moment it
 * edits the roster. So "lock.exclusive exists" means "a writer is at work": the collector reports the
 * repo as busy and does not run borg on it at all.
 *
 * A lock left by a crashed borg stays until borg (or `borg break-lock`) removes it; borg itself
 * removes stale locks of dead processes on the same host when it next takes the lock.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { localPath } from "./location";

export interface LockHolder {
  /** borg's host id: "<fqdn>@<node id>" (or BORG_HOST_ID). */
  host: string;
  pid: number;
  thread: number;
}

export interface RepoLockState {
  /** lock.exclusive exists: a writer holds the repo. */
  locked: boolean;
  /** Holders named in lock.exclusive. */
  exclusive: LockHolder[];
  /** Shared holders from lock.roster (readers that did not use --bypass-lock). */
  shared: LockHolder[];
}

/** True when `<repo>/lock.exclusive` exists, i.e. a writer like `borg create` holds the repo. */
export async function isRepoLockedLocally(repoPath: string): Promise<boolean> {
  const dir = localPath(repoPath);
  if (dir === null) return false; // remote repos: only borg on the server can tell
  try {
    await stat(path.join(dir, "lock.exclusive"));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw err;
  }
}

/** Who holds a local repo's lock, for display ("locked by backup01 pid 1234"). */
export async function readRepoLock(repoPath: string): Promise<RepoLockState> {
  const dir = localPath(repoPath);
  if (dir === null) return { locked: false, exclusive: [], shared: [] };
  let names: string[] | null = null;
  try {
    names = await readdir(path.join(dir, "lock.exclusive"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
  }
  const exclusive = (names ?? []).map(parseHolderName).filter((h): h is LockHolder => h !== null);
  let shared: LockHolder[] = [];
  try {
    const roster = JSON.parse(await readFile(path.join(dir, "lock.roster"), "utf8")) as { shared?: unknown };
    if (Array.isArray(roster.shared)) {
      shared = roster.shared
        .filter((e): e is [string, number, number] => Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "number")
        .map(([host, pid, thread]) => ({ host, pid, thread: typeof thread === "number" ? thread : 0 }));
    }
  } catch {
    // No roster (never locked, or released) or mid-rewrite: no shared holders known.
  }
  return { locked: names !== null, exclusive, shared };
}

/** "<host>.<pid>-<thread hex>" as written by borg's ExclusiveLock. */
export function parseHolderName(name: string): LockHolder | null {
  const m = /^(.*)\.(\d+)-([0-9a-f]+)$/.exec(name);
  if (!m) return null;
  return { host: m[1]!, pid: Number(m[2]), thread: parseInt(m[3]!, 16) };
}

/**
 * The id of a local repo's last committed transaction: borg writes `index.<N>` (and `hints.<N>`) at
 * every commit and removes the older ones, so N changes whenever a writer commits. Used to tell a
 * lock-free read that failed because a writer changed the repo under it (N moved, or the lock is held
 * now) from a real failure. null for remote repos and unreadable directories.
 */
export async function localRepoTransaction(repoPath: string): Promise<number | null> {
  const dir = localPath(repoPath);
  if (dir === null) return null;
  try {
    let newest: number | null = null;
    for (const name of await readdir(dir)) {
      const match = /^index\.(\d+)$/.exec(name);
      if (match) newest = Math.max(newest ?? 0, Number(match[1]));
    }
    return newest;
  } catch {
    return null;
  }
}

/**
 * The dashboard's one SQLite database (users, sessions, audit log, restore jobs, alerts, pings, fleet
 * history, archive index catalog), opened once at start-up by lib/runtime.ts. It is not optional: code
 * that runs in a request calls `database()` and gets a Db. A server that could not open it (an invalid
 * config file, an unwritable data directory) answers every request but /api/health with a 503 that
 * says why (proxy.ts), so `database()` throwing is a programming error, not a user-facing path.
 */
import type { Db } from "./index";
import { processGlobal } from "@/lib/processGlobal";

const current = processGlobal<Db>("database");
const unavailableReason = processGlobal<string>("database-unavailable");

export class DatabaseUnavailableError extends Error {
  constructor(reason: string) {
    super(`The dashboard's database is not open: ${reason}`);
    this.name = "DatabaseUnavailableError";
  }
}

/** Installed by the runtime at start-up (and by tests); `undefined` closes the slot again. */
export function setDatabase(db: Db | undefined): void {
  current.set(db);
  if (db) unavailableReason.set(undefined);
}

/** Why the runtime could not open the database (shown in the 503), recorded by lib/runtime.ts. */
export function setDatabaseUnavailable(reason: string): void {
  unavailableReason.set(reason);
}

/** The database, or why there is none: for proxy.ts, which answers 503 before any page or action runs. */
export function databaseStatus(): { ok: true } | { ok: false; reason: string } {
  if (current.get()) return { ok: true };
  return { ok: false, reason: unavailableReason.get() ?? "the server has not started its runtime" };
}

/** The database. Throws DatabaseUnavailableError only if called on a server that failed to start. */
export function database(): Db {
  const db = current.get();
  if (!db) throw new DatabaseUnavailableError(unavailableReason.get() ?? "the server has not started its runtime");
  return db;
}

/** The database that holds users, sessions and the audit log (the runtime's, set in lib/runtime.ts). */
import type { Db } from "@/lib/db";

const KEY = Symbol.for("borg-fleet.auth-db");
type GlobalWithDb = typeof globalThis & { [KEY]?: Db };

export function setAuthDb(db: Db | undefined): void {
  (globalThis as GlobalWithDb)[KEY] = db;
}

export function getAuthDb(): Db | undefined {
  return (globalThis as GlobalWithDb)[KEY];
}

/** The database that holds users, sessions and the audit log (the runtime's, set in lib/runtime.ts). */
import type { Db } from "@/lib/db";
import { processGlobal } from "@/lib/processGlobal";

const authDb = processGlobal<Db>("auth-db");

export function setAuthDb(db: Db | undefined): void {
  authDb.set(db);
}

export function getAuthDb(): Db | undefined {
  return authDb.get();
}

/**
 * A second dashboard over a copy of the e2e demo (sso.spec.ts, reverse-proxy.spec.ts): the demo's
 * database (its users and last fleet state) copied consistently, its fleet.yml with the collector off
 * (nothing else runs borg), and the audit log of that copy read straight from its database.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { DEMO_DIR } from "./demoFleet";

/**
 * Copies the demo's database into `<dir>/data` and writes `<demo dir>/<configName>`: the demo's config
 * with that data directory, the collector off, `edit` applied, and `extra` appended. Returns its path.
 */
export function copyDemoDashboard(dir: string, configName: string, extra: string, edit: (config: string) => string = (c) => c): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const demoDb = new Database(path.join(DEMO_DIR, "data", "borg-fleet.sqlite"), { readonly: true, fileMustExist: true });
  demoDb.exec(`VACUUM INTO '${path.join(dir, "data", "borg-fleet.sqlite").replaceAll("'", "''")}'`);
  demoDb.close();
  const original = fs.readFileSync(path.join(DEMO_DIR, "fleet.yml"), "utf8");
  const changed = original.replace(/^dataDir: \.\/data$/m, `dataDir: ${path.join(dir, "data")}`).replace(/^collector:$/m, "collector:\n  enabled: false");
  if (changed === original) throw new Error(`the demo's fleet.yml has no "dataDir: ./data" or "collector:" line to change`);
  const config = path.join(DEMO_DIR, configName);
  fs.writeFileSync(config, edit(changed) + extra);
  return config;
}

export interface AuditRow {
  id: number;
  username: string | null;
  address: string | null;
  action: string;
  host: string | null;
  outcome: string;
  reason: string | null;
}

/** Readers of the audit rows of the database under `dataDir`: those after an id, and the last id. */
export function auditLogOf(dataDir: string) {
  const since = (id: number): AuditRow[] => {
    const db = new Database(path.join(dataDir, "borg-fleet.sqlite"), { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT id, username, address, action, host, outcome, reason FROM audit_log WHERE id > ? ORDER BY id").all(id) as AuditRow[];
    } finally {
      db.close();
    }
  };
  return { since, lastId: () => since(0).at(-1)?.id ?? 0 };
}

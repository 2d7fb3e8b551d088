/**
 * Opens the dashboard's SQLite database (one per data directory) and applies migrations.
 * Cached on globalThis: Next.js can load this module several times in one process, and two
 * connections would fight over WAL checkpoints for nothing.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./schema";
import { processGlobal } from "@/lib/processGlobal";

export type Db = Database.Database;

const openDatabases = processGlobal<Map<string, Db>>("databases");

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, "borg-fleet.sqlite");
}

function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** Open (or reuse) the database in `dataDir`, creating the directory and schema as needed. */
export function openDatabase(dataDir: string): Db {
  const cache = openDatabases.ensure(() => new Map());
  const file = databaseFile(path.resolve(dataDir));
  const existing = cache.get(file);
  if (existing?.open) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  cache.set(file, db);
  return db;
}

/** An in-memory database with the full schema, for tests. */
export function openMemoryDatabase(): Db {
  const db = new Database(":memory:");
  migrate(db);
  return db;
}

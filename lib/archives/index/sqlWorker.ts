/**
 * Runs SQL statements on an index file in a worker thread, so a statement that takes seconds (building
 * a B-tree over a million rows) never blocks the server's event loop.
 *
 * The worker is a few lines of plain JavaScript given as a string (`eval`), not a module file: the
 * server runs from Next's bundle, where a separate worker file would need its own build step. It loads
 * better-sqlite3 from the app's node_modules (resolved from the working directory, where the server
 * and the standalone output both run). When a worker cannot start there, the statements run on the
 * calling thread instead: slower for the event loop, same result.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
let Database;
try {
  Database = createRequire(workerData.requireFrom)("better-sqlite3");
} catch (err) {
  parentPort.postMessage({ unavailable: String(err && err.message) });
  process.exit(0);
}
const db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
try {
  for (const sql of workerData.statements) db.exec(sql);
  parentPort.postMessage({ done: true });
} catch (err) {
  // Error objects lose their message across threads: send the text.
  parentPort.postMessage({ error: String(err && err.message) });
} finally {
  db.close();
}
`;

/** Readers of the file hold it for a moment per query; a writer waits this long for them. */
const BUSY_TIMEOUT_MS = 30_000;

function runHere(file: string, statements: string[]): void {
  const db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    for (const sql of statements) db.exec(sql);
  } finally {
    db.close();
  }
}

/**
 * Executes `statements` in order on `file` (each its own transaction unless it says otherwise).
 * Aborting terminates the worker: a statement cut off that way is rolled back by SQLite (its journal
 * is undone by the next connection), so the file is as before that statement. Resolves false then.
 */
export function execInWorker(file: string, statements: string[], signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { file, statements, requireFrom: path.join(process.cwd(), "package.json"), busyTimeoutMs: BUSY_TIMEOUT_MS },
      });
    } catch {
      runHere(file, statements);
      resolve(true);
      return;
    }
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      void worker.terminate();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    let outcome: { done?: true; error?: string; unavailable?: string } = {};
    worker.on("message", (message: typeof outcome) => (outcome = message));
    worker.on("error", (err) => (outcome = { error: err.message }));
    worker.on("exit", () => {
      signal.removeEventListener("abort", onAbort);
      if (aborted) return resolve(false);
      if (outcome.done) return resolve(true);
      if (outcome.unavailable !== undefined) {
        // better-sqlite3 could not be loaded in the worker: do it here.
        console.warn(`[borg-fleet] archive index: no worker thread (${outcome.unavailable}); building indexes on the main thread`);
        try {
          runHere(file, statements);
          return resolve(true);
        } catch (err) {
          return reject(err as Error);
        }
      }
      reject(new Error(outcome.error ?? "the index worker stopped without finishing"));
    });
  });
}

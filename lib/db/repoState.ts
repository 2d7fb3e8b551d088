/** Snapshot of each repo's last known state, reloaded at start so pages show data immediately. */
import type { Db } from "./index";
import type { RepoState } from "@/lib/fleet/types";

export function saveRepoState(db: Db, state: RepoState, now: number): void {
  db.prepare(`INSERT OR REPLACE INTO repo_state (repo_id, state_json, updated_at) VALUES (?, ?, ?)`).run(state.id, JSON.stringify(state), now);
}

export function loadRepoStates(db: Db): Map<string, RepoState> {
  const rows = db.prepare(`SELECT repo_id, state_json FROM repo_state`).all() as { repo_id: string; state_json: string }[];
  const states = new Map<string, RepoState>();
  for (const row of rows) {
    try {
      states.set(row.repo_id, JSON.parse(row.state_json) as RepoState);
    } catch {
      // A corrupt snapshot only costs us the head start; the next cycle rewrites it.
    }
  }
  return states;
}

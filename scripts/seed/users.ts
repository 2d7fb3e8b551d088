/**
 * Demo users: an admin, an operator scoped to some of the demo hosts (so the others are out of its
 * scope) and a viewer, each with a random password, in the demo dashboard's database
 * (<dataDir>/borg-fleet.sqlite), written to <demo dir>/credentials.json (0600) and printed.
 * Idempotent: a second run keeps the passwords in credentials.json (and puts them back into the
 * database when its data directory was wiped).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { verifyPassword } from "../../lib/auth/passwords";
import type { Role } from "../../lib/auth/policy";
import { addUser, findUser, setPassword } from "../../lib/auth/users";
import { parseConfig } from "../../lib/config/load";
import { openDatabase } from "../../lib/db";

export interface DemoCredential {
  username: string;
  password: string;
  role: Role;
  hosts: string[];
}

/** web-01, web-02 and db-01 are in the operator's scope; mail, git, jira, ... are not. */
export const DEMO_USERS: Omit<DemoCredential, "password">[] = [
  { username: "admin", role: "admin", hosts: ["*"] },
  { username: "operator", role: "operator", hosts: ["web-*", "db-??"] },
  { username: "viewer", role: "viewer", hosts: ["*"] },
];

export function credentialsFile(dir: string): string {
  return path.join(dir, "credentials.json");
}

function readCredentials(file: string): DemoCredential[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return Array.isArray(parsed) ? (parsed as DemoCredential[]) : [];
  } catch {
    return [];
  }
}

export async function seedDemoUsers(dir: string, log: (message: string) => void = console.log): Promise<DemoCredential[]> {
  const configFile = path.join(dir, "fleet.yml");
  const config = parseConfig(fs.readFileSync(configFile, "utf8"), configFile);
  const db = openDatabase(config.dataDir);
  const file = credentialsFile(dir);
  const previous = readCredentials(file);
  const result: DemoCredential[] = [];
  for (const spec of DEMO_USERS) {
    const kept = previous.find((c) => c.username === spec.username && typeof c.password === "string" && c.password.length >= 10);
    const password = kept?.password ?? randomBytes(15).toString("base64url");
    const existing = findUser(db, spec.username);
    if (!existing) await addUser(db, { ...spec, password }, { by: "demo" });
    else if (!(await verifyPassword(password, existing.passwordHash))) await setPassword(db, spec.username, password, { by: "demo" });
    result.push({ username: spec.username, password, role: spec.role, hosts: spec.hosts });
  }
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  log(`demo users (also in ${file}):`);
  for (const c of result) log(`  ${c.username.padEnd(9)} ${c.password}  ${c.role}${c.role === "admin" ? "" : ` on ${c.hosts.join(" ")}`}`);
  return result;
}

/**
 * The storage server's authorized_keys, from an inventory (the seed's "Access Control"):
 *   host key  ->  command="borg serve --restrict-to-path <root>/<host>",restrict <key> host:<host>
 *   team key  ->  command="borg serve --restrict-to-path <root>",restrict <key> team:<name>
 * Output is stable (sorted by host, then team member, then key), so a diff shows only real changes.
 * The key's own comment is dropped: it is replaced by `host:<name>` / `team:<name>`.
 */
import { z } from "zod";
import { hostNameSchema } from "@/lib/config/schema";
import { KeyError, parsePublicKey, type PublicKey } from "./sshKey";

const keyList = z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const inventorySchema = z
  .object({
    /** Root of the host repositories on the storage server (the seed's /srv/borg). */
    root: z.string().optional(),
    /** Host name -> its root public key (or keys). */
    hosts: z.record(hostNameSchema, keyList).default({}),
    /** Team member -> public key(s). */
    team: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, "expected a member name"), keyList).default({}),
  })
  .strict();
export type Inventory = z.infer<typeof inventorySchema>;

export interface RenderOptions {
  root: string;
  /** Host keys get `borg serve --append-only` (they can add archives, not delete them). */
  appendOnly?: boolean;
}

export class InventoryError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** The root must be an absolute path that is safe inside a double-quoted command="..." option. */
function checkRoot(root: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(root) || root.split("/").includes("..")) {
    throw new InventoryError([`root ${JSON.stringify(root)}: expected an absolute path of letters, digits, '.', '_', '-', '/'`]);
  }
  return root.length > 1 ? root.replace(/\/+$/, "") : root;
}

function parseKeys(kind: string, name: string, keys: string[], problems: string[]): PublicKey[] {
  const parsed: PublicKey[] = [];
  keys.forEach((text, i) => {
    try {
      parsed.push(parsePublicKey(text));
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      problems.push(`${kind} ${name}${keys.length > 1 ? ` key ${i + 1}` : ""}: ${err.message}`);
    }
  });
  return parsed;
}

/** Renders the file; throws InventoryError listing every bad key (nothing is written for a bad inventory). */
export function renderAuthorizedKeys(inventory: Inventory, options: RenderOptions): string {
  const root = checkRoot(options.root);
  const problems: string[] = [];
  const lines: string[] = [];
  const seen = new Map<string, string>();
  const add = (owner: string, path: string, extra: string, key: PublicKey) => {
    const previous = seen.get(key.blob);
    if (previous) problems.push(`${owner}: the same key is already used by ${previous}`);
    seen.set(key.blob, owner);
    lines.push(`command="borg serve${extra} --restrict-to-path ${path}",restrict ${key.type} ${key.blob} ${owner}`);
  };
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const host of Object.keys(inventory.hosts).sort(byName)) {
    const keys = parseKeys("host", host, inventory.hosts[host]!, problems);
    for (const key of keys.sort((a, b) => byName(a.blob, b.blob))) {
      add(`host:${host}`, root === "/" ? `/${host}` : `${root}/${host}`, options.appendOnly ? " --append-only" : "", key);
    }
  }
  for (const member of Object.keys(inventory.team).sort(byName)) {
    const keys = parseKeys("team", member, inventory.team[member]!, problems);
    for (const key of keys.sort((a, b) => byName(a.blob, b.blob))) add(`team:${member}`, root, "", key);
  }
  if (problems.length > 0) throw new InventoryError(problems);
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** A line diff of two authorized_keys files (order-independent: the output is sorted). */
export function diffLines(before: string, after: string): string {
  const a = before.split("\n").filter(Boolean);
  const b = after.split("\n").filter(Boolean);
  const setA = new Set(a);
  const setB = new Set(b);
  const out = [...a.filter((l) => !setB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !setA.has(l)).map((l) => `+ ${l}`)];
  return out.join("\n") + (out.length ? "\n" : "");
}

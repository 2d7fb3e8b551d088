/**
 * `npm run authorized-keys -- --inventory fleet-keys.yml --out /home/borg/.ssh/authorized_keys [options]`
 *
 * Writes the storage server's authorized_keys from an inventory (YAML or JSON):
 *   root: /srv/borg
 *   hosts:  { web1.example.com: "ssh-ed25519 AAAA... root@web1" }
 *   team:   { alice: ["ssh-ed25519 AAAA... alice@laptop"] }
 *
 * Options: --root DIR (overrides the inventory; default /srv/borg), --append-only (host keys),
 * --dry-run (print the diff only), --print (write the file to stdout). Every key is validated
 * (lib/kit/sshKey.ts); one bad key and nothing is written. The file is replaced atomically
 * (temporary file in the same directory, fsync, rename), mode 0600. Exit codes: 0 written or
 * unchanged, 1 invalid inventory, 2 usage.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { diffLines, InventoryError, inventorySchema, renderAuthorizedKeys } from "@/lib/kit/authorizedKeys";
import { writeFileAtomic } from "@/lib/kit/atomicWrite";

function usage(message: string): never {
  process.stderr.write(
    `authorized-keys: ${message}\nusage: npm run authorized-keys -- --inventory FILE (--out FILE | --print) [--root DIR] [--append-only] [--dry-run]\n`,
  );
  process.exit(2);
}

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        inventory: { type: "string" },
        out: { type: "string" },
        root: { type: "string" },
        "append-only": { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        print: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  if (!values.inventory) usage("--inventory is required");
  if (!values.out && !values.print) usage("--out or --print is required");

  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(values.inventory, "utf8"));
  } catch (err) {
    process.stderr.write(`authorized-keys: cannot read ${values.inventory}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const parsed = inventorySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      process.stderr.write(`authorized-keys: ${values.inventory}: ${issue.path.join(".") || "(root)"}: ${issue.message}\n`);
    return 1;
  }
  let text: string;
  try {
    text = renderAuthorizedKeys(parsed.data, { root: values.root ?? parsed.data.root ?? "/srv/borg", appendOnly: values["append-only"] });
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    for (const problem of err.problems) process.stderr.write(`authorized-keys: refused: ${problem}\n`);
    process.stderr.write("authorized-keys: nothing written\n");
    return 1;
  }
  if (values.print) {
    process.stdout.write(text);
    return 0;
  }
  const out = path.resolve(values.out!);
  let before = "";
  try {
    before = fs.readFileSync(out, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const diff = diffLines(before, text);
  process.stdout.write(diff || "authorized-keys: no changes\n");
  if (values["dry-run"] || before === text) return 0;
  writeFileAtomic(out, text, 0o600);
  process.stdout.write(`authorized-keys: wrote ${out}\n`);
  return 0;
}

process.exitCode = main();

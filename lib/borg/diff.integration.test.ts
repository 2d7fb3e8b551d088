/**
 * diffArchives against a REAL borg repository: two archives that differ in every way borg diff
 * reports (content, added/removed files, directories, links, fifo, mode, owner, symlink target,
 * hard links, a file that became a directory, a non-UTF-8 name).
 */
import { execFileSync } from "node:child_process";
import { chmod, chown, link, mkdir, rm, symlink, truncate, writeFile, appendFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRepo, type TempRepo } from "@/test/fixtures/borgRepo";
import { createArchive, diffArchives, isBorgError, type DiffEntry } from "./index";

const BAD = Buffer.concat([Buffer.from("bad"), Buffer.from([0xff]), Buffer.from(" name")]);

let repo: TempRepo;
let src: string;

async function collect(from: string, to: string, paths?: Buffer[]): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  for await (const e of diffArchives(repo.target, from, to, { ...repo.opts, paths })) out.push(e);
  return out;
}

/** Each entry as "status path: change, change" without time stamps (they depend on the clock). */
function summary(entries: DiffEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const changes = e.changes
      .filter((c) => c.type !== "ctime" && c.type !== "mtime")
      .map((c) => {
        switch (c.type) {
          case "added":
          case "removed":
            return `${c.type} ${c.kind}${c.size === null ? "" : ` ${c.size}`}`;
          case "modified":
            return `modified +${c.added} -${c.removed}`;
          case "mode":
            return `mode ${c.oldMode}>${c.newMode}`;
          case "owner":
            return `owner ${c.oldUser}:${c.oldGroup}>${c.newUser}:${c.newGroup}`;
          case "link":
            return "link";
          default:
            return c.type;
        }
      });
    out[e.pathBytes.toString("latin1")] = `${e.status}: ${changes.join(", ")}`;
  }
  return out;
}

beforeAll(async () => {
  repo = await makeTempRepo();
  src = path.join(repo.root, "src");
  const p = (name: string) => path.join(src, name);
  await mkdir(p("gone"), { recursive: true });
  await mkdir(p("emptyrm"));
  await mkdir(p("d"));
  await writeFile(p("mod"), "a\n");
  await writeFile(p("same"), "same\n");
  await writeFile(p("rm"), "x\n");
  await writeFile(p("chmodf"), "m\n");
  await writeFile(p("chownf"), "o\n");
  await writeFile(p("file2dir"), "f\n");
  await writeFile(p("gone/f"), "g\n");
  await writeFile(p("hl1"), "h\n");
  await link(p("hl1"), p("hl2"));
  await symlink("t1", p("link"));
  await symlink("keep", p("linkrm"));
  await writeFile(Buffer.concat([Buffer.from(`${src}/`), BAD]), "nonutf\n");
  for (const f of ["mod", "same", "rm", "chmodf", "chownf", "file2dir", "gone/f", "hl1"]) await chmod(p(f), 0o644);
  await createArchive(repo.target, "one", ["."], { cwd: src }, repo.opts);

  await appendFile(p("mod"), "abcdef\n");
  await rm(p("rm"));
  await writeFile(p("added"), "new\n");
  await chmod(p("chmodf"), 0o700);
  await chown(p("chownf"), 54321, 54321);
  await rm(p("link"));
  await symlink("t2", p("link"));
  await rm(p("linkrm"));
  await rm(p("gone"), { recursive: true });
  await rm(p("emptyrm"), { recursive: true });
  await mkdir(p("newdir"));
  await writeFile(p("newdir/q"), "q\n");
  await appendFile(p("hl1"), "hh\n");
  await appendFile(Buffer.concat([Buffer.from(`${src}/`), BAD]), "more\n");
  await rm(p("file2dir"));
  await mkdir(p("file2dir"));
  await chmod(p("file2dir"), 0o755);
  execFileSync("mkfifo", [p("fifo")]);
  await truncate(p("same"), 5); // same content, new times: only ctime/mtime differ
  await createArchive(repo.target, "two", ["."], { cwd: src }, repo.opts);
});

afterAll(async () => {
  await repo?.cleanup();
});

describe("diffArchives (borg diff --json-lines)", () => {
  it("reports every kind of change exactly as set up", async () => {
    const got = summary(await collect("one", "two"));
    expect(got).toEqual({
      ".": "changed: ", // the source root's times changed
      same: "changed: ", // times only ("modified 0 B 0 B" from borg is dropped)
      mod: "changed: modified +9 -2",
      rm: "removed: removed file 2",
      added: "added: added file 4",
      chmodf: "changed: mode -rw-r--r-->-rwx------",
      chownf: "changed: owner root:root>null:null", // uid 54321 has no name
      link: "changed: link",
      linkrm: "removed: removed link",
      gone: "removed: removed directory",
      "gone/f": "removed: removed file 2",
      emptyrm: "removed: removed directory",
      newdir: "added: added directory",
      "newdir/q": "added: added file 2",
      hl1: "changed: modified +5 -2",
      hl2: "changed: modified +5 -2", // a hard link shares the content change
      [BAD.toString("latin1")]: "changed: modified +12 -7",
      file2dir: "changed: mode -rw-r--r-->drwxr-xr-x",
      fifo: "added: added fifo",
    });
  });

  it("gives byte sums and exact non-UTF-8 paths", async () => {
    const entries = await collect("one", "two");
    const bad = entries.find((e) => e.pathBytes.equals(BAD));
    expect(bad?.path).toBe("bad\udcff name");
    const added = entries.find((e) => e.path === "added")!;
    expect([added.bytesAdded, added.bytesRemoved]).toEqual([4, 0]);
    const mod = entries.find((e) => e.path === "mod")!;
    expect([mod.bytesAdded, mod.bytesRemoved]).toEqual([9, 2]);
  });

  it("limits the diff to a path (whole components), including a non-UTF-8 one", async () => {
    expect(Object.keys(summary(await collect("one", "two", [Buffer.from("gone")])))).toEqual(["gone", "gone/f"]);
    expect(Object.keys(summary(await collect("one", "two", [Buffer.from("/newdir/")])))).toEqual(["newdir", "newdir/q"]);
    expect(Object.keys(summary(await collect("one", "two", [Buffer.from("hl")])))).toEqual([]);
    expect((await collect("one", "two", [BAD])).map((e) => e.pathBytes)).toEqual([BAD]);
    // A prefix that starts with a pattern style is still a plain path ("pp:" in front).
    expect(await collect("one", "two", [Buffer.from("re:.*")])).toEqual([]);
  });

  it("an archive compared with itself has no differences", async () => {
    expect(await collect("two", "two")).toEqual([]);
  });

  it("an unknown archive is archive-not-found", async () => {
    const err = await collect("one", "nope").catch((e: unknown) => e);
    expect(isBorgError(err) && err.kind).toBe("archive-not-found");
    const err2 = await collect("nope", "two").catch((e: unknown) => e);
    expect(isBorgError(err2) && err2.kind).toBe("archive-not-found");
  });

  it("a wrong passphrase is reported as such", async () => {
    const wrong = path.join(repo.root, "wrong-pass");
    await writeFile(wrong, "not it\n");
    const gen = diffArchives({ location: repo.location, secrets: { passphraseFile: wrong } }, "one", "two", repo.opts);
    const err = await gen.next().catch((e: unknown) => e);
    expect(isBorgError(err) && err.kind).toBe("wrong-passphrase");
  });

  it("stopping early stops borg (no hang, no error)", async () => {
    let n = 0;
    for await (const e of diffArchives(repo.target, "one", "two", repo.opts)) {
      expect(e.path).toBeTruthy();
      if (++n === 2) break;
    }
    expect(n).toBe(2);
  });
});

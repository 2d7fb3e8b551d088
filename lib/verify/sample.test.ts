import { describe, expect, it } from "vitest";
import type { ArchiveItem } from "@/lib/borg";
import { prng } from "@/lib/random";
import { isDatabaseDump, SampleSelector } from "./sample";

function item(path: string, size: number, mtime: number, type = "-"): ArchiveItem {
  return {
    path,
    pathBytes: Buffer.from(path),
    type,
    mode: `${type}rw-r--r--`,
    user: "u",
    group: "g",
    uid: 0,
    gid: 0,
    size,
    mtime,
    linkTarget: null,
    hardlinkTarget: null,
  };
}

describe("restore drill sample", () => {
  it("recognises database dumps", () => {
    expect(isDatabaseDump("var/backups/borg-dumps/app.sql.gz")).toBe(true);
    expect(isDatabaseDump("srv/pg/main.dump")).toBe(true);
    expect(isDatabaseDump("home/u/notes.txt")).toBe(false);
  });

  it("takes dumps and recent files first, then a spread, within the byte and file limits, in archive order", () => {
    const selector = new SampleSelector({ maxBytes: 3000, maxFiles: 6 }, prng(1));
    selector.add(item("etc", 0, 0, "d"));
    for (let i = 0; i < 1000; i++) selector.add(item(`data/f${i}`, 100, i));
    selector.add(item("var/backups/db.sql", 900, 5));
    selector.add(item("huge.iso", 10_000, 99_999));
    selector.add(item("link", 0, 99_999, "l"));
    const sample = selector.sample();
    expect(sample.length).toBe(6);
    expect(sample.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(3000);
    expect(sample.find((f) => f.path === "var/backups/db.sql")?.reason).toBe("dump");
    expect(sample.some((f) => f.path === "data/f999" && f.reason === "recent")).toBe(true);
    expect(sample.some((f) => f.reason === "random")).toBe(true);
    expect(sample.map((f) => f.path)).not.toContain("huge.iso");
    expect(sample.map((f) => f.seq)).toEqual([...sample.map((f) => f.seq)].sort((a, b) => a - b));
  });
});

/** Job directories that cannot escape the restore root, and the rsync command shown after a restore. */
import { mkdtemp, mkdir, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { archiveDirName, jobDestination, prepareDestination, rsyncCommand, shellQuote } from "./destination";

describe("archiveDirName", () => {
  it("is one safe, distinct path component for any archive name", () => {
    const names = ["..", ".", "...", ".hidden", "a/b", "a%2Fb", "web-2026-01-01T03:00", "spaces and\nnewline", "ü", "x".repeat(400)];
    const dirs = names.map(archiveDirName);
    for (const d of dirs) {
      expect(d).not.toMatch(/\//);
      expect(d === "." || d === ".." || d.startsWith(".")).toBe(false);
      expect(d.length).toBeLessThanOrEqual(210);
    }
    expect(new Set(dirs).size).toBe(names.length);
    expect(archiveDirName("..")).toBe("%2E.");
    expect(archiveDirName("web-2026-01-01T03:00")).toBe("web-2026-01-01T03%3A00");
  });

  it("puts every job under <root>/<host>/<archive>/<id> and refuses bad hosts", () => {
    expect(jobDestination("/r", "web1", "../../etc", 7)).toBe("/r/web1/%2E.%2F..%2Fetc/7"); // one component: "/" is encoded;
    expect(() => jobDestination("/r", "../x", "a", 1)).toThrow();
    expect(() => jobDestination("/r", "a/b", "a", 1)).toThrow();
  });
});

describe("prepareDestination", () => {
  it("creates a 0700 directory and refuses one that resolves outside the root through a symlink", async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), "borg-fleet-dest-"));
    try {
      const root = path.join(tmp, "root");
      await prepareDestination(root, path.join(root, "h", "a", "1"));
      await expect(prepareDestination(root, path.join(root, "h", "a", "1"))).rejects.toThrow(/exists already/);
      await mkdir(path.join(tmp, "elsewhere"));
      await symlink(path.join(tmp, "elsewhere"), path.join(root, "evil"));
      await expect(prepareDestination(root, path.join(root, "evil", "a", "2"))).rejects.toThrow(/outside the restore root/);
      await expect(prepareDestination(root, path.join(root, "..", "x"))).rejects.toThrow(/not inside/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe("rsyncCommand", () => {
  it("copies to / without strip, to the shared stripped directory with it, and quotes for the shell", () => {
    expect(rsyncCommand({ destination: "/r/web1/a/1", host: "web1", stripComponents: 0, displayPaths: ["etc/motd"] }).command).toBe(
      "rsync -aHAX --numeric-ids --info=progress2 /r/web1/a/1/ root@web1:/",
    );
    expect(rsyncCommand({ destination: "/r/web1/a/2", host: "web1", stripComponents: 2, displayPaths: ["var/www/a", "var/www/b"] }).command).toMatch(
      /root@web1:\/var\/www\/$/,
    );
    const unknown = rsyncCommand({ destination: "/r/web1/a/3", host: "web1", stripComponents: 1, displayPaths: ["etc/a", "var/b"] });
    expect(unknown).toMatchObject({ targetKnown: false });
    expect(unknown.command).toContain("/PATH/ON/HOST/");
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});

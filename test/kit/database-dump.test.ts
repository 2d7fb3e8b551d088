/**
 * The backup script's database step with a real PostgreSQL (Debian's, a throwaway cluster on a unix
 * socket in a temporary directory): every database is dumped with pg_dump -Fc, the dump ends up in the
 * archive, and it restores with pg_restore.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { borgEnv, makeTmpDirs, ROOT, run } from "./helpers";

import { SKIP_OUTSIDE_CI } from "../fixtures/ci";

const tmp = makeTmpDirs();
const pgBin = (() => {
  try {
    const versions = fs.readdirSync("/usr/lib/postgresql").filter((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
    const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
    return newest ? `/usr/lib/postgresql/${newest}/bin` : null;
  } catch {
    return null;
  }
})();
const canRun = pgBin !== null && process.getuid?.() === 0;

describe.skipIf(SKIP_OUTSIDE_CI && !canRun)("PostgreSQL dumps (real cluster)", () => {
  let dir = "";
  let socketDir = "";
  const port = String(20000 + (process.pid % 20000));
  const asPostgres = (file: string, args: string[]) =>
    run("runuser", ["-u", "postgres", "--", file, ...args], { cwd: dir, env: { ...process.env, PGHOST: socketDir, PGPORT: port } });
  const psql = (db: string, sql: string) => asPostgres(path.join(pgBin!, "psql"), ["-XAtq", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql]);

  beforeAll(async () => {
    dir = tmp.make("pg");
    fs.chmodSync(dir, 0o755);
    socketDir = path.join(dir, "socket");
    fs.mkdirSync(socketDir);
    fs.mkdirSync(path.join(dir, "data"));
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    fs.chownSync(socketDir, uid, gid);
    fs.chownSync(path.join(dir, "data"), uid, gid);
    const init = await asPostgres(path.join(pgBin!, "initdb"), ["-D", path.join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    expect(init.code, init.stderr).toBe(0);
    const start = await asPostgres(path.join(pgBin!, "pg_ctl"), [
      "-D",
      path.join(dir, "data"),
      "-l",
      path.join(socketDir, "server.log"),
      "-w",
      "-o",
      `-c listen_addresses='' -c unix_socket_directories=${socketDir} -p ${port} -c fsync=off`,
      "start",
    ]);
    expect(start.code, start.stdout + start.stderr).toBe(0);
    expect((await psql("postgres", "CREATE DATABASE shop")).code).toBe(0);
    expect((await psql("postgres", 'CREATE DATABASE "odd/name"')).code).toBe(0);
    const fill = await psql(
      "shop",
      "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g;",
    );
    expect(fill.code, fill.stderr).toBe(0);
  });

  afterAll(async () => {
    if (dir) await asPostgres(path.join(pgBin!, "pg_ctl"), ["-D", path.join(dir, "data"), "-m", "immediate", "stop"]);
    tmp.cleanup();
  });

  it("dumps each database into the archive; the dump restores with pg_restore", async () => {
    const base = tmp.make("base");
    const repo = path.join(base, "repo");
    expect((await run("borg", ["init", "-e", "none", repo], { env: borgEnv(base) })).code).toBe(0);
    const root = tmp.make("root");
    fs.mkdirSync(path.join(root, "etc"));
    fs.writeFileSync(path.join(root, "etc/motd"), "hi\n");
    const r = await run("bash", [path.join(ROOT, "deploy/client/borg-backup.sh")], {
      env: borgEnv(base, {
        BORG_REPO: repo,
        BACKUP_ROOT: root,
        BACKUP_LOCK_FILE: path.join(base, "lock"),
        PGHOST: socketDir,
        PGPORT: port,
        PATH: `${pgBin}:${process.env.PATH}`,
      }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("PostgreSQL is running");
    expect(r.stderr).toContain("dumped PostgreSQL database shop");
    const archive = (await run("borg", ["list", "--short", "--last", "1", repo], { env: borgEnv(base) })).stdout.trim();
    const files = (await run("borg", ["list", "--short", `${repo}::${archive}`], { env: borgEnv(base) })).stdout.split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "var/backups/borg-dumps/postgresql-shop.dump",
        "var/backups/borg-dumps/postgresql-odd_name.dump",
        "var/backups/borg-dumps/postgresql-postgres.dump",
        "var/backups/borg-dumps/postgresql-globals.sql",
      ]),
    );
    expect(fs.statSync(path.join(root, "var/backups/borg-dumps")).mode & 0o777).toBe(0o700);

    // Restore from the archive (not from the live dump directory) into a new database.
    const restoreDir = tmp.make("restore");
    const extract = await run("borg", ["extract", `${repo}::${archive}`, "var/backups/borg-dumps/postgresql-shop.dump"], {
      env: borgEnv(base),
      cwd: restoreDir,
    });
    expect(extract.code, extract.stderr).toBe(0);
    // Where the postgres user can read it (the dump directory is root-only, as on the host).
    const dump = path.join(dir, "shop.dump");
    fs.copyFileSync(path.join(restoreDir, "var/backups/borg-dumps/postgresql-shop.dump"), dump);
    fs.chmodSync(dump, 0o644);
    expect((await psql("postgres", "CREATE DATABASE shop_restored")).code).toBe(0);
    const restore = await asPostgres(path.join(pgBin!, "pg_restore"), ["--exit-on-error", "-d", "shop_restored", dump]);
    expect(restore.code, restore.stderr).toBe(0);
    const check = await psql("shop_restored", "SELECT count(*), max(item) FROM orders");
    expect(check.stdout.trim()).toBe("500|item 99");
  });

  it("a failed dump fails the run (exit 2) but the files are still backed up", async () => {
    const base = tmp.make("base");
    const repo = path.join(base, "repo");
    expect((await run("borg", ["init", "-e", "none", repo], { env: borgEnv(base) })).code).toBe(0);
    const root = tmp.make("root");
    fs.writeFileSync(path.join(root, "motd"), "hi\n");
    // "nobody" has no role in the cluster: pg_isready works, every dump is refused.
    const r = await run("bash", [path.join(ROOT, "deploy/client/borg-backup.sh")], {
      env: borgEnv(base, { BORG_REPO: repo, BACKUP_ROOT: root, BACKUP_LOCK_FILE: path.join(base, "lock"), PGHOST: socketDir, PGPORT: port, PG_USER: "nobody" }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("database dump failed: pg_dumpall --globals-only");
    expect(r.stderr).toContain("the files were backed up, but a database dump failed");
    const archive = (await run("borg", ["list", "--short", "--last", "1", repo], { env: borgEnv(base) })).stdout.trim();
    const files = (await run("borg", ["list", "--short", `${repo}::${archive}`], { env: borgEnv(base) })).stdout.split("\n");
    expect(files).toContain("motd");
  });
});

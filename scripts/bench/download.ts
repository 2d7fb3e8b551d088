/**
 * `npm run bench -- download`: a multi-gigabyte tar download through the production server, against
 * raw `borg export-tar` of the same paths to /dev/null in the same run, with the server's memory
 * sampled every 100 ms (target: flat, whatever the size).
 *
 * The archive (incompressible random files, BENCH_DOWNLOAD_GB gigabytes, default 3) is created once
 * under .bench/download/ and reused; the source files are deleted once archived. The server runs
 * `next start` with a config whose only repo is that one (collector off, so nothing else runs borg)
 * and a database holding an operator with a session.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { once } from "node:events";
import { createArchive, initRepo } from "@/lib/borg";
import { addUser } from "@/lib/auth/users";
import { createSession } from "@/lib/auth/sessions";
import { openDatabase } from "@/lib/db";
import { median, s, startServer } from "./util";

export interface DownloadBenchResult {
  bytes: number;
  files: number;
  rawSeconds: number;
  rawMBps: number;
  httpSeconds: number;
  httpMBps: number;
  ratio: number;
  serverRssMiB: { idle: number; min: number; median: number; max: number; samples: number };
  borgRssMaxMiB: number;
}

const HOST = "bench-dl";
const ARCHIVE = "bench-dl-archive";
const PASSPHRASE = "bench download passphrase";
const MiB = 1024 * 1024;

interface Fixture {
  dir: string;
  repo: string;
  baseDir: string;
  passphraseFile: string;
  paths: string[];
  bytes: number;
}

/** Writes `count` random files of `size` bytes, 8 MiB at a time (constant memory). */
async function writeRandomFiles(dir: string, count: number, size: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `part-${String(i).padStart(3, "0")}.bin`;
    const out = createWriteStream(path.join(dir, name));
    for (let written = 0; written < size; written += 8 * MiB) {
      if (!out.write(randomBytes(Math.min(8 * MiB, size - written)))) await once(out, "drain");
    }
    out.end();
    await once(out, "close");
    names.push(name);
  }
  return names;
}

async function ensureFixture(root: string, gigabytes: number): Promise<Fixture> {
  const dir = path.join(root, ".bench", "download", `${gigabytes}g`);
  const repo = path.join(dir, "site", HOST);
  const baseDir = path.join(dir, "borg-base");
  const passphraseFile = path.join(dir, "passphrase");
  const fileSize = 256 * MiB;
  const count = Math.max(1, Math.round((gigabytes * 1024) / 256));
  const ready = path.join(dir, "ready");
  if (!existsSync(ready)) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(repo), { recursive: true });
    await fs.writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    const target = { location: repo, secrets: { passphraseFile } };
    console.log(`  creating a ${count} × 256 MiB incompressible archive in ${path.relative(root, dir)} (once; cached)...`);
    const src = path.join(dir, "src");
    await fs.mkdir(path.join(src, "data"), { recursive: true });
    await writeRandomFiles(path.join(src, "data"), count, fileSize);
    await initRepo(repo, { encryption: "repokey-blake2", passphrase: PASSPHRASE }, { baseDir });
    await createArchive(target, ARCHIVE, ["data"], { cwd: src, compression: "lz4" }, { baseDir, timeoutMs: 3 * 3600_000 });
    await fs.rm(src, { recursive: true, force: true });
    await fs.writeFile(ready, new Date().toISOString());
  }
  return { dir, repo, baseDir, passphraseFile, paths: ["data"], bytes: count * fileSize };
}

/** Resident memory (MiB) of a process, or 0 when it is gone. */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants, split into borg processes and the rest (the server). */
function processTree(rootPid: number): { server: number[]; borg: number[] } {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  const server: number[] = [];
  const borg: number[] = [];
  const walk = (pid: number) => {
    (names.get(pid) === "borg" ? borg : server).push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(rootPid);
  return { server, borg };
}

/** Raw borg: export-tar of the same paths to /dev/null. */
async function rawExportTar(fx: Fixture): Promise<number> {
  const devNull = await fs.open("/dev/null", "w");
  const t0 = performance.now();
  const child = spawn("borg", ["export-tar", "--bypass-lock", "--", `${fx.repo}::${ARCHIVE}`, "-", ...fx.paths], {
    env: { ...process.env, BORG_BASE_DIR: fx.baseDir, BORG_PASSPHRASE: PASSPHRASE, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    stdio: ["ignore", devNull.fd, "inherit"],
  });
  const [code] = (await once(child, "exit")) as [number];
  await devNull.close();
  if (code !== 0) throw new Error(`borg export-tar exited with ${code}`);
  return performance.now() - t0;
}

/** GET the tar, discarding the bytes as they arrive; returns bytes and milliseconds. */
function httpDownload(url: string, cookie: string): Promise<{ bytes: number; ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers: { cookie } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ bytes, ms: performance.now() - t0, status: res.statusCode ?? 0 }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

export async function benchDownload(root: string, gigabytes = Number(process.env.BENCH_DOWNLOAD_GB || 3)): Promise<DownloadBenchResult> {
  console.log(`download (tar of ${gigabytes} GB of incompressible files, repokey-blake2, lz4):`);
  const fx = await ensureFixture(root, gigabytes);

  // The server's config and database: one site holding the bench repo, one operator with a session.
  const serverDir = path.join(fx.dir, "server");
  await fs.rm(serverDir, { recursive: true, force: true });
  await fs.mkdir(serverDir, { recursive: true });
  const configFile = path.join(serverDir, "config.json");
  await fs.writeFile(
    configFile,
    JSON.stringify({
      dataDir: path.join(serverDir, "data"),
      collector: { enabled: false },
      sites: [{ name: "bench", root: path.dirname(fx.repo), secrets: { passphraseFile: fx.passphraseFile } }],
    }),
  );
  const db = openDatabase(path.join(serverDir, "data"));
  const user = await addUser(db, { username: "bench-operator", password: "bench operator password", role: "operator", hosts: [HOST] }, { by: "bench" });
  const cookie = `borg_fleet_session=${createSession(db, user.id, null)}`;
  db.close();

  const rawMs = await rawExportTar(fx);
  const server = await startServer(root, 3198, { BORG_FLEET_CONFIG: configFile, BORG_FLEET_BORG_BASE_DIR: fx.baseDir });
  try {
    const params = new URLSearchParams({ host: HOST, site: "bench", archive: ARCHIVE, format: "tar" });
    for (const p of fx.paths) params.append("path", p);
    const url = `${server.url}/api/archives/download?${params}`;
    // Warm-up: a small request so the route is compiled/loaded before memory is sampled.
    await fetch(`${server.url}/api/archives/download?host=${HOST}&archive=${ARCHIVE}&path=nothing`, { headers: { cookie } });
    const idle = processTree(server.child.pid!).server.reduce((sum, pid) => sum + rssMiB(pid), 0);

    const samples: number[] = [];
    let borgMax = 0;
    const sampler = setInterval(() => {
      const tree = processTree(server.child.pid!);
      samples.push(tree.server.reduce((sum, pid) => sum + rssMiB(pid), 0));
      borgMax = Math.max(borgMax, tree.borg.reduce((sum, pid) => sum + rssMiB(pid), 0));
    }, 100);
    const got = await httpDownload(url, cookie).finally(() => clearInterval(sampler));
    if (got.status !== 200) throw new Error(`the download answered ${got.status}`);

    const tarBytes = got.bytes;
    const result: DownloadBenchResult = {
      bytes: tarBytes,
      files: Math.round(fx.bytes / (256 * MiB)),
      rawSeconds: rawMs / 1000,
      rawMBps: tarBytes / MiB / (rawMs / 1000),
      httpSeconds: got.ms / 1000,
      httpMBps: tarBytes / MiB / (got.ms / 1000),
      ratio: rawMs / got.ms,
      serverRssMiB: { idle, min: Math.min(...samples), median: median(samples), max: Math.max(...samples), samples: samples.length },
      borgRssMaxMiB: borgMax,
    };
    const mib = (n: number) => `${n.toFixed(0)} MiB`;
    console.log(`  tar size                ${(tarBytes / 2 ** 30).toFixed(2)} GiB (${result.files} files)`);
    console.log(`  raw borg export-tar     ${s(rawMs)}, ${result.rawMBps.toFixed(0)} MiB/s (to /dev/null)`);
    console.log(`  HTTP download (ours)    ${s(got.ms)}, ${result.httpMBps.toFixed(0)} MiB/s (${result.ratio.toFixed(2)}× raw, incl. auth, archive lookup and path check)`);
    console.log(
      `  server RSS              idle ${mib(idle)}; during the download min ${mib(result.serverRssMiB.min)}, median ${mib(result.serverRssMiB.median)}, max ${mib(result.serverRssMiB.max)} (${samples.length} samples @ 100 ms; target: flat)`,
    );
    console.log(`  borg RSS (max)          ${mib(borgMax)}`);
    return result;
  } finally {
    await server.stop();
  }
}

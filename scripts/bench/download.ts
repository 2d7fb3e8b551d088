/**
 * `npm run bench -- download`: a multi-gigabyte tar download through the production server, against
 * raw `borg export-tar` of the same paths to /dev/null in the same run, with the server's memory
 * sampled every 100 ms (target: flat, whatever the size). Also in each round: the same export-tar into
 * a pipe drained by `cat` (no server at all), the ceiling for any download.
 *
 * The archive (incompressible random files, BENCH_DOWNLOAD_GB gigabytes, default 3) is created once
 * under .bench/download/ and reused; the source files are deleted once archived. The server runs
 * scripts/server.mjs with a config whose only repo is that one (collector off, so nothing else runs
 * borg) and a database holding an operator with a session; plain `next start` of the same build runs
 * beside it for the route's web-stream path (BENCH_DOWNLOAD_WEB=0 skips it). The client is curl
 * (BENCH_DOWNLOAD_CLIENT=node: Node's http.get); the CPU per GiB of the server and the client is printed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, readdirSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { createArchive, initRepo } from "@/lib/borg";
import { addUser } from "@/lib/auth/users";
import { createSession } from "@/lib/auth/sessions";
import { openDatabase } from "@/lib/db";
import { median, s, startServer, type RunningServer } from "./util";

export interface DownloadBenchResult {
  bytes: number;
  files: number;
  rounds: number;
  rawSeconds: number;
  rawMBps: number;
  httpSeconds: number;
  httpMBps: number;
  ratio: number;
  serverRssMiB: { idle: number; min: number; median: number; max: number; samples: number };
  borgRssMaxMiB: number;
  /** borg export-tar into a pipe drained by `cat` (no server): best time and raw / that. */
  pipeSeconds: number;
  pipeRatio: number;
  /** CPU seconds of the server (node) per GiB sent. */
  serverCpuSecondsPerGiB: number;
  /** CPU seconds of the benchmark's own HTTP client per GiB received. */
  clientCpuSecondsPerGiB: number;
  /** The same download through the route's web-stream path (`next start`), null when skipped. */
  webStreamPath: { seconds: number; all: number[]; MBps: number; ratio: number; serverCpuSecondsPerGiB: number } | null;
  /** Milliseconds until no borg process was left after the client dropped the connection. */
  borgGoneAfterDisconnectMs: number | null;
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
  const child = spawnExportTar(fx, devNull.fd);
  const [code] = (await once(child, "exit")) as [number];
  await devNull.close();
  if (code !== 0) throw new Error(`borg export-tar exited with ${code}`);
  return performance.now() - t0;
}

function spawnExportTar(fx: Fixture, stdout: number | NodeJS.WritableStream) {
  return spawn("borg", ["export-tar", "--bypass-lock", "--", `${fx.repo}::${ARCHIVE}`, "-", ...fx.paths], {
    env: { ...process.env, BORG_BASE_DIR: fx.baseDir, BORG_PASSPHRASE: PASSPHRASE, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" },
    stdio: ["ignore", stdout as number, "inherit"],
  });
}

/**
 * The same export-tar into a pipe that `cat` empties into /dev/null: no server, no HTTP. Any path that
 * streams borg's output somewhere (an HTTP response included) makes borg write it into a pipe or a
 * socket, which costs borg itself more CPU than /dev/null does: this is the ceiling for a download.
 */
async function pipedExportTar(fx: Fixture): Promise<number> {
  const devNull = await fs.open("/dev/null", "w");
  const t0 = performance.now();
  const cat = spawn("cat", [], { stdio: ["pipe", devNull.fd, "inherit"] });
  const borg = spawnExportTar(fx, cat.stdin!);
  cat.stdin!.destroy(); // borg holds the pipe's write end now; cat ends when borg does
  const [[code], [catCode]] = (await Promise.all([once(borg, "exit"), once(cat, "exit")])) as [[number], [number]];
  await devNull.close();
  if (code !== 0 || catCode !== 0) throw new Error(`borg export-tar | cat exited with ${code} / ${catCode}`);
  return performance.now() - t0;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100; // USER_HZ
}

interface HttpDownload {
  bytes: number;
  ms: number;
  status: number;
  encoding: string | undefined;
}

/**
 * GET the tar like a browser (Accept-Encoding: gzip), discarding the bytes as they arrive. With
 * `abortAfterFirstChunk` the connection is dropped after the first chunk (a user cancelling).
 */
function httpDownload(url: string, cookie: string, abortAfterFirstChunk = false): Promise<HttpDownload> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { headers: { cookie, "accept-encoding": "gzip, deflate, br" } }, (res) => {
      let bytes = 0;
      const result = () => ({ bytes, ms: performance.now() - t0, status: res.statusCode ?? 0, encoding: res.headers["content-encoding"] });
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (abortAfterFirstChunk) {
          req.destroy();
          resolve(result());
        }
      });
      res.on("end", () => resolve(result()));
      res.on("error", (err) => (abortAfterFirstChunk ? resolve(result()) : reject(err)));
    });
    req.on("error", (err) => (abortAfterFirstChunk ? undefined : reject(err)));
  });
}

/**
 * The client of the measured downloads: `curl` (default), a native client like a browser, or `node`
 * (BENCH_DOWNLOAD_CLIENT=node: httpDownload above). On 2 cores the client shares the machine with borg
 * and the server, and the Node client costs more CPU per GiB than the server does (a fresh 64 KiB
 * buffer per read), so it slows what it measures; raw borg to /dev/null has no client at all.
 */
const CLIENT = process.env.BENCH_DOWNLOAD_CLIENT === "node" ? "node" : "curl";

/** GET the tar with curl (Accept-Encoding: gzip like a browser), bytes to /dev/null; `pid` is called with curl's pid. */
function curlDownload(url: string, cookie: string, pid: (pid: number) => void): Promise<HttpDownload> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = ["-s", "-o", "/dev/null", "-H", `cookie: ${cookie}`, "-H", "accept-encoding: gzip, deflate, br"];
    const child = spawn("curl", [...args, "-w", "%{http_code} %{size_download} %header{content-encoding}", url], { stdio: ["ignore", "pipe", "inherit"] });
    pid(child.pid!);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const [status, size, encoding] = out.split(" ");
      if (code !== 0) return reject(new Error(`curl exited with ${code}`));
      resolve({ bytes: Number(size), ms: performance.now() - t0, status: Number(status), encoding: encoding || undefined });
    });
  });
}

interface MeasuredDownload {
  got: HttpDownload;
  /** CPU seconds of the server's processes (borg excluded) and of the client during the download. */
  serverCpu: number;
  clientCpu: number;
  rssSamples: number[];
  borgRssMaxMiB: number;
}

/** One download from `server`, with its CPU and the server's memory sampled every 100 ms. */
async function measureDownload(server: RunningServer, url: string, cookie: string): Promise<MeasuredDownload> {
  const serverPids = () => processTree(server.child.pid!).server;
  const rssSamples: number[] = [];
  let borgRssMaxMiB = 0;
  let curlPid = 0;
  let curlCpu = 0;
  const sampler = setInterval(() => {
    const tree = processTree(server.child.pid!);
    rssSamples.push(tree.server.reduce((sum, pid) => sum + rssMiB(pid), 0));
    borgRssMaxMiB = Math.max(
      borgRssMaxMiB,
      tree.borg.reduce((sum, pid) => sum + rssMiB(pid), 0),
    );
    // curl's CPU so far (read until it exits; at most one sample interval is missed).
    if (curlPid) curlCpu = Math.max(curlCpu, cpuSeconds([curlPid]));
  }, 100);
  const cpu0 = cpuSeconds(serverPids());
  const client0 = process.cpuUsage();
  const download = CLIENT === "curl" ? curlDownload(url, cookie, (pid) => (curlPid = pid)) : httpDownload(url, cookie);
  const got = await download.finally(() => clearInterval(sampler));
  const client = process.cpuUsage(client0);
  const serverCpu = cpuSeconds(serverPids()) - cpu0;
  if (got.status !== 200) throw new Error(`the download answered ${got.status}`);
  if (got.encoding) throw new Error(`the tar was sent with Content-Encoding ${got.encoding}`);
  const clientCpu = CLIENT === "curl" ? curlCpu : (client.user + client.system) / 1e6;
  return { got, serverCpu, clientCpu, rssSamples, borgRssMaxMiB };
}

/** Mean CPU seconds per GiB over the downloads. */
function perGiB(runs: MeasuredDownload[], which: "serverCpu" | "clientCpu"): number {
  return runs.reduce((sum, r) => sum + r[which], 0) / (runs.reduce((sum, r) => sum + r.got.bytes, 0) / 2 ** 30);
}

function webFigures(web: MeasuredDownload[], rawMs: number): NonNullable<DownloadBenchResult["webStreamPath"]> {
  const best = web.reduce((a, b) => (b.got.ms < a.got.ms ? b : a)).got;
  return {
    seconds: best.ms / 1000,
    all: web.map((w) => w.got.ms / 1000),
    MBps: best.bytes / MiB / (best.ms / 1000),
    ratio: rawMs / best.ms,
    serverCpuSecondsPerGiB: perGiB(web, "serverCpu"),
  };
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

  const rounds = Math.max(1, Number(process.env.BENCH_DOWNLOAD_ROUNDS || 2));
  const env = { BORG_FLEET_CONFIG: configFile, BORG_FLEET_BORG_BASE_DIR: fx.baseDir };
  const server = await startServer(root, 3198, env);
  // The same build under plain `next start`: no server wrapper, so no lent response and the route
  // takes its web-stream path (lib/archives/download.ts, startDownload). BENCH_DOWNLOAD_WEB=0 skips it.
  const webServer = process.env.BENCH_DOWNLOAD_WEB === "0" ? null : await startServer(root, 3197, env, { nextStart: true });
  try {
    const params = new URLSearchParams({ host: HOST, site: "bench", archive: ARCHIVE, format: "tar" });
    for (const p of fx.paths) params.append("path", p);
    // Warm-up: a small request so the route is loaded before memory is sampled.
    for (const srv of [server, webServer]) {
      if (srv) await fetch(`${srv.url}/api/archives/download?host=${HOST}&archive=${ARCHIVE}&path=nothing`, { headers: { cookie } });
    }
    const url = `${server.url}/api/archives/download?${params}`;
    const serverPids = () => processTree(server.child.pid!).server;
    const idle = serverPids().reduce((sum, pid) => sum + rssMiB(pid), 0);

    // Raw, ours and the web-stream path alternate, so load from elsewhere on the machine hits all alike; best of each.
    const rawTimes: number[] = [];
    const pipeTimes: number[] = [];
    const direct: MeasuredDownload[] = [];
    const web: MeasuredDownload[] = [];
    for (let round = 0; round < rounds; round++) {
      rawTimes.push(await rawExportTar(fx));
      pipeTimes.push(await pipedExportTar(fx));
      direct.push(await measureDownload(server, url, cookie));
      if (webServer) web.push(await measureDownload(webServer, `${webServer.url}/api/archives/download?${params}`, cookie));
    }
    const samples = direct.flatMap((d) => d.rssSamples);
    const borgMax = Math.max(...direct.map((d) => d.borgRssMaxMiB));
    const httpRuns = direct.map((d) => d.got);

    // A client that goes away after the first chunk: how long until borg is gone.
    const dropped = await httpDownload(url, cookie, true);
    const t0 = performance.now();
    let goneMs: number | null = null;
    while (performance.now() - t0 < 15_000) {
      if (processTree(server.child.pid!).borg.length === 0) {
        goneMs = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (dropped.bytes === 0) goneMs = null;

    const rawMs = Math.min(...rawTimes);
    const best = httpRuns.reduce((a, b) => (b.ms < a.ms ? b : a));
    const tarBytes = best.bytes;
    const result: DownloadBenchResult = {
      bytes: tarBytes,
      files: Math.round(fx.bytes / (256 * MiB)),
      rounds,
      rawSeconds: rawMs / 1000,
      rawMBps: tarBytes / MiB / (rawMs / 1000),
      httpSeconds: best.ms / 1000,
      httpMBps: tarBytes / MiB / (best.ms / 1000),
      ratio: rawMs / best.ms,
      pipeSeconds: Math.min(...pipeTimes) / 1000,
      pipeRatio: rawMs / Math.min(...pipeTimes),
      serverRssMiB: { idle, min: Math.min(...samples), median: median(samples), max: Math.max(...samples), samples: samples.length },
      borgRssMaxMiB: borgMax,
      serverCpuSecondsPerGiB: perGiB(direct, "serverCpu"),
      clientCpuSecondsPerGiB: perGiB(direct, "clientCpu"),
      borgGoneAfterDisconnectMs: goneMs,
      webStreamPath: web.length ? webFigures(web, rawMs) : null,
    };
    const mib = (n: number) => `${n.toFixed(0)} MiB`;
    console.log(
      `  load average at the end  ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (the machine is shared)`,
    );
    console.log(`  tar size                ${(tarBytes / 2 ** 30).toFixed(2)} GiB (${result.files} files), best of ${rounds} alternating rounds`);
    console.log(`  raw borg export-tar     ${s(rawMs)}, ${result.rawMBps.toFixed(0)} MiB/s (to /dev/null; all: ${rawTimes.map(s).join(", ")})`);
    console.log(
      `  borg | cat              ${s(result.pipeSeconds * 1000)} = ${result.pipeRatio.toFixed(2)}× raw (no server; all: ${pipeTimes.map(s).join(", ")}): the ceiling for any download, borg writing into a pipe`,
    );
    console.log(
      `  HTTP download (ours)    ${s(best.ms)}, ${result.httpMBps.toFixed(0)} MiB/s = ${result.ratio.toFixed(2)}× raw (all: ${httpRuns.map((r) => s(r.ms)).join(", ")}; incl. auth, archive lookup, path check)`,
    );
    console.log(
      `  server RSS              idle ${mib(idle)}; during the downloads min ${mib(result.serverRssMiB.min)}, median ${mib(result.serverRssMiB.median)}, max ${mib(result.serverRssMiB.max)} (${samples.length} samples @ 100 ms; target: flat)`,
    );
    console.log(
      `  server CPU              ${result.serverCpuSecondsPerGiB.toFixed(2)} s per GiB sent (the client, ${CLIENT}: ${result.clientCpuSecondsPerGiB.toFixed(2)} s per GiB); borg RSS max ${mib(borgMax)}`,
    );
    const w = result.webStreamPath;
    if (w) {
      console.log(
        `  web-stream path         ${s(w.seconds * 1000)}, ${w.MBps.toFixed(0)} MiB/s = ${w.ratio.toFixed(2)}× raw (all: ${w.all.map((t) => s(t * 1000)).join(", ")}; \`next start\`, no lent response); server CPU ${w.serverCpuSecondsPerGiB.toFixed(2)} s per GiB`,
      );
    }
    console.log(`  client drops after the first chunk: borg gone after ${goneMs === null ? "— (not within 15 s!)" : `${goneMs.toFixed(0)} ms`}`);
    return result;
  } finally {
    await server.stop();
    await webServer?.stop();
  }
}

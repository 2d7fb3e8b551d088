/**
 * An archive's items read from borg's own metadata: `borg debug dump-archive-items` writes the
 * decrypted, decompressed item metadata chunks (msgpack) to files, and we decode them here.
 *
 * Why not `borg list`: borg spends ~9 µs of Python per entry turning each item into text (the
 * leanest `--format={bpath}` of a 1,000,003-entry archive takes ~9 s); dumping the same metadata takes
 * ~0.4 s, and decoding msgpack in Node is cheaper than parsing borg's text. The archive index
 * (lib/archives/index) builds from this; restore drills read files' chunk lists from it.
 *
 * What we rely on: borg 1.x's item format (a stream of msgpack maps with raw-string keys: path, mode,
 * user, group, uid, gid, mtime in ns, size, source, chunks = [[id, size, csize], ...]), stable from
 * borg 1.1 to 1.4. The fields are turned into exactly what `borg list` prints for them (same size
 * rules, same timestamp rounding, same mode letters), and the index tests compare the two on real
 * archives. A borg whose dump we cannot read makes the caller fall back to `borg list` (see
 * `DumpFormatError`).
 *
 * borg writes one file per metadata chunk into its working directory and prints "Dumping <file>"
 * before writing each: when the next name (or the end) arrives, the previous file is complete. We
 * read and delete each file as it completes; borg is faster than us, so up to the archive's whole
 * metadata (~130 bytes per entry) can sit in the work directory for a moment.
 */
import { isUtf8 } from "node:buffer";
import fs from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { BorgError } from "./errors";
import type { BorgTarget } from "./commands";
import { archiveArg, isLocalLocation } from "./location";
import { isRepoLockedLocally } from "./lock";
import type { IndexItem } from "./contents";
import { Incomplete, MsgpackFormatError, MsgpackReader } from "./msgpack";
import { abandonBorg, startBorg, type BorgCallOptions } from "./run";

interface ChunkRef {
  /** borg's chunk id: the keyed hash of the chunk's plaintext (key.id_hash). */
  id: Buffer;
  /** Plaintext bytes. */
  size: number;
}

/** One archive item, in the terms `borg list` uses. */
export interface DumpedItem {
  pathBytes: Buffer;
  /** st_mode as stored. */
  mode: number;
  /** Text as `borg list` prints it ({user}: the name, or the uid when there is none). */
  user: string;
  group: string;
  uid: number;
  gid: number;
  /** borg list's {size}: stored size, else a symlink's target length, else the chunks' sum, else 0. */
  size: number;
  /** Modification time, epoch ms, as borg list's {isomtime} reads (rounded to µs like Python, then cut to ms). */
  mtime: number;
  /** Symlink target or, for a hard link, the first link's path; null when absent. */
  source: Buffer | null;
  /** The chunk list, only for items `withChunks` asked for (else null). */
  chunks: ChunkRef[] | null;
}

export interface DumpOptions extends BorgCallOptions {
  /** A directory on local disk for borg's output files (a private subdirectory is made and removed). */
  workDir: string;
  /** Items whose chunk lists are wanted (restore drills); others skip them cheaply. */
  withChunks?: (pathBytes: Buffer) => boolean;
}

/** The dump did not look like borg 1.x item metadata (another borg version?): use `borg list`. */
export class DumpFormatError extends BorgError {
  constructor(what: string) {
    super({ kind: "other", userMessage: `borg's archive metadata was not in the expected format (${what}).`, borgMessage: null });
  }
}

/**
 * Why borg's item dump should not run for this repo now (null when it may). borg allows `--bypass-lock`
 * only for list/extract/info-like commands, so the dump holds the repository's SHARED lock while it runs
 * (~0.4 s per million entries locally) and a `borg create` starting meanwhile waits for it (the client
 * kit waits up to 6 h; borg's default `--lock-wait` of 1 s covers a dump of ~2 million entries). So: only
 * a local repo (remotely each metadata chunk is a round trip under the lock) that no writer holds now.
 * Callers fall back to `borg list` / the stream comparison, which never take the lock.
 */
export async function dumpNotAllowed(target: BorgTarget): Promise<string | null> {
  if (!isLocalLocation(target.location)) return "the repository is remote (its item metadata is read only from local repositories)";
  if (await isRepoLockedLocally(target.location)) return "a backup held the repository lock";
  return null;
}

/** Not `--bypass-lock` (refused for debug commands, see dumpNotAllowed): wait at most 1 s for the shared lock. */
const DUMP_LOCK_WAIT_SECONDS = 1;

const DUMP_LINE = /^Dumping (\d{6}_[0-9a-f]{64}\.items)$/;

/**
 * Stream an archive's items in archive order (a directory before its contents). Breaking out of the
 * loop, the AbortSignal or the timeout stop borg; the work directory is removed in every case.
 */
export async function* dumpArchiveItems(target: BorgTarget, archiveName: string, opts: DumpOptions): AsyncGenerator<DumpedItem, void, undefined> {
  await fs.mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  const dir = await fs.mkdtemp(path.join(opts.workDir, "dump-"));
  let proc: Awaited<ReturnType<typeof startBorg>> | null = null;
  let finished = false;
  try {
    proc = await startBorg(
      {
        args: ["debug", "dump-archive-items", `--lock-wait=${DUMP_LOCK_WAIT_SECONDS}`, "--", archiveArg(target.location, archiveName)],
        secrets: target.secrets,
        location: target.location,
        cwd: dir,
        // One "Dumping" line as each file starts, not a block of them when Python's buffer fills.
        unbufferedStdout: true,
      },
      opts,
    );
    const decoder = new ItemDecoder(opts.withChunks);
    let previous: string | null = null;
    const consume = async function* (name: string) {
      const file = path.join(dir, name);
      const data = await fs.readFile(file);
      await fs.rm(file, { force: true });
      yield* decoder.push(data);
    };
    const lines = readline.createInterface({ input: proc.stdout, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (proc.stopReason) break;
        const m = DUMP_LINE.exec(line);
        if (!m) continue; // "Done." and anything borg may add
        if (previous) yield* consume(previous);
        previous = m[1]!;
      }
    } catch (err) {
      if (!proc.stopReason) throw err;
    }
    await proc.done; // throws BorgError when borg failed, was cancelled or timed out
    if (previous) yield* consume(previous);
    decoder.end();
    finished = true;
  } finally {
    if (proc && !finished) await abandonBorg(proc);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** `listIndexContents` from the dump: the same IndexItems, field for field. */
export async function* dumpIndexContents(target: BorgTarget, archiveName: string, opts: DumpOptions): AsyncGenerator<IndexItem, void, undefined> {
  for await (const item of dumpArchiveItems(target, archiveName, opts)) yield toIndexItem(item);
}

export function toIndexItem(item: DumpedItem): IndexItem {
  const mode = fileMode(item.mode);
  const type = mode[0]!;
  const sourceText = item.source && item.source.length > 0 ? borgText(item.source).text : null;
  const isHardlink = sourceText !== null && type !== "l";
  return {
    pathBytes: item.pathBytes,
    type,
    mode: isHardlink ? `h${mode.slice(1)}` : mode,
    user: item.user,
    group: item.group,
    size: item.size,
    mtime: item.mtime,
    linkTarget: type === "l" ? sourceText : null,
    hardlinkTarget: isHardlink ? sourceText : null,
  };
}

// --- decoding ------------------------------------------------------------------------------------------

/** Item keys we read, as bytes (borg packs keys as raw strings). */
const KEY = {
  path: Buffer.from("path"),
  mode: Buffer.from("mode"),
  user: Buffer.from("user"),
  size: Buffer.from("size"),
  group: Buffer.from("group"),
  mtime: Buffer.from("mtime"),
  uid: Buffer.from("uid"),
  gid: Buffer.from("gid"),
  chunks: Buffer.from("chunks"),
  source: Buffer.from("source"),
};

function keyIs(data: Buffer, start: number, key: Buffer): boolean {
  for (let i = 0; i < key.length; i++) if (data[start + i] !== key[i]) return false;
  return true;
}

/** Items from consecutive pieces of borg's item stream (an item may span two metadata chunks). */
export class ItemDecoder {
  private carry: Buffer = Buffer.alloc(0);
  private readonly users = new NameCache();
  private readonly groups = new NameCache();

  constructor(private readonly withChunks?: (pathBytes: Buffer) => boolean) {}

  push(piece: Buffer): DumpedItem[] {
    const data = this.carry.length ? Buffer.concat([this.carry, piece]) : piece;
    const reader = new MsgpackReader(data);
    const items: DumpedItem[] = [];
    let start = 0;
    try {
      while (!reader.atEnd) {
        start = reader.pos;
        items.push(this.readItem(reader));
      }
      start = reader.pos;
    } catch (err) {
      if (err instanceof MsgpackFormatError) throw new DumpFormatError(err.message);
      if (!(err instanceof Incomplete)) throw err;
    }
    // Copy: the carry must not keep the whole piece alive.
    this.carry = Buffer.from(data.subarray(start));
    return items;
  }

  /** At the end of the stream: a partial item left over means the dump was cut off. */
  end(): void {
    if (this.carry.length > 0) throw new DumpFormatError("the item stream ends in the middle of an item");
  }

  /** Hot path: once per entry. Reads the fields `borg list` shows, skips the rest without building it. */
  private readItem(r: MsgpackReader): DumpedItem {
    const data = r.data;
    const count = r.mapLength();
    let pathStart = -1;
    let pathEnd = -1;
    let mode = -1;
    let user = "";
    let group = "";
    let uid = 0;
    let gid = 0;
    let mtime = 0;
    let size = -1;
    let source: Buffer | null = null;
    let chunkSum = -1;
    let chunksAt = -1;
    for (let i = 0; i < count; i++) {
      const key = r.rawSpan();
      const len = key.end - key.start;
      const at = key.start;
      if (len === 4 && keyIs(data, at, KEY.path)) ({ start: pathStart, end: pathEnd } = r.rawSpan());
      else if (len === 4 && keyIs(data, at, KEY.mode)) mode = r.int();
      else if (len === 4 && keyIs(data, at, KEY.user)) user = this.users.read(r);
      else if (len === 4 && keyIs(data, at, KEY.size)) size = r.int();
      else if (len === 5 && keyIs(data, at, KEY.group)) group = this.groups.read(r);
      else if (len === 5 && keyIs(data, at, KEY.mtime)) mtime = borgMtimeMs(r.int());
      else if (len === 3 && keyIs(data, at, KEY.uid)) uid = r.int();
      else if (len === 3 && keyIs(data, at, KEY.gid)) gid = r.int();
      else if (len === 6 && keyIs(data, at, KEY.source)) source = r.bytesOrNull();
      else if (len === 6 && keyIs(data, at, KEY.chunks)) {
        chunksAt = r.pos;
        chunkSum = sumChunkSizes(r);
      } else r.skip();
    }
    if (pathStart < 0 || mode < 0) throw new MsgpackFormatError("an item without path or mode");
    // A view, not a copy: items are consumed (indexed) right away, and the piece is ~100 KiB.
    const pathBytes = data.subarray(pathStart, pathEnd);
    let chunks: ChunkRef[] | null = null;
    if (chunksAt >= 0 && this.withChunks?.(pathBytes)) {
      const end = r.pos;
      r.pos = chunksAt;
      chunks = readChunks(r);
      r.pos = end;
    }
    return {
      pathBytes,
      mode,
      user: user || String(uid),
      group: group || String(gid),
      uid,
      gid,
      size: size >= 0 ? size : itemSizeWithoutStoredSize(mode, source, chunkSum),
      mtime,
      source,
      chunks,
    };
  }
}

/**
 * User and group names as text, remembering the last few: an archive has a handful of distinct names
 * repeated on every entry, and decoding each again was a visible share of the decoder's time.
 */
class NameCache {
  private readonly bytes: Buffer[] = [];
  private readonly texts: string[] = [];

  read(r: MsgpackReader): string {
    if (r.isNilNext()) {
      r.skip();
      return "";
    }
    const { start, end } = r.rawSpan();
    const data = r.data;
    for (let i = 0; i < this.bytes.length; i++) {
      const known = this.bytes[i]!;
      if (known.length === end - start && data.compare(known, 0, known.length, start, end) === 0) return this.texts[i]!;
    }
    const text = data.toString("utf8", start, end);
    if (this.bytes.length >= 8) {
      this.bytes.shift();
      this.texts.shift();
    }
    this.bytes.push(Buffer.from(data.subarray(start, end)));
    this.texts.push(text);
    return text;
  }
}

function sumChunkSizes(r: MsgpackReader): number {
  const n = r.arrayLength();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const fields = r.arrayLength(); // [id, size, csize]
    if (fields < 2) throw new MsgpackFormatError("a chunk entry without a size");
    r.skip();
    sum += r.int();
    for (let f = 2; f < fields; f++) r.skip();
  }
  return sum;
}

function readChunks(r: MsgpackReader): ChunkRef[] {
  const n = r.arrayLength();
  const chunks: ChunkRef[] = [];
  for (let i = 0; i < n; i++) {
    const fields = r.arrayLength();
    const id = r.bytesOrNull();
    const size = r.int();
    for (let f = 2; f < fields; f++) r.skip();
    if (!id) throw new MsgpackFormatError("a chunk entry without an id");
    chunks.push({ id, size });
  }
  return chunks;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** borg 1.2's Item.get_size when no size is stored (as `borg list` calls it: no hard link lookup). */
function itemSizeWithoutStoredSize(mode: number, source: Buffer | null, chunkSum: number): number {
  if ((mode & S_IFMT) === S_IFLNK) return source ? borgText(source).codePoints : 0;
  return chunkSum >= 0 ? chunkSum : 0;
}

/** borg 1.2 clamps item timestamps to [0, MAX_NS] (helpers/time.py, 32-bit time_t safe). */
const MAX_NS = (2 ** 31 - 1 - 48 * 3600) * 1e9;

/**
 * Epoch ms as borg list's isomtime reads once parsed (parseBorgTimestamp): Python's
 * `datetime.fromtimestamp(ns / 1e9)` rounds to microseconds half-even; the parser cuts to ms. `ns` is
 * the nanosecond count as the nearest double, which is what Python divides too (int / float).
 */
export function borgMtimeMs(ns: number): number {
  const clamped = ns < 0 ? 0 : ns > MAX_NS ? MAX_NS : ns;
  const t = clamped / 1e9;
  let seconds = Math.trunc(t);
  let micros = roundHalfEven((t - seconds) * 1e6);
  if (micros >= 1e6) {
    micros -= 1e6;
    seconds += 1;
  }
  return seconds * 1000 + Math.floor(micros / 1000);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** Python's stat.filemode (C implementation): ten characters, "?" for an unknown file type. */
export function fileMode(mode: number): string {
  let text = FILE_MODES.get(mode);
  if (text === undefined) {
    text = FILE_TYPE_LETTER.get(mode & S_IFMT) ?? "?";
    for (const [read, write, exec, special, set, unset] of PERMISSION_TRIPLETS) {
      text += mode & read ? "r" : "-";
      text += mode & write ? "w" : "-";
      text += mode & special ? (mode & exec ? set : unset) : mode & exec ? "x" : "-";
    }
    FILE_MODES.set(mode, text);
  }
  return text;
}

/** Modes repeat on almost every entry: each is spelled out once. */
const FILE_MODES = new Map<number, string>();

const PERMISSION_TRIPLETS = [
  [0o400, 0o200, 0o100, 0o4000, "s", "S"],
  [0o040, 0o020, 0o010, 0o2000, "s", "S"],
  [0o004, 0o002, 0o001, 0o1000, "t", "T"],
] as const;

const FILE_TYPE_LETTER = new Map<number, string>([
  [0o100000, "-"],
  [0o040000, "d"],
  [0o120000, "l"],
  [0o060000, "b"],
  [0o020000, "c"],
  [0o010000, "p"],
  [0o140000, "s"],
]);

/**
 * Bytes as borg prints them in text fields (`remove_surrogates`): valid UTF-8 as is, every byte that is
 * not part of a valid sequence as "?"; and Python's length of that text (code points, each bad byte one).
 */
export function borgText(bytes: Buffer): { text: string; codePoints: number } {
  if (isUtf8(bytes)) {
    const text = bytes.toString("utf8");
    let codePoints = 0;
    for (const _ of text) codePoints++;
    return { text, codePoints };
  }
  let text = "";
  let codePoints = 0;
  let i = 0;
  while (i < bytes.length) {
    const len = validSequenceLength(bytes, i);
    text += len ? bytes.toString("utf8", i, i + len) : "?";
    i += len || 1;
    codePoints++;
  }
  return { text, codePoints };
}

/** Length of the strict UTF-8 sequence at `i` (no overlongs, no surrogates, ≤ U+10FFFF), or 0. */
function validSequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

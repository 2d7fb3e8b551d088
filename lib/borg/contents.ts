/**
 * The archive listing format and its parser (used by listContents in commands.ts).
 *
 * Why not --json-lines: its `path` is text with undecodable bytes replaced by "?", so two different
 * file names can come out the same and a restore by that name would miss. `{bpath}` is borg's
 * verbatim path; every field is followed by `{NUL}`, the one byte no path, user or group name can
 * contain, so records are split by counting fields, and newlines in names need no special handling.
 * borg runs with PYTHONIOENCODING=unicode_escape so that bpath's raw bytes survive borg's stdout
 * (see unicodeEscape.ts); the decoded stream is plain bytes again.
 */
import { BorgError } from "./errors";
import { parseBorgTimestamp } from "./time";

const CONTENTS_FIELDS = ["type", "mode", "uid", "gid", "user", "group", "size", "isomtime", "bpath", "source"] as const;
/**
 * The archive index's listing (lib/archives/index): only what the index stores, as few fields as
 * possible. Every `{NUL}` costs four output bytes under unicode_escape (`\x00`) and a field for us to
 * find; type (one character), mode (always ten: `stat.filemode`) and size (digits) need no separator,
 * and a space (which neither size nor a timestamp contains) ends the size. uid and gid are not stored
 * (`user` falls back to the uid anyway). So: `<type><mode><size> <isomtime>`, user, group, bpath, source.
 */
export const INDEX_CONTENTS_FORMAT = "{type}{mode}{size} {isomtime}{NUL}{user}{NUL}{group}{NUL}{bpath}{NUL}{source}{NUL}";
const INDEX_FIELD_COUNT = 5;
/** `borg list --format`: each field ends with NUL, nothing else in between. */
export const CONTENTS_FORMAT = CONTENTS_FIELDS.map((f) => `{${f}}{NUL}`).join("");

/** An entry as the archive index needs it: an ArchiveItem without the text path and the numeric ids. */
export interface IndexItem {
  /** The exact path bytes as stored by borg (no leading "/"). */
  pathBytes: Buffer;
  /** First letter of the mode: "d" directory, "-" file, "l" symlink, "c"/"b" devices, "p" fifo, "s" socket. */
  type: string;
  /** ls-style mode, e.g. "-rw-r--r--"; hard links to an earlier item start with "h". */
  mode: string;
  /** User name, or the uid as text when the archive has no name for it. */
  user: string;
  group: string;
  /** Bytes (0 for directories; borg 1.2 also reports 0 for the second and later hard links of a file). */
  size: number;
  /** Modification time, epoch milliseconds (UTC). */
  mtime: number;
  /** Symlink target (text; borg prints undecodable bytes of targets as "?"), else null. */
  linkTarget: string | null;
  /** For hard links: the path of the first link in the archive (text), else null. */
  hardlinkTarget: string | null;
}

export interface ArchiveItem extends IndexItem {
  /** The path inside the archive, for display (invalid UTF-8 shown as U+FFFD). Not exact: use pathBytes. */
  path: string;
  uid: number;
  gid: number;
}

const NUL = 0;

/**
 * Splits the decoded byte stream into records of a fixed number of NUL-terminated fields.
 * Per entry it allocates the path bytes and the text fields, nothing else: a large archive has
 * millions of entries, and per-field buffers were most of the parser's cost.
 */
class RecordSplitter<T> {
  /** The start of a record cut by a chunk boundary; scanned again with the next chunk. */
  private carry: Buffer = EMPTY;
  private readonly ends: Int32Array;

  constructor(
    private readonly fieldCount: number,
    private readonly toItem: (data: Buffer, recordStart: number, ends: Int32Array) => T,
  ) {
    this.ends = new Int32Array(fieldCount);
  }

  push(chunk: Buffer): T[] {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const items: T[] = [];
    const { fieldCount, toItem } = this;
    let recordStart = 0;
    let field = 0;
    let pos = 0;
    for (;;) {
      const nul = data.indexOf(NUL, pos);
      if (nul === -1) break;
      this.ends[field++] = nul;
      pos = nul + 1;
      if (field === fieldCount) {
        items.push(toItem(data, recordStart, this.ends));
        recordStart = pos;
        field = 0;
      }
    }
    // Copy: the chunk's memory must not be kept alive by the carry.
    this.carry = recordStart < data.length ? Buffer.from(data.subarray(recordStart)) : EMPTY;
    return items;
  }

  /** At end of output: anything left over means the output was cut off or not in our format. */
  end(): void {
    if (this.carry.length > 0) {
      throw new BorgError({ kind: "other", userMessage: "borg's archive listing ended in the middle of an entry.", borgMessage: null });
    }
  }
}

/** Records of CONTENTS_FORMAT as ArchiveItems. */
export class ContentsRecordSplitter extends RecordSplitter<ArchiveItem> {
  constructor() {
    super(CONTENTS_FIELDS.length, toItem);
  }
}

/** Records of INDEX_CONTENTS_FORMAT as IndexItems. */
export class IndexRecordSplitter extends RecordSplitter<IndexItem> {
  constructor() {
    super(INDEX_FIELD_COUNT, toIndexItem);
  }
}

const EMPTY = Buffer.alloc(0);

function unexpected(what: string): never {
  throw new BorgError({ kind: "other", userMessage: `borg's archive listing did not have the expected format (${what}).`, borgMessage: null });
}

function toInt(data: Buffer, start: number, end: number, name: string): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9) unexpected(`${name} is ${JSON.stringify(data.toString("latin1", start, end).slice(0, 40))}`);
    value = value * 10 + digit;
  }
  if (end === start) unexpected(`${name} is empty`);
  return value;
}

/** Field positions in CONTENTS_FIELDS. */
const TYPE = 0,
  MODE = 1,
  UID = 2,
  GID = 3,
  USER = 4,
  GROUP = 5,
  SIZE = 6,
  ISOMTIME = 7,
  BPATH = 8,
  SOURCE = 9;

/**
 * The item whose fields end at `ends` (each field starts right after the previous one's NUL).
 * Hot path (once per entry, millions of times for a large archive): no closures, no per-field copies.
 */
function toItem(data: Buffer, recordStart: number, ends: Int32Array): ArchiveItem {
  const typeText = data.toString("latin1", recordStart, ends[TYPE]);
  if (typeText.length !== 1) unexpected(`type is ${JSON.stringify(typeText.slice(0, 40))}`);
  const modeText = data.toString("utf8", ends[TYPE]! + 1, ends[MODE]);
  const mtimeText = data.toString("latin1", ends[SIZE]! + 1, ends[ISOMTIME]);
  const mtime = parseBorgTimestamp(mtimeText);
  if (mtime === null) unexpected(`mtime is ${JSON.stringify(mtimeText.slice(0, 40))}`);
  const sourceText = ends[SOURCE]! > ends[BPATH]! + 1 ? data.toString("utf8", ends[BPATH]! + 1, ends[SOURCE]) : null;
  const isHardlink = modeText.startsWith("h");
  // Copy: the path must not keep the whole chunk alive.
  const pathBytes = Buffer.from(data.subarray(ends[ISOMTIME]! + 1, ends[BPATH]));
  return {
    path: pathBytes.toString("utf8"),
    pathBytes,
    type: typeText,
    mode: modeText,
    user: data.toString("utf8", ends[GID]! + 1, ends[USER]),
    group: data.toString("utf8", ends[USER]! + 1, ends[GROUP]),
    uid: toInt(data, ends[MODE]! + 1, ends[UID]!, "uid"),
    gid: toInt(data, ends[UID]! + 1, ends[GID]!, "gid"),
    size: toInt(data, ends[GROUP]! + 1, ends[SIZE]!, "size"),
    mtime,
    linkTarget: typeText === "l" ? sourceText : null,
    hardlinkTarget: isHardlink ? sourceText : null,
  };
}

/** Field positions in INDEX_CONTENTS_FORMAT. */
const I_HEAD = 0,
  I_USER = 1,
  I_GROUP = 2,
  I_BPATH = 3,
  I_SOURCE = 4;
const SPACE = 0x20;
/** `stat.filemode` is always ten characters. */
const MODE_LENGTH = 10;

/** toItem for INDEX_CONTENTS_FORMAT: the same checks, no text path, no uid/gid. */
function toIndexItem(data: Buffer, recordStart: number, ends: Int32Array): IndexItem {
  const headEnd = ends[I_HEAD]!;
  const sizeStart = recordStart + 1 + MODE_LENGTH;
  const space = data.indexOf(SPACE, sizeStart);
  if (space === -1 || space >= headEnd) unexpected(`entry starts with ${JSON.stringify(data.toString("latin1", recordStart, headEnd).slice(0, 60))}`);
  const typeText = data.toString("latin1", recordStart, recordStart + 1);
  const modeText = data.toString("latin1", recordStart + 1, sizeStart);
  const mtimeText = data.toString("latin1", space + 1, headEnd);
  const mtime = parseBorgTimestamp(mtimeText);
  if (mtime === null) unexpected(`mtime is ${JSON.stringify(mtimeText.slice(0, 40))}`);
  const sourceText = ends[I_SOURCE]! > ends[I_BPATH]! + 1 ? data.toString("utf8", ends[I_BPATH]! + 1, ends[I_SOURCE]) : null;
  return {
    // Copy: the path must not keep the whole chunk alive.
    pathBytes: Buffer.from(data.subarray(ends[I_GROUP]! + 1, ends[I_BPATH])),
    type: typeText,
    mode: modeText,
    user: data.toString("utf8", headEnd + 1, ends[I_USER]),
    group: data.toString("utf8", ends[I_USER]! + 1, ends[I_GROUP]),
    size: toInt(data, sizeStart, space, "size"),
    mtime,
    linkTarget: typeText === "l" ? sourceText : null,
    hardlinkTarget: modeText.charCodeAt(0) === 0x68 /* h */ ? sourceText : null,
  };
}

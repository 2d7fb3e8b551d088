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

export const CONTENTS_FIELDS = ["type", "mode", "uid", "gid", "user", "group", "size", "isomtime", "bpath", "source"] as const;
/** `borg list --format`: each field ends with NUL, nothing else in between. */
export const CONTENTS_FORMAT = CONTENTS_FIELDS.map((f) => `{${f}}{NUL}`).join("");

export interface ArchiveItem {
  /** The path inside the archive, for display (invalid UTF-8 shown as U+FFFD). Not exact: use pathBytes. */
  path: string;
  /** The exact path bytes as stored by borg (no leading "/"). */
  pathBytes: Buffer;
  /** First letter of the mode: "d" directory, "-" file, "l" symlink, "c"/"b" devices, "p" fifo, "s" socket. */
  type: string;
  /** ls-style mode, e.g. "-rw-r--r--"; hard links to an earlier item start with "h". */
  mode: string;
  /** User name, or the uid as text when the archive has no name for it. */
  user: string;
  group: string;
  uid: number;
  gid: number;
  /** Bytes (0 for directories; borg 1.2 also reports 0 for the second and later hard links of a file). */
  size: number;
  /** Modification time, epoch milliseconds (UTC). */
  mtime: number;
  /** Symlink target (text; borg prints undecodable bytes of targets as "?"), else null. */
  linkTarget: string | null;
  /** For hard links: the path of the first link in the archive (text), else null. */
  hardlinkTarget: string | null;
}

const NUL = 0;

/** Splits the decoded byte stream into records of CONTENTS_FIELDS.length NUL-terminated fields. */
export class ContentsRecordSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private fields: Buffer[] = [];

  push(chunk: Buffer): ArchiveItem[] {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const items: ArchiveItem[] = [];
    let start = 0;
    for (;;) {
      const nul = data.indexOf(NUL, start);
      if (nul === -1) break;
      // Copy: the chunk's memory must not be kept alive by a yielded item.
      this.fields.push(Buffer.from(data.subarray(start, nul)));
      start = nul + 1;
      if (this.fields.length === CONTENTS_FIELDS.length) {
        items.push(toItem(this.fields));
        this.fields = [];
      }
    }
    this.carry = Buffer.from(data.subarray(start));
    return items;
  }

  /** At end of output: anything left over means the output was cut off or not in our format. */
  end(): void {
    if (this.carry.length > 0 || this.fields.length > 0) {
      throw new BorgError({ kind: "other", userMessage: "borg's archive listing ended in the middle of an entry.", borgMessage: null });
    }
  }
}

function unexpected(what: string): never {
  throw new BorgError({ kind: "other", userMessage: `borg's archive listing did not have the expected format (${what}).`, borgMessage: null });
}

function toInt(field: Buffer, name: string): number {
  const text = field.toString("latin1");
  if (!/^\d+$/.test(text)) unexpected(`${name} is ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}

function toItem(f: Buffer[]): ArchiveItem {
  const [type, mode, uid, gid, user, group, size, isomtime, bpath, source] = f as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const typeText = type.toString("latin1");
  if (typeText.length !== 1) unexpected(`type is ${JSON.stringify(typeText.slice(0, 40))}`);
  const modeText = mode.toString("utf8");
  const mtime = parseBorgTimestamp(isomtime.toString("latin1"));
  if (mtime === null) unexpected(`mtime is ${JSON.stringify(isomtime.toString("latin1").slice(0, 40))}`);
  const sourceText = source.length ? source.toString("utf8") : null;
  const isHardlink = modeText.startsWith("h");
  return {
    path: bpath.toString("utf8"),
    pathBytes: bpath,
    type: typeText,
    mode: modeText,
    user: user.toString("utf8"),
    group: group.toString("utf8"),
    uid: toInt(uid, "uid"),
    gid: toInt(gid, "gid"),
    size: toInt(size, "size"),
    mtime,
    linkTarget: typeText === "l" ? sourceText : null,
    hardlinkTarget: isHardlink ? sourceText : null,
  };
}

/**
 * Streaming decoder for Python's "unicode_escape" text encoding, giving back the exact bytes of the
 * file names borg holds.
 *
 * Why this exists: borg 1.2 keeps paths as Python str with undecodable bytes as lone surrogates
 * (U+DC80..U+DCFF, "surrogateescape"), and `{bpath}` in `borg list --format` is that str. But borg
 * wraps stdout in a TextIOWrapper with errors="replace", so with a UTF-8 stdout every such byte turns
 * into "?" and the name is lost. Running borg with PYTHONIOENCODING=unicode_escape makes stdout pure
 * ASCII where every non-printable or non-ASCII code point is an escape (\xNN, \uNNNN, \UNNNNNNNN, \t,
 * \n, \r, \\), lone surrogates included. Decoding the escapes and then encoding each code point the
 * way os.fsencode does (U+DC80..U+DCFF -> the raw byte, everything else -> UTF-8) restores the
 * original bytes exactly, newlines and tabs in names included.
 *
 * Bytes that are not part of an escape are copied through unchanged, so raw text that did not go
 * through Python's wrapper (ssh writing to the shared stderr) survives too.
 */

const BACKSLASH = 0x5c;

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c, // \\
  0x27: 0x27, // \'
  0x22: 0x22, // \"
  0x6e: 0x0a, // \n
  0x74: 0x09, // \t
  0x72: 0x0d, // \r
  0x30: 0x00, // \0 (not produced by the encoder, accepted anyway)
  0x61: 0x07, // \a
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x76: 0x0b, // \v
};

const HEX_LENGTH: Record<number, number> = { 0x78: 2, 0x75: 4, 0x55: 8 }; // \x \u \U

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/** UTF-8 for a code point, or the raw byte for a surrogate-escaped one (os.fsencode semantics). */
function encodeCodePoint(cp: number, out: number[]): void {
  if (cp >= 0xdc80 && cp <= 0xdcff) {
    out.push(cp - 0xdc00);
  } else if (cp < 0x80) {
    out.push(cp);
  } else if (cp < 0x800) {
    out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    // Other lone surrogates cannot come from a file name; encode them like Python's "surrogatepass".
    out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  } else if (cp <= 0x10ffff) {
    out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  } else {
    throw new Error(`unicode_escape: code point out of range: ${cp.toString(16)}`);
  }
}

export class UnicodeEscapeDecoder {
  /** An escape sequence cut by a chunk boundary, kept until the next chunk. */
  private pending: Buffer = Buffer.alloc(0);

  /** Decode one chunk; returns the bytes complete so far. */
  write(chunk: Buffer): Buffer {
    const input = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    const parts: Buffer[] = [];
    let pos = 0;
    while (pos < input.length) {
      const slash = input.indexOf(BACKSLASH, pos);
      if (slash === -1) {
        parts.push(input.subarray(pos));
        pos = input.length;
        break;
      }
      if (slash > pos) parts.push(input.subarray(pos, slash));
      const kind = input[slash + 1];
      if (kind === undefined) {
        this.pending = Buffer.from(input.subarray(slash));
        pos = input.length;
        break;
      }
      const simple = SIMPLE_ESCAPES[kind];
      if (simple !== undefined) {
        parts.push(Buffer.of(simple));
        pos = slash + 2;
        continue;
      }
      const hexLen = HEX_LENGTH[kind];
      if (hexLen === undefined) {
        // Not an escape the encoder produces: keep the backslash literally.
        parts.push(Buffer.of(BACKSLASH));
        pos = slash + 1;
        continue;
      }
      const start = slash + 2;
      if (start + hexLen > input.length) {
        this.pending = Buffer.from(input.subarray(slash));
        pos = input.length;
        break;
      }
      let valid = true;
      for (let i = start; i < start + hexLen; i++) if (!isHex(input[i]!)) valid = false;
      if (!valid) {
        parts.push(Buffer.of(BACKSLASH));
        pos = slash + 1;
        continue;
      }
      const cp = parseInt(input.toString("latin1", start, start + hexLen), 16);
      const bytes: number[] = [];
      encodeCodePoint(cp, bytes);
      parts.push(Buffer.from(bytes));
      pos = start + hexLen;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Flush at end of stream; a dangling partial escape is kept literally. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

export function decodeUnicodeEscape(data: Buffer): Buffer {
  const d = new UnicodeEscapeDecoder();
  return Buffer.concat([d.write(data), d.end()]);
}

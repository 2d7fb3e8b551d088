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

/** The value of a hex digit, or -1. */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

const EMPTY = Buffer.alloc(0);

/**
 * Writes a code point at `at` and returns the position after it: UTF-8, or the raw byte for a
 * surrogate-escaped one (os.fsencode semantics).
 */
function encodeCodePoint(cp: number, out: Buffer, at: number): number {
  if (cp >= 0xdc80 && cp <= 0xdcff) {
    out[at++] = cp - 0xdc00;
  } else if (cp < 0x80) {
    out[at++] = cp;
  } else if (cp < 0x800) {
    out[at++] = 0xc0 | (cp >> 6);
    out[at++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    // Other lone surrogates cannot come from a file name; encode them like Python's "surrogatepass".
    out[at++] = 0xe0 | (cp >> 12);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  } else if (cp <= 0x10ffff) {
    out[at++] = 0xf0 | (cp >> 18);
    out[at++] = 0x80 | ((cp >> 12) & 0x3f);
    out[at++] = 0x80 | ((cp >> 6) & 0x3f);
    out[at++] = 0x80 | (cp & 0x3f);
  } else {
    throw new Error(`unicode_escape: code point out of range: ${cp.toString(16)}`);
  }
  return at;
}

export class UnicodeEscapeDecoder {
  /** An escape sequence cut by a chunk boundary, kept until the next chunk. */
  private pending: Buffer = Buffer.alloc(0);

  /**
   * Decode one chunk; returns the bytes complete so far. Escapes never decode to more bytes than they
   * take (\xNN: 4 → 1, \uNNNN: 6 → ≤ 3, \UNNNNNNNN: 10 → ≤ 4, \n: 2 → 1), so the output is written
   * into one buffer the size of the input: no allocation per escape. That matters: every `{NUL}` of a
   * listing arrives as `\x00`, several per entry, millions per large archive.
   */
  write(chunk: Buffer): Buffer {
    const input = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    let slash = input.indexOf(BACKSLASH);
    if (slash === -1) return input;
    const out = Buffer.allocUnsafe(input.length);
    let written = input.copy(out, 0, 0, slash);
    let pos = slash;
    while (pos < input.length) {
      slash = input.indexOf(BACKSLASH, pos);
      if (slash === -1) {
        written += input.copy(out, written, pos);
        break;
      }
      if (slash > pos) written += input.copy(out, written, pos, slash);
      const kind = input[slash + 1];
      if (kind === undefined) {
        this.pending = Buffer.from(input.subarray(slash));
        break;
      }
      const simple = SIMPLE_ESCAPES[kind];
      if (simple !== undefined) {
        out[written++] = simple;
        pos = slash + 2;
        continue;
      }
      const hexLen = HEX_LENGTH[kind];
      if (hexLen === undefined) {
        // Not an escape the encoder produces: keep the backslash literally.
        out[written++] = BACKSLASH;
        pos = slash + 1;
        continue;
      }
      const start = slash + 2;
      if (start + hexLen > input.length) {
        this.pending = Buffer.from(input.subarray(slash));
        break;
      }
      let cp = 0;
      let valid = true;
      for (let i = start; i < start + hexLen; i++) {
        const digit = hexValue(input[i]!);
        if (digit < 0) {
          valid = false;
          break;
        }
        cp = cp * 16 + digit;
      }
      if (!valid) {
        out[written++] = BACKSLASH;
        pos = slash + 1;
        continue;
      }
      written = encodeCodePoint(cp, out, written);
      pos = start + hexLen;
    }
    return out.subarray(0, written);
  }

  /** Flush at end of stream; a dangling partial escape is kept literally. */
  end(): Buffer {
    const rest = this.pending;
    this.pending = EMPTY;
    return rest;
  }
}

export function decodeUnicodeEscape(data: Buffer): Buffer {
  const d = new UnicodeEscapeDecoder();
  return Buffer.concat([d.write(data), d.end()]);
}

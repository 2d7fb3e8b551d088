/**
 * Archive paths in URLs, forms and server-action arguments. Paths inside an archive are bytes (borg
 * stores them verbatim; see lib/borg/contents.ts), and a file name need not be valid UTF-8. A path
 * that is valid UTF-8 travels as itself (readable, shareable URLs); any other, and any path that starts
 * with the marker, travels as the marker followed by base64url of its bytes. The mapping is one-to-one,
 * so a decoded path names exactly the file that was shown.
 */
const MARKER = "~b64~";

/** Valid UTF-8 without NUL (borg paths never contain NUL; the check keeps the codec total). */
function isPlainUtf8(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes);
}

export function encodePathParam(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  if (isPlainUtf8(bytes) && !text.startsWith(MARKER)) return text;
  return MARKER + bytes.toString("base64url");
}

/** The path bytes, or null for a malformed value. Leading and trailing "/" are not part of borg paths. */
export function decodePathParam(param: string): Buffer | null {
  if (param.startsWith(MARKER)) {
    const b64 = param.slice(MARKER.length);
    if (!/^[A-Za-z0-9_-]*$/.test(b64)) return null;
    const bytes = Buffer.from(b64, "base64url");
    if (bytes.toString("base64url") !== b64) return null;
    return bytes.includes(0) ? null : bytes;
  }
  if (param.includes("\0")) return null;
  return Buffer.from(param, "utf8");
}

/** What a path looks like on screen: invalid UTF-8 bytes as \xNN (so two different names never look alike). */
export function displayPath(bytes: Buffer): string {
  if (isPlainUtf8(bytes)) return bytes.toString("utf8");
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    // Find the longest valid UTF-8 run starting at i by decoding one code point at a time.
    const lead = bytes[i]!;
    const len = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    const chunk = len ? bytes.subarray(i, i + len) : null;
    if (chunk && chunk.length === len && lead !== 0 && Buffer.from(chunk.toString("utf8"), "utf8").equals(chunk)) {
      out += chunk.toString("utf8");
      i += len;
    } else {
      out += `\\x${lead.toString(16).padStart(2, "0")}`;
      i += 1;
    }
  }
  return out;
}

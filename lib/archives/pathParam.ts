/**
 * Archive paths in URLs, forms and server-action arguments. Paths inside an archive are bytes (borg
 * stores them verbatim; see lib/borg/contents.ts), and a file name need not be valid UTF-8. A path
 * that is valid UTF-8 travels as itself (readable, shareable URLs); any other, and any path that starts
 * with the marker, travels as the marker followed by base64url of its bytes. The mapping is one-to-one,
 * so a decoded path names exactly the file that was shown.
 */
import { borgPathCodePoints } from "@/lib/borg/archivePaths";

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

/** What a path looks like on screen: undecodable bytes as \xNN (so two different names never look alike). */
export function displayPath(bytes: Buffer): string {
  if (isPlainUtf8(bytes)) return bytes.toString("utf8");
  return borgPathCodePoints(bytes)
    .map((cp) => (cp >= 0xdc80 && cp <= 0xdcff ? `\\x${(cp - 0xdc00).toString(16).padStart(2, "0")}` : String.fromCodePoint(cp)))
    .join("");
}

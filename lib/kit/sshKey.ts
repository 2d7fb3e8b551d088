/**
 * Strict validation of one OpenSSH public key (`<type> <base64> [comment]`), for authorized_keys lines
 * the storage server trusts. Refuses anything that could smuggle in a second key or key options: more
 * than one line, control characters, leading options, an unknown type, a base64 body that does not
 * decode to a key of the named type.
 */

const ACCEPTED_KEY_TYPES = [
  "ssh-ed25519",
  "sk-ssh-ed25519@openssh.com",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "ssh-rsa",
] as const;
type KeyType = (typeof ACCEPTED_KEY_TYPES)[number];

export interface PublicKey {
  type: KeyType;
  /** The base64 body, exactly as given (validated). */
  blob: string;
  comment: string;
}

export class KeyError extends Error {}

const MAX_KEY_CHARS = 16 * 1024;

/** Reads an SSH wire-format string (uint32 length + bytes) at `offset`; null when truncated. */
function readString(buf: Buffer, offset: number): { value: Buffer; next: number } | null {
  if (offset + 4 > buf.length) return null;
  const len = buf.readUInt32BE(offset);
  if (offset + 4 + len > buf.length) return null;
  return { value: buf.subarray(offset + 4, offset + 4 + len), next: offset + 4 + len };
}

/** Number of wire-format strings after the type name, per key type (the blob must hold exactly these). */
const FIELDS: Record<KeyType, number> = {
  "ssh-ed25519": 1, // public key (32 bytes)
  "sk-ssh-ed25519@openssh.com": 2, // public key, application
  "ecdsa-sha2-nistp256": 2, // curve, point
  "ecdsa-sha2-nistp384": 2,
  "ecdsa-sha2-nistp521": 2,
  "sk-ecdsa-sha2-nistp256@openssh.com": 3, // curve, point, application
  "ssh-rsa": 2, // e, n
};

/**
 * Parses exactly one public key. `text` may end with one trailing newline (a .pub file); anything
 * else on another line is an error.
 */
export function parsePublicKey(text: string): PublicKey {
  if (text.length > MAX_KEY_CHARS) throw new KeyError("too long for a public key");
  const line = text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
  // Any line break or other control character (a newline followed by a second key, a NUL, ...).
  if (/[\x00-\x1f\x7f]/.test(line)) throw new KeyError("must be one line without control characters");
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: ([^]*))?$/.exec(line);
  if (!match) throw new KeyError("not a plain public key '<type> <base64> [comment]' (key options are not accepted)");
  const [, type, blob, comment = ""] = match as unknown as [string, string, string, string | undefined];
  if (!(ACCEPTED_KEY_TYPES as readonly string[]).includes(type)) {
    throw new KeyError(`key type ${JSON.stringify(type.slice(0, 40))} is not accepted (${ACCEPTED_KEY_TYPES.join(", ")})`);
  }
  if (blob.length % 4 !== 0) throw new KeyError("base64 body has a wrong length");
  const buf = Buffer.from(blob, "base64");
  if (buf.toString("base64") !== blob) throw new KeyError("base64 body is not canonical base64");
  const name = readString(buf, 0);
  if (!name || name.value.toString("latin1") !== type) throw new KeyError(`base64 body is not a ${type} key`);
  let offset = name.next;
  for (let i = 0; i < FIELDS[type as KeyType]; i++) {
    const field = readString(buf, offset);
    if (!field) throw new KeyError(`base64 body is a truncated ${type} key`);
    if (i === 0 && (type === "ssh-ed25519" || type === "sk-ssh-ed25519@openssh.com") && field.value.length !== 32) {
      throw new KeyError("ed25519 public key must be 32 bytes");
    }
    offset = field.next;
  }
  if (offset !== buf.length) throw new KeyError(`base64 body has trailing bytes after the ${type} key`);
  return { type: type as KeyType, blob, comment: comment.trim() };
}

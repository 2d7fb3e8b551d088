/**
 * Password hashing with scrypt (node:crypto): `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`.
 * Passwords are NFC-normalised first, so the same password typed on two keyboards hashes the same.
 * Verification compares in constant time; for an unknown user, verifyDummy() spends the same time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;

/** Upper bound on a password's length in characters (scrypt copes, but a megabyte body is not a password). */
export const MAX_PASSWORD_LENGTH = 1024;
const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFC"), salt, keylen, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, "base64");
  const expected = Buffer.from(parts[5]!, "base64");
  if (!(n > 1 && r > 0 && p > 0) || expected.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    // Still spend the time, so a malformed record or an oversized guess answers like any other.
    await verifyDummy();
    return false;
  }
  const key = await scrypt(password, salt, expected.length, { N: n, r, p });
  return timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | undefined;

/** The work of one verification, for a user that does not exist (same answer, same time). */
export async function verifyDummy(): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  const stored = await dummyHash;
  const parts = stored.split("$");
  await scrypt("not the password", Buffer.from(parts[4]!, "base64"), KEY_LENGTH, { N, r: R, p: P });
  return false;
}

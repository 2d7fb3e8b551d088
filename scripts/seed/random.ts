/**
 * Deterministic randomness for the demo fleet: the same host and date always give the same source
 * tree, so a later top-up can rebuild a host's tree without keeping it on disk.
 */
import crypto from "node:crypto";
import { prng as basePrng } from "../../lib/random";

/** A 32-bit seed from any string. */
export function seedOf(text: string): number {
  return crypto.createHash("sha256").update(text).digest().readUInt32LE(0);
}

/** The shared PRNG (lib/random.ts), seeded from a number or any string. */
export function prng(seed: number | string): () => number {
  return basePrng(typeof seed === "string" ? seedOf(seed) : seed);
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length) % items.length] as T;
}

export function intBetween(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/**
 * Bytes [start, end) of an incompressible pseudo-random stream named by `seed` (AES-128-CTR over
 * zeros). Prefix-stable: a file that grows keeps its old bytes, as an append-only dump would,
 * so borg deduplicates the unchanged part and the repo grows by the new bytes only.
 */
export function streamBytes(seed: string, start: number, end: number): Buffer {
  if (end <= start) return Buffer.alloc(0);
  const key = crypto.createHash("sha256").update(`stream:${seed}`).digest().subarray(0, 16);
  const block = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  // 128-bit big-endian counter; 2^53 blocks is plenty.
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = crypto.createCipheriv("aes-128-ctr", key, iv);
  const skip = start - block * 16;
  const out = cipher.update(Buffer.alloc(end - start + skip));
  return out.subarray(skip);
}

/** A random passphrase (for real secrets: crypto, not the PRNG). */
export function newPassphrase(): string {
  return crypto.randomBytes(32).toString("base64url");
}

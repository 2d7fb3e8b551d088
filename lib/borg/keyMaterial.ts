/**
 * A repository's chunk id function (borg's `key.id_hash`), computed in Node, so a restore drill can
 * prove that restored bytes are the bytes the archive recorded: every file's item lists its chunks by
 * id, and a chunk's id is a keyed hash of its plaintext.
 *
 *   encryption `none`                              sha256(data)
 *   `authenticated`, `repokey`, `keyfile`          HMAC-SHA256(id_key, data)
 *   `*-blake2` of the same three                   BLAKE2b-256(id_key ‖ data), unkeyed (borg's blake2b_256)
 *
 * The id key comes from the repo's key blob, as borg 1.2 stores it (crypto/key.py, KeyfileKeyBase):
 * `borg key export` prints "BORG_KEY <repo id>" and the base64 of a msgpack map {version, salt,
 * iterations, algorithm: "sha256", hash, data}; k = PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32),
 * plaintext = AES-256-CTR(k, iv = 16 zero bytes) of data, valid when HMAC-SHA256(k, plaintext) = hash;
 * the plaintext is a msgpack map {version, repository_id, enc_key, enc_hmac_key, id_key, chunk_seed, ...}.
 * The export works for repokey and keyfile repos alike (borg finds a keyfile as it always does:
 * BORG_KEY_FILE, or the keys dir of the dashboard's BORG_BASE_DIR) and takes no repo lock; a local
 * repokey repo's blob is read from its config file instead (the same bytes, no borg process).
 *
 * The id key is a secret: it lives only in the closure of the hasher returned here, is never logged
 * and never appears in a message. Node's crypto has no BLAKE2b-256 (blake2b512 truncated is a different
 * hash), so that one comes from hash-wasm (~1 GB/s here, as fast as Node's own blake2b512).
 */
import { createHash, createHmac, createDecipheriv, pbkdf2, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createBLAKE2b } from "hash-wasm";
import { z } from "zod";
import type { BorgTarget } from "./commands";
import { BorgError } from "./errors";
import { localPath, repoArg } from "./location";
import { decodeMsgpack, MsgpackFormatError } from "./msgpack";
import { readPassphrase } from "./passphrase";
import { runBorg, type BorgCallOptions } from "./run";

export type ChunkIdAlgorithm = "sha256" | "hmac-sha256" | "blake2b-256";

/** How a repo's chunk ids are computed, by its encryption mode (borg's ARG_NAME); null when unknown. */
export function chunkIdAlgorithm(mode: string | null | undefined): ChunkIdAlgorithm | null {
  switch (mode) {
    case "none":
      return "sha256";
    case "authenticated":
    case "repokey":
    case "keyfile":
      return "hmac-sha256";
    case "authenticated-blake2":
    case "repokey-blake2":
    case "keyfile-blake2":
      return "blake2b-256";
    default:
      return null; // e.g. the long-gone "passphrase" mode: the caller uses another method
  }
}

/** One chunk's id, computed incrementally (a chunk arrives in pieces as the extract writes it). */
export interface ChunkIdHasher {
  /** Starts a new chunk. */
  reset(): void;
  update(data: Uint8Array): void;
  /** The id of the bytes given since reset(). */
  digest(): Buffer;
}

export interface ChunkIdHash {
  algorithm: ChunkIdAlgorithm;
  /** A hasher for one chunk at a time (each has its own state; reuse it with reset()). */
  createHasher(): Promise<ChunkIdHasher>;
}

/** Bounds for values read from a key blob (a hostile repo must not make the dashboard spin for hours). */
const MAX_KDF_ITERATIONS = 10_000_000;
const bytes = z.instanceof(Buffer);
const encryptedKeySchema = z.object({
  version: z.literal(1),
  salt: bytes,
  iterations: z.number().int().positive().max(MAX_KDF_ITERATIONS),
  algorithm: bytes.refine((b) => b.toString("latin1") === "sha256", "expected the sha256 key algorithm"),
  hash: bytes.refine((b) => b.length === 32, "expected a 32-byte hash"),
  data: bytes,
});
const keySchema = z.object({
  version: z.literal(1),
  repository_id: bytes.refine((b) => b.length === 32, "expected a 32-byte repository id"),
  id_key: bytes.refine((b) => b.length > 0, "expected an id key"),
});

const pbkdf2Async = promisify(pbkdf2);

/**
 * The chunk id function of `target` (encryption `mode`, as borg lists it). For keyed modes this runs
 * `borg key export` and decrypts the key with the configured passphrase; `repositoryId` (hex, from
 * `borg list --json`) must match the key's. Throws BorgError: kind "wrong-passphrase" when the
 * passphrase does not open the key, "other" for a mode it does not know or a malformed key.
 */
export async function loadChunkIdHash(target: BorgTarget, mode: string | null, repositoryId: string | null, opts: BorgCallOptions = {}): Promise<ChunkIdHash> {
  const algorithm = chunkIdAlgorithm(mode);
  if (algorithm === null) throw new BorgError({ kind: "other", userMessage: `The chunk id function of encryption mode ${JSON.stringify(mode)} is not known.` });
  if (algorithm === "sha256") return { algorithm, createHasher: async () => plainHasher(() => createHash("sha256")) };
  const blob = (await localRepoKey(target.location, repositoryId)) ?? (await exportedKey(target, repositoryId, opts));
  const idKey = await decryptIdKey(blob, await readPassphrase(target.secrets, opts), target.location);
  if (algorithm === "hmac-sha256") return { algorithm, createHasher: async () => plainHasher(() => createHmac("sha256", idKey)) };
  return {
    algorithm,
    async createHasher() {
      const blake = await createBLAKE2b(256);
      return {
        reset() {
          blake.init();
          blake.update(idKey);
        },
        update: (data) => void blake.update(data),
        digest: () => Buffer.from(blake.digest("binary")),
      };
    },
  };
}

function plainHasher(make: () => { update(data: Uint8Array): unknown; digest(): Buffer }): ChunkIdHasher {
  let hash = make();
  return {
    reset: () => void (hash = make()),
    update: (data) => void hash.update(data),
    digest: () => hash.digest(),
  };
}

/** The key blob as `borg key export` prints it (works for every mode with a key, local or remote). */
export async function exportedKey(target: BorgTarget, repositoryId: string | null, opts: BorgCallOptions): Promise<Buffer> {
  const exported = await runBorg(
    { args: ["key", "export", "--", repoArg(target.location)], secrets: target.secrets, location: target.location, maxStdoutBytes: 1024 * 1024 },
    opts,
  );
  return parseKeyExport(exported.stdout.toString("utf8"), repositoryId);
}

/**
 * A local repokey / authenticated repo's key blob read from its `config` file, where borg keeps it
 * (repository.py `load_key`: the `key` entry of [repository], base64 over indented continuation lines)
 * and where `borg key export` reads it from: the same bytes without starting borg, which would cost a
 * CPU core ~0.2 s beside the drill's extract. null (use the export) when the repo is remote, has no key
 * there (keyfile modes) or its config cannot be read as expected. borg replaces the file atomically.
 */
export async function localRepoKey(location: string, repositoryId: string | null): Promise<Buffer | null> {
  const dir = localPath(location);
  if (!dir) return null;
  const text = await readFile(path.join(dir, "config"), "utf8").catch(() => null);
  if (text === null) return null;
  const entries = new Map<string, string>();
  let section = "";
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s/.test(line) && line.trim() !== "" && last !== null) entries.set(last, `${entries.get(last)!}${line.trim()}`);
    else if (/^\[.*\]\s*$/.test(line)) section = line.trim();
    else {
      const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
      last = m && section === "[repository]" ? m[1]! : null;
      if (last !== null) entries.set(last, m![2]!.trim());
    }
  }
  const id = entries.get("id");
  const key = entries.get("key");
  if (!key || !id) return null;
  return parseKeyExport(`BORG_KEY ${id}\n${key}`, repositoryId);
}

const malformed = (why: string) => new BorgError({ kind: "other", userMessage: `The repository's exported key could not be read: ${why}.` });

/** "BORG_KEY <repo id hex>" then base64 lines: the encrypted key blob, checked to belong to `repositoryId`. */
function parseKeyExport(text: string, repositoryId: string | null): Buffer {
  const [header = "", ...rest] = text.split("\n");
  const m = /^BORG_KEY ([0-9a-f]{64})$/.exec(header.trim());
  if (!m) throw malformed("it does not start with a BORG_KEY line");
  if (repositoryId !== null && m[1] !== repositoryId.toLowerCase()) throw malformed("it belongs to another repository");
  const base64 = rest.join("").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length === 0) throw malformed("its body is not base64");
  return Buffer.from(base64, "base64");
}

/** The id key inside an encrypted key blob; kind "wrong-passphrase" when the passphrase does not open it. */
async function decryptIdKey(blob: Buffer, passphrase: string, where: string): Promise<Buffer> {
  const encrypted = encryptedKeySchema.safeParse(decodeOrThrow(blob));
  if (!encrypted.success) throw malformed(encrypted.error.issues[0]?.message ?? "unexpected shape");
  const { salt, iterations, hash, data } = encrypted.data;
  const k = await pbkdf2Async(Buffer.from(passphrase, "utf8"), salt, iterations, 32, "sha256");
  const decipher = createDecipheriv("aes-256-ctr", k, Buffer.alloc(16));
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  if (!timingSafeEqual(createHmac("sha256", k).update(plain).digest(), hash)) {
    throw new BorgError({
      kind: "wrong-passphrase",
      userMessage: `The configured passphrase does not open the key of ${where}: it is wrong, or the key was changed.`,
    });
  }
  const key = keySchema.safeParse(decodeOrThrow(plain));
  if (!key.success) throw malformed(key.error.issues[0]?.message ?? "unexpected shape");
  return key.data.id_key;
}

function decodeOrThrow(data: Buffer): unknown {
  try {
    return decodeMsgpack(data);
  } catch (err) {
    if (err instanceof MsgpackFormatError) throw malformed(err.message);
    throw err;
  }
}

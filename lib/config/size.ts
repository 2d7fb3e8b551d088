/**
 * Byte sizes in the config file: a number of bytes, or a string such as "500MB", "2GiB", "1.5 TB".
 * Decimal units (kB, MB, GB, TB) are powers of 1000, binary ones (KiB, MiB, GiB, TiB) of 1024, as
 * `df -H` / `df -h` print them.
 */
const UNIT_BYTES: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export function parseByteSize(input: string | number): number | null {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? Math.floor(input) : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!match) return null;
  const factor = UNIT_BYTES[match[2]!.toLowerCase()];
  if (factor === undefined) return null;
  return Math.floor(Number(match[1]) * factor);
}

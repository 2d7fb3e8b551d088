/**
 * A minimal msgpack reader for borg's own metadata (archive items in itemDump.ts, key blobs).
 *
 * Why our own: borg 1.x packs text and bytes alike as msgpack "raw" strings, and a file name is bytes
 * that need not be UTF-8. General decoders turn raw strings into JS strings (lossy for such names);
 * this one hands out the exact bytes. It also lets the hot path (a million items) skip what it does
 * not need without building objects for it.
 *
 * Reading past the end of the buffer throws `Incomplete`: a caller fed a stream in pieces keeps the
 * unread tail and tries again with more bytes.
 */

export class Incomplete extends Error {
  constructor() {
    super("msgpack value continues past the end of the data");
  }
}

export class MsgpackFormatError extends Error {}

/** The next value's kind and, for containers and raw data, its length. */
export interface Header {
  kind: "int" | "nil" | "bool" | "float" | "raw" | "array" | "map" | "ext";
  /** Element count (array, map) or byte length (raw, ext). */
  length: number;
}

export class MsgpackReader {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly data: Buffer) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get atEnd(): boolean {
    return this.pos >= this.data.length;
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.data.length) throw new Incomplete();
  }

  private u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** The header of a map; anything else is a format error. */
  mapLength(): number {
    const h = this.header();
    if (h.kind !== "map") throw new MsgpackFormatError(`expected a map, found ${h.kind}`);
    return h.length;
  }

  arrayLength(): number {
    const h = this.header();
    if (h.kind !== "array") throw new MsgpackFormatError(`expected an array, found ${h.kind}`);
    return h.length;
  }

  /** A raw string or bin value: its position in `data` (no copy). */
  rawSpan(): { start: number; end: number } {
    const h = this.header();
    if (h.kind !== "raw") throw new MsgpackFormatError(`expected bytes, found ${h.kind}`);
    this.need(h.length);
    const start = this.pos;
    this.pos += h.length;
    return { start, end: this.pos };
  }

  /** A raw value copied out (it must not keep the whole buffer alive), or null for nil. */
  bytesOrNull(): Buffer | null {
    if (this.data[this.pos] === 0xc0) {
      this.pos++;
      return null;
    }
    const { start, end } = this.rawSpan();
    return Buffer.from(this.data.subarray(start, end));
  }

  /**
   * An integer as a JS number: exact up to 2^53, beyond that the nearest double (one rounding of the
   * exact sum), which is what Python's `int / float` sees too (borg's nanosecond timestamps).
   */
  int(): number {
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.u32() * 2 ** 32 + this.u32();
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xd3:
        return (this.u32() | 0) * 2 ** 32 + this.u32();
      default:
        throw new MsgpackFormatError(`expected an integer, found type byte 0x${b.toString(16)}`);
    }
  }

  /** An integer exactly, as a BigInt (nanosecond timestamps exceed 2^53). */
  bigInt(): bigint {
    const b = this.data[this.pos];
    if (b === 0xcf || b === 0xd3) {
      this.pos++;
      this.need(8);
      const v = b === 0xcf ? this.view.getBigUint64(this.pos) : this.view.getBigInt64(this.pos);
      this.pos += 8;
      return v;
    }
    return BigInt(this.int());
  }

  /** nil, true or false. */
  isNilNext(): boolean {
    this.need(1);
    return this.data[this.pos] === 0xc0;
  }

  bool(): boolean {
    const b = this.u8();
    if (b === 0xc2) return false;
    if (b === 0xc3) return true;
    throw new MsgpackFormatError(`expected a boolean, found type byte 0x${b.toString(16)}`);
  }

  header(): Header {
    const b = this.u8();
    if (b <= 0x7f || b >= 0xe0) {
      this.pos--;
      return { kind: "int", length: 0 };
    }
    if (b <= 0x8f) return { kind: "map", length: b & 0x0f };
    if (b <= 0x9f) return { kind: "array", length: b & 0x0f };
    if (b <= 0xbf) return { kind: "raw", length: b & 0x1f };
    switch (b) {
      case 0xc0:
        return { kind: "nil", length: 0 };
      case 0xc2:
      case 0xc3:
        this.pos--;
        return { kind: "bool", length: 0 };
      case 0xc4:
      case 0xd9:
        return { kind: "raw", length: this.u8() };
      case 0xc5:
      case 0xda:
        return { kind: "raw", length: this.u16() };
      case 0xc6:
      case 0xdb:
        return { kind: "raw", length: this.u32() };
      case 0xc7:
        return { kind: "ext", length: this.u8() + 1 };
      case 0xc8:
        return { kind: "ext", length: this.u16() + 1 };
      case 0xc9:
        return { kind: "ext", length: this.u32() + 1 };
      case 0xca:
        return { kind: "float", length: 4 };
      case 0xcb:
        return { kind: "float", length: 8 };
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        this.pos--;
        return { kind: "int", length: 0 };
      case 0xd4:
        return { kind: "ext", length: 2 };
      case 0xd5:
        return { kind: "ext", length: 3 };
      case 0xd6:
        return { kind: "ext", length: 5 };
      case 0xd7:
        return { kind: "ext", length: 9 };
      case 0xd8:
        return { kind: "ext", length: 17 };
      // Containers of 16 or more elements: a file of more than 15 chunks has a chunk list like that.
      case 0xdc:
        return { kind: "array", length: this.u16() };
      case 0xdd:
        return { kind: "array", length: this.u32() };
      case 0xde:
        return { kind: "map", length: this.u16() };
      case 0xdf:
        return { kind: "map", length: this.u32() };
      default:
        throw new MsgpackFormatError(`unknown msgpack type byte 0x${b.toString(16)}`);
    }
  }

  /** Skip one whole value (containers included) without building it. */
  skip(): void {
    let pending = 1;
    while (pending > 0) {
      pending--;
      const h = this.header();
      switch (h.kind) {
        case "int":
          this.int();
          break;
        case "bool":
          this.pos++;
          break;
        case "nil":
          break;
        case "array":
          pending += h.length;
          break;
        case "map":
          pending += 2 * h.length;
          break;
        default:
          this.need(h.length);
          this.pos += h.length;
      }
    }
  }

  /**
   * One value as plain JS: maps become objects keyed by the latin1 text of their (raw) keys, raw
   * values stay Buffers, integers past 2^53 become BigInts. For small structures (key blobs), not
   * for the item hot path.
   */
  value(): unknown {
    const h = this.header();
    switch (h.kind) {
      case "int": {
        const b = this.data[this.pos];
        return b === 0xcf || b === 0xd3 ? narrow(this.bigInt()) : this.int();
      }
      case "bool":
        return this.bool();
      case "nil":
        return null;
      case "float": {
        this.need(h.length);
        const v = h.length === 4 ? this.view.getFloat32(this.pos) : this.view.getFloat64(this.pos);
        this.pos += h.length;
        return v;
      }
      case "raw": {
        this.need(h.length);
        const v = Buffer.from(this.data.subarray(this.pos, this.pos + h.length));
        this.pos += h.length;
        return v;
      }
      case "array":
        return Array.from({ length: h.length }, () => this.value());
      case "map": {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < h.length; i++) {
          const key = this.value();
          const name = Buffer.isBuffer(key) ? key.toString("latin1") : String(key);
          out[name] = this.value();
        }
        return out;
      }
      case "ext":
        this.need(h.length);
        this.pos += h.length;
        return undefined;
    }
  }
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Decode one complete msgpack value (e.g. a key blob); trailing bytes are an error. */
export function decodeMsgpack(data: Buffer): unknown {
  const reader = new MsgpackReader(data);
  let value: unknown;
  try {
    value = reader.value();
  } catch (err) {
    if (err instanceof Incomplete) throw new MsgpackFormatError("msgpack data is cut off");
    throw err;
  }
  if (!reader.atEnd) throw new MsgpackFormatError("msgpack data has trailing bytes");
  return value;
}

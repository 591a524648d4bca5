import { Fp4Error } from '../errors';

/**
 * A bounds-checked little-endian reader over bytes already in memory. Every read checks that the
 * bytes exist first, so a length field in a hostile file can at worst produce a FORMAT error,
 * never an out-of-range read or an allocation larger than the bytes at hand.
 */
export class ByteCursor {
  private readonly view: DataView;
  pos: number;

  /** `fail` turns a sentence into the caller's error (it names the file and the format). */
  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: (message: string) => Fp4Error,
    start = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes exist; `what` names the field for the message. */
  need(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) {
      throw this.fail(`${what} needs ${n} bytes at offset ${this.pos} but only ${this.remaining} remain (truncated or corrupt)`);
    }
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what = 'a 16-bit field'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what = 'a 32-bit field'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what = 'a 32-bit field'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u64 that must fit a JS safe integer (every real size/offset/count does). */
  u64(what = 'a 64-bit field'): number {
    this.need(8, what);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (hi > 0x1fffff) throw this.fail(`${what} is ${formatU64(hi, lo)}, beyond any real file`);
    return hi * 4294967296 + lo;
  }

  /** A signed 64-bit value as a bigint (values, not sizes). */
  i64Big(what = 'a 64-bit field'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  u64Big(what = 'a 64-bit field'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  f32(what = 'a float32 field'): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(what = 'a float64 field'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  take(n: number, what = 'a byte range'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, what = 'a byte range'): void {
    this.need(n, what);
    this.pos += n;
  }
}

function formatU64(hi: number, lo: number): string {
  return (BigInt(hi) * 4294967296n + BigInt(lo)).toString();
}

/** Little-endian u16/u32/u64 at a fixed offset (for small headers read whole). */
export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset] | (bytes[offset + 1] << 8);
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

/** u64 as a number; values past 2^53 come back as Infinity so range checks reject them. */
export function readU64(bytes: Uint8Array, offset: number): number {
  const lo = readU32(bytes, offset);
  const hi = readU32(bytes, offset + 4);
  return hi > 0x1fffff ? Infinity : hi * 4294967296 + lo;
}

/** Latin-1 decode (every byte is one char): for format magic and names in old formats. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode; `fail` reports invalid bytes. */
export function decodeUtf8(bytes: Uint8Array, fail: () => Fp4Error): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw fail();
  }
}

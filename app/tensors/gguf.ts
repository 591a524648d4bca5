import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { ByteCursor, readU32 } from './byteCursor';
import { DECODABLE_GGML_TYPES, ggmlType } from './ggmlTypes';
import type { TensorEntry, TensorFile } from './tensorFile';

/**
 * GGUF (v2, v3): "GGUF", u32 version, u64 tensor count, u64 key/value count, the key/values,
 * the tensor infos (name, dims innermost-first, ggml type, offset), then the data section at
 * the next multiple of general.alignment. The header (which can hold a 150k-token vocabulary)
 * is read in windows, so only what is parsed is in memory; tensor data is read on demand.
 */
export const GGUF_MAGIC = 0x46554747; // "GGUF" little endian
const DEFAULT_ALIGNMENT = 32;
const WINDOW = 1 << 20;
const MAX_DIMS = 8;
const MAX_STRING = 64 * 1024 * 1024;

export function isGgufMagic(head: Uint8Array): boolean {
  return head.length >= 4 && readU32(head, 0) === GGUF_MAGIC;
}

function ggufError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid GGUF file: ${message}`);
}

/** A cursor over the source that reads the next window when the current one runs out. */
class WindowedReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  pos = 0;

  constructor(
    readonly source: ByteSource,
    private readonly fail: (m: string) => Fp4Error,
  ) {}

  /** A cursor holding at least `n` bytes at pos; advance pos by what the caller consumed. */
  async cursor(n: number, what: string): Promise<ByteCursor> {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.source.size) {
      throw this.fail(`${what} at offset ${this.pos} needs ${n} bytes but the file has ${this.source.size} (truncated or corrupt)`);
    }
    if (this.pos < this.windowStart || this.pos + n > this.windowStart + this.window.length) {
      this.windowStart = this.pos;
      this.window = await this.source.read(this.pos, Math.min(this.source.size - this.pos, Math.max(n, WINDOW)));
    }
    return new ByteCursor(this.window, this.fail, this.pos - this.windowStart);
  }

  async u32(what: string): Promise<number> {
    const v = (await this.cursor(4, what)).u32(what);
    this.pos += 4;
    return v;
  }

  async u64(what: string): Promise<number> {
    const v = (await this.cursor(8, what)).u64(what);
    this.pos += 8;
    return v;
  }

  /** Step over `count` strings without decoding them (a vocabulary we only summarise). */
  async skipStrings(count: number, what: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      let at = this.pos - this.windowStart;
      if (at < 0 || at + 8 > this.window.length) {
        await this.cursor(8, `${what} length`);
        at = this.pos - this.windowStart;
      }
      const lo = readU32(this.window, at);
      const hi = readU32(this.window, at + 4);
      const length = hi * 4294967296 + lo;
      if (hi > 0x1fffff || length > MAX_STRING) throw this.fail(`${what} is ${length} bytes long`);
      if (this.pos + 8 + length > this.source.size) throw this.fail(`${what} at offset ${this.pos} runs past the end of the ${this.source.size}-byte file (truncated or corrupt)`);
      this.pos += 8 + length;
    }
  }

  async string(what: string): Promise<string> {
    const length = await this.u64(`${what} length`);
    if (length > MAX_STRING) throw this.fail(`${what} is ${length} bytes long`);
    const c = await this.cursor(length, what);
    this.pos += length;
    return new TextDecoder('utf-8').decode(c.take(length, what));
  }
}

/** Metadata value types: u8 i8 u16 i16 u32 i32 f32 bool string array u64 i64 f64. */
const SCALAR_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const VALUE_TYPE_NAMES: Record<number, string> = { 0: 'u8', 1: 'i8', 2: 'u16', 3: 'i16', 4: 'u32', 5: 'i32', 6: 'f32', 7: 'bool', 8: 'string', 10: 'u64', 11: 'i64', 12: 'f64' };
/** Arrays up to this length are kept in the metadata; longer ones are summarised. */
const MAX_KEPT_ARRAY = 16;

async function readScalar(r: WindowedReader, type: number, what: string): Promise<string | number | boolean> {
  if (type === 8) return r.string(what);
  const size = SCALAR_SIZES[type];
  const c = await r.cursor(size, what);
  r.pos += size;
  switch (type) {
    case 0:
      return c.u8();
    case 1:
      return (c.u8() << 24) >> 24;
    case 2:
      return c.u16();
    case 3:
      return (c.u16() << 16) >> 16;
    case 4:
      return c.u32();
    case 5:
      return c.i32();
    case 6:
      return c.f32();
    case 7:
      return c.u8() !== 0;
    case 10:
      return Number(c.u64Big());
    case 11:
      return Number(c.i64Big());
    default:
      return c.f64();
  }
}

/** One key's value, as metadata text (long arrays summarised, not kept). */
async function readValue(r: WindowedReader, type: number, key: string, fail: (m: string) => Fp4Error): Promise<{ text: string; value: unknown }> {
  if (type === 9) {
    const elementType = await r.u32(`the element type of '${key}'`);
    const count = await r.u64(`the length of '${key}'`);
    if (elementType === 9) throw fail(`metadata '${key}' is an array of arrays`);
    const minSize = elementType === 8 ? 8 : SCALAR_SIZES[elementType];
    if (minSize === undefined) throw fail(`metadata '${key}' has unknown element type ${elementType}`);
    if (count * minSize > r.source.size - r.pos) throw fail(`metadata '${key}' claims ${count} elements, more than the file holds`);
    const kept: unknown[] = [];
    if (elementType !== 8) {
      // Fixed-size elements: keep the first few, skip the rest without reading them.
      for (let i = 0; i < Math.min(count, MAX_KEPT_ARRAY); i++) kept.push(await readScalar(r, elementType, key));
      r.pos += Math.max(0, count - MAX_KEPT_ARRAY) * minSize;
    } else {
      for (let i = 0; i < Math.min(count, MAX_KEPT_ARRAY); i++) kept.push(await r.string(`an element of '${key}'`));
      await r.skipStrings(Math.max(0, count - MAX_KEPT_ARRAY), `an element of '${key}'`);
    }
    const text = count <= MAX_KEPT_ARRAY ? JSON.stringify(kept) : `[${count} ${VALUE_TYPE_NAMES[elementType]} values]`;
    return { text, value: kept };
  }
  if (SCALAR_SIZES[type] === undefined && type !== 8) throw fail(`metadata '${key}' has unknown value type ${type}`);
  const value = await readScalar(r, type, key);
  return { text: String(value), value };
}

export async function openGguf(source: ByteSource): Promise<TensorFile> {
  const fail = (m: string): Fp4Error => ggufError(source.name, m);
  const r = new WindowedReader(source, fail);
  if ((await r.u32('the magic')) !== GGUF_MAGIC) throw fail('it does not start with "GGUF"');
  const version = await r.u32('the version');
  if (version === 1) throw new Fp4Error('UNSUPPORTED', `${source.name} is GGUF version 1 (from 2023's first llama.cpp releases); convert it to a current GGUF`);
  if (version !== 2 && version !== 3) throw fail(`version ${version} is not 2 or 3`);
  const tensorCount = await r.u64('the tensor count');
  const kvCount = await r.u64('the metadata count');
  // Each tensor info takes at least 8+4+4+8 bytes, each key/value at least 8+4+1.
  if (tensorCount * 24 > source.size || kvCount * 13 > source.size) throw fail(`${tensorCount} tensors and ${kvCount} metadata entries cannot fit in ${source.size} bytes`);
  // Keys come from the file: a null-prototype object keeps '__proto__' an ordinary key.
  const metadata: Record<string, string> = Object.create(null);
  metadata.gguf_version = String(version);
  let alignment = DEFAULT_ALIGNMENT;
  for (let i = 0; i < kvCount; i++) {
    const key = await r.string('a metadata key');
    const type = await r.u32(`the type of '${key}'`);
    const { text, value } = await readValue(r, type, key, fail);
    metadata[key] = text;
    if (key === 'general.alignment') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 1 << 20 || (value & (value - 1)) !== 0) throw fail(`general.alignment ${text} is not a power of two`);
      alignment = value;
    }
  }
  interface Info {
    name: string;
    shape: number[];
    typeId: number;
    offset: number;
    elements: number;
  }
  const infos: Info[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await r.string('a tensor name');
    const nDims = await r.u32(`the rank of '${name}'`);
    if (nDims > MAX_DIMS) throw fail(`tensor '${name}' has ${nDims} dimensions (at most ${MAX_DIMS})`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = await r.u64(`a dimension of '${name}'`);
      dims.push(dim);
      elements *= dim;
      if (!Number.isSafeInteger(elements)) throw fail(`tensor '${name}' dims ${JSON.stringify(dims)} are absurdly large`);
    }
    const typeId = await r.u32(`the type of '${name}'`);
    const offset = await r.u64(`the offset of '${name}'`);
    // GGUF lists dims innermost first (ne[0] = columns); shapes are outermost first.
    infos.push({ name, shape: dims.reverse(), typeId, offset, elements });
  }
  const dataStart = Math.ceil(r.pos / alignment) * alignment;
  const seen = new Set<string>();
  const tensors: TensorEntry[] = infos.map(({ name, shape, typeId, offset, elements }) => {
    if (seen.has(name)) throw fail(`tensor name '${name}' appears twice`);
    seen.add(name);
    const type = ggmlType(typeId);
    if (!type) throw fail(`tensor '${name}' has unknown ggml type ${typeId}`);
    const innermost = shape.length ? shape[shape.length - 1] : 1;
    if (innermost % type.blockSize !== 0) throw fail(`tensor '${name}' rows of ${innermost} elements are not whole ${type.name} blocks of ${type.blockSize}`);
    const storedBytes = (elements / type.blockSize) * type.typeSize;
    if (offset % alignment !== 0) throw fail(`tensor '${name}' offset ${offset} is not a multiple of the alignment ${alignment}`);
    if (dataStart + offset + storedBytes > source.size) {
      throw fail(`tensor '${name}' (${type.name} ${JSON.stringify(shape)}, ${storedBytes} bytes at data offset ${offset}) runs past the end of the ${source.size}-byte file (truncated?)`);
    }
    const readStored = (): Promise<Uint8Array> => source.read(dataStart + offset, storedBytes);
    if (type.dtype) return { name, dtype: type.dtype, shape, byteLength: storedBytes, read: readStored };
    const dequantize = type.dequantize;
    const encoding = {
      name: type.name,
      storedByteLength: storedBytes,
      ...(dequantize ? {} : { unsupported: `${source.name}: tensor '${name}' is GGUF type ${type.name}, which FP4 Lab cannot decode yet (supported: F32, F16, BF16, F64, ${DECODABLE_GGML_TYPES.join(', ')})` }),
    };
    return {
      name,
      dtype: 'F32' as const,
      shape,
      byteLength: elements * 4,
      encoding,
      read: async () => {
        if (!dequantize) throw new Fp4Error('UNSUPPORTED', encoding.unsupported!);
        const out = new Float32Array(elements);
        dequantize(await readStored(), out);
        return new Uint8Array(out.buffer);
      },
    };
  });
  return { format: 'gguf', name: source.name, tensors, metadata };
}

import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { isDType, itemSize, type DType } from './dtypes';
import type { TensorEntry, TensorFile } from './tensorFile';

/**
 * safetensors: u64 little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}}, then the data.
 * Parsed by hand so every length is checked before anything is allocated from it.
 */
export const SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024; // the safetensors library's own limit

function formatError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid safetensors file: ${message}`);
}

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Validate the JSON header against the data section size; returns entries in offset order. */
export function parseSafetensorsHeader(headerText: string, dataSize: number, source: string): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(headerText);
  } catch (e) {
    throw formatError(source, `the header is not JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw formatError(source, 'the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw formatError(source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw formatError(source, `__metadata__['${k}'] must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) throw formatError(source, `tensor '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) throw formatError(source, `tensor '${name}' has unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw formatError(source, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw formatError(source, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    let bytes = itemSize(dtype);
    for (const d of shape as number[]) {
      bytes *= d;
      if (!Number.isSafeInteger(bytes)) throw formatError(source, `tensor '${name}' shape ${JSON.stringify(shape)} is absurdly large`);
    }
    if (end < begin || end > dataSize) {
      throw formatError(source, `tensor '${name}' data_offsets [${begin}, ${end}] lie outside the ${dataSize}-byte data section (file truncated or offsets wrong)`);
    }
    if (end - begin !== bytes) {
      throw formatError(source, `tensor '${name}' (${dtype} ${JSON.stringify(shape)}) needs ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (cur.begin < prev.end && cur.end > cur.begin && prev.end > prev.begin) {
      throw formatError(source, `tensors '${prev.name}' and '${cur.name}' overlap (data_offsets [${prev.begin}, ${prev.end}] and [${cur.begin}, ${cur.end}])`);
    }
  }
  return { entries, metadata };
}

function readU64(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  return hi * 4294967296 + lo;
}

/** Read the header now; each tensor's bytes are read from the source when asked for. */
export async function openSafetensors(source: ByteSource): Promise<TensorFile> {
  if (source.size < 8) throw formatError(source.name, `the file has ${source.size} bytes, fewer than the 8-byte header length`);
  const headerLength = readU64(await source.read(0, 8));
  if (headerLength > SAFETENSORS_MAX_HEADER) {
    throw formatError(source.name, `header length ${headerLength} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`);
  }
  if (8 + headerLength > source.size) {
    throw formatError(source.name, `header length ${headerLength} runs past the end of the ${source.size}-byte file (truncated?)`);
  }
  const headerBytes = await source.read(8, headerLength);
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw formatError(source.name, 'the header is not valid UTF-8');
  }
  const dataStart = 8 + headerLength;
  const { entries, metadata } = parseSafetensorsHeader(headerText, source.size - dataStart, source.name);
  const tensors: TensorEntry[] = entries.map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    byteLength: e.end - e.begin,
    read: () => source.read(dataStart + e.begin, e.end - e.begin),
  }));
  return { format: 'safetensors', name: source.name, tensors, metadata };
}

/** A tensor to write: raw little-endian C-order bytes. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Serialize to safetensors as a list of byte chunks (header, then each tensor) so large
 * tensors are never concatenated. The header is space-padded to 8 bytes, as the library does.
 */
export function serializeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Fp4Error('INVALID_ARGUMENT', `tensor name '${t.name}' appears twice`);
    if (t.name === '__metadata__') throw new Fp4Error('INVALID_ARGUMENT', `'__metadata__' is reserved and cannot name a tensor`);
    seen.add(t.name);
    const expected = t.shape.reduce((n, d) => n * d, itemSize(t.dtype));
    if (expected !== t.data.length) {
      throw new Fp4Error('INVALID_ARGUMENT', `tensor '${t.name}' (${t.dtype} ${JSON.stringify(t.shape)}) needs ${expected} bytes, got ${t.data.length}`);
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8);
  const view = new DataView(head.buffer);
  view.setUint32(0, padded % 4294967296, true);
  view.setUint32(4, Math.floor(padded / 4294967296), true);
  head.set(json, 8);
  return [head, ...tensors.map((t) => t.data)];
}

export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

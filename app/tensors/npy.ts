import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { decodeUtf8, latin1, readU16, readU32 } from './byteCursor';
import { itemSize, type DType } from './dtypes';
import { parsePythonLiteral, PyLiteralError } from './pythonLiteral';
import { fortranStrides, gatherStrided, swapByteOrder } from './tensorLayout';
import { elementCount, type TensorEntry, type TensorFile } from './tensorFile';

/**
 * NumPy .npy: "\x93NUMPY", major, minor, a header length (u16 in v1, u32 in v2/v3), then a
 * Python dict literal {'descr', 'fortran_order', 'shape'} padded with spaces and a newline,
 * then the raw elements. Fortran order and big endian are converted on read(), so every entry
 * yields C-order little-endian bytes.
 */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Far above any header numpy writes (it refuses more than 10000 bytes by default). */
export const NPY_MAX_HEADER = 1024 * 1024;

export function isNpyMagic(head: Uint8Array): boolean {
  return head.length >= 6 && NPY_MAGIC.every((b, i) => head[i] === b);
}

function npyError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid .npy file: ${message}`);
}

export interface NpyHeader {
  readonly dtype: DType;
  readonly shape: number[];
  readonly fortranOrder: boolean;
  readonly bigEndian: boolean;
  /** Where the elements start, from the beginning of the .npy bytes. */
  readonly dataOffset: number;
  readonly dataLength: number;
}

/** descr kind+size -> our dtype ('<f4' -> F32). Byte order is handled separately. */
const DESCR_TYPES: Record<string, DType> = {
  f2: 'F16',
  f4: 'F32',
  f8: 'F64',
  i1: 'I8',
  i2: 'I16',
  i4: 'I32',
  i8: 'I64',
  u1: 'U8',
  u2: 'U16',
  u4: 'U32',
  u8: 'U64',
  b1: 'BOOL',
};

const DESCR_NAMES: Record<string, string> = {
  c: 'complex',
  O: 'Python objects (a pickle)',
  U: 'unicode strings',
  S: 'byte strings',
  a: 'byte strings',
  V: 'raw/structured records',
  M: 'datetimes',
  m: 'timedeltas',
};

function parseDescr(descr: unknown, source: string): { dtype: DType; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new Fp4Error('UNSUPPORTED', `${source}: structured arrays (descr ${JSON.stringify(descr)}) are not supported; save a plain numeric array`);
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw npyError(source, `unknown descr '${descr}'`);
  const [, order, kind, size] = m;
  const dtype = DESCR_TYPES[kind + size] ?? (kind === '?' ? 'BOOL' : undefined);
  if (!dtype) {
    const what = DESCR_NAMES[kind] ?? `descr '${descr}'`;
    throw new Fp4Error('UNSUPPORTED', `${source}: arrays of ${what} ('${descr}') are not supported; FP4 Lab reads float, integer and bool arrays`);
  }
  return { dtype, bigEndian: order === '>' };
}

/**
 * Parse a .npy header from the first bytes of the file (at least 10; more when the header is
 * longer: `needed` in the failure says how many).
 */
export function parseNpyHeader(head: Uint8Array, totalSize: number, source: string): NpyHeader {
  if (head.length < 10) throw npyError(source, `the file has ${totalSize} bytes, too few for a header`);
  if (!isNpyMagic(head)) throw npyError(source, `it does not start with the magic "\\x93NUMPY" (found ${JSON.stringify(latin1(head.subarray(0, 6)))})`);
  const major = head[6];
  if (major < 1 || major > 3) throw npyError(source, `format version ${major}.${head[7]} is not one of 1.0, 2.0, 3.0`);
  const prefix = major === 1 ? 10 : 12;
  if (head.length < prefix) throw npyError(source, 'the header is truncated');
  const headerLength = major === 1 ? readU16(head, 8) : readU32(head, 8);
  if (headerLength > NPY_MAX_HEADER) throw npyError(source, `header length ${headerLength} exceeds the ${NPY_MAX_HEADER}-byte limit`);
  if (prefix + headerLength > totalSize) throw npyError(source, `header length ${headerLength} runs past the end of the ${totalSize}-byte file (truncated?)`);
  if (prefix + headerLength > head.length) throw new NpyHeaderTooShort(prefix + headerLength);
  const headerBytes = head.subarray(prefix, prefix + headerLength);
  // v1/v2 headers are latin-1, v3 allows utf-8 (for structured field names).
  const text = major === 3 ? decodeUtf8(headerBytes, () => npyError(source, 'the header is not valid UTF-8')) : latin1(headerBytes);
  let header: unknown;
  try {
    header = parsePythonLiteral(text.trim());
  } catch (e) {
    if (e instanceof PyLiteralError) throw npyError(source, `the header is not a Python dict literal (${e.message})`);
    throw e;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw npyError(source, 'the header is not a dict');
  const { descr, fortran_order: fortranOrder, shape } = header as Record<string, unknown>;
  if (typeof fortranOrder !== 'boolean') throw npyError(source, "the header's 'fortran_order' is not True or False");
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw npyError(source, `the header's 'shape' ${JSON.stringify(shape)} is not a tuple of non-negative integers`);
  }
  const { dtype, bigEndian } = parseDescr(descr, source);
  let dataLength = itemSize(dtype);
  for (const d of shape as number[]) {
    dataLength *= d;
    if (!Number.isSafeInteger(dataLength)) throw npyError(source, `shape ${JSON.stringify(shape)} is absurdly large`);
  }
  const dataOffset = prefix + headerLength;
  if (dataOffset + dataLength > totalSize) {
    throw npyError(source, `${dtype} ${JSON.stringify(shape)} needs ${dataLength} bytes of data but the file has ${totalSize - dataOffset} after the header (truncated?)`);
  }
  return { dtype, shape: shape as number[], fortranOrder, bigEndian, dataOffset, dataLength };
}

/** Thrown by parseNpyHeader when `head` holds fewer bytes than the header needs. */
export class NpyHeaderTooShort extends Error {
  constructor(readonly needed: number) {
    super(`npy header needs ${needed} bytes`);
  }
}

/** C-order little-endian bytes from the stored elements (which the caller may not reuse). */
export function npyToCOrder(header: NpyHeader, stored: Uint8Array): Uint8Array {
  const size = itemSize(header.dtype);
  let bytes = header.bigEndian && size > 1 ? swapByteOrder(stored, size) : stored;
  if (header.fortranOrder && header.shape.length > 1) bytes = gatherStrided(bytes, size, header.shape, fortranStrides(header.shape));
  return bytes;
}

/** The entry for one array; `readStored` returns the dataLength stored bytes. */
export function npyTensorEntry(name: string, header: NpyHeader, readStored: () => Promise<Uint8Array>): TensorEntry {
  return {
    name,
    dtype: header.dtype,
    shape: header.shape,
    byteLength: header.dataLength,
    read: async () => npyToCOrder(header, await readStored()),
  };
}

/**
 * Parse a .npy header through `readHead(n)` (the first n bytes, or fewer if the data is
 * shorter): 4 KiB first, then exactly as much as the header says it needs.
 */
export async function readNpyHeaderFrom(readHead: (length: number) => Promise<Uint8Array>, totalSize: number, label: string): Promise<NpyHeader> {
  try {
    return parseNpyHeader(await readHead(Math.min(totalSize, 4096)), totalSize, label);
  } catch (e) {
    if (!(e instanceof NpyHeaderTooShort)) throw e;
    const head = await readHead(e.needed);
    if (head.length < e.needed) throw npyError(label, `the data ends inside the ${e.needed}-byte header`);
    return parseNpyHeader(head, totalSize, label);
  }
}

/** Read the header of a .npy in a byte source. */
export function readNpyHeader(source: ByteSource): Promise<NpyHeader> {
  return readNpyHeaderFrom((n) => source.read(0, n), source.size, source.name);
}

/** A .npy file: one tensor, named after the file (without .npy). */
export async function openNpy(source: ByteSource): Promise<TensorFile> {
  const header = await readNpyHeader(source);
  const name = source.name.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '') || 'array';
  const entry = npyTensorEntry(name, header, () => source.read(header.dataOffset, header.dataLength));
  return { format: 'npy', name: source.name, tensors: [entry], metadata: {} };
}

/** numpy's descr for each dtype we can write (little endian). */
const NPY_DESCR: Partial<Record<DType, string>> = {
  F16: '<f2',
  F32: '<f4',
  F64: '<f8',
  I8: '|i1',
  I16: '<i2',
  I32: '<i4',
  I64: '<i8',
  U8: '|u1',
  U16: '<u2',
  U32: '<u4',
  U64: '<u8',
  BOOL: '|b1',
};

/**
 * A .npy as byte chunks (header, data): v1.0 when the header fits its u16 length, else v2.0;
 * the header is padded so the data starts on a 64-byte boundary, as numpy does.
 */
export function serializeNpy(dtype: DType, shape: readonly number[], data: Uint8Array): Uint8Array[] {
  const descr = NPY_DESCR[dtype];
  if (!descr) throw new Fp4Error('INVALID_ARGUMENT', `.npy has no ${dtype} type; export as float32`);
  const expected = elementCount(shape) * itemSize(dtype);
  if (data.length !== expected) throw new Fp4Error('INVALID_ARGUMENT', `${dtype} ${JSON.stringify(shape)} needs ${expected} bytes, got ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  for (const [major, prefix] of [
    [1, 10],
    [2, 12],
  ] as const) {
    const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
    const headerLength = total - prefix;
    if (major === 1 && headerLength > 0xffff) continue;
    const head = new Uint8Array(total);
    head.set(NPY_MAGIC, 0);
    head[6] = major;
    head[7] = 0;
    const view = new DataView(head.buffer);
    if (major === 1) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    const text = dict.padEnd(headerLength - 1, ' ') + '\n';
    for (let i = 0; i < text.length; i++) head[prefix + i] = text.charCodeAt(i);
    return [head, data];
  }
  throw new Fp4Error('INVALID_ARGUMENT', `shape ${JSON.stringify(shape)} is too long for a .npy header`);
}

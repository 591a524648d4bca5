import { Fp4Error } from '../errors';
import { resolveQuantizeKwargs, type Fp4Format, type QuantizeKwargs } from '../quantize/kwargs';
import type { QuantizedMatrix } from '../quantize/types';
import type { TensorToWrite } from './safetensors';
import type { TensorEntry, TensorFile } from './tensorFile';

/**
 * The quantized-tensor file (DESIGN.md "Quantized tensor file"): a .safetensors with `e2m1`
 * (U8 [rows_p, cols_p/2]), `sf` (flat blocked bytes; F8_E4M3 for nvfp4, U8 holding E8M0 for
 * mxfp4), `normconst` (F32 [1]) and __metadata__ with the kwargs and shapes. Several tensors in
 * one file use a `<name>.` prefix on the three keys and on their metadata keys.
 */
export const QUANTIZED_FILE_FORMAT = 'fp4lab.quantized';
export const QUANTIZED_FILE_VERSION = '1';

export interface NamedQuantizedMatrix {
  /** '' for a single tensor, else the prefix without its dot. */
  readonly name: string;
  readonly quantized: QuantizedMatrix;
  /** Shape of the input before transpose, when known. */
  readonly originalShape?: readonly [number, number];
}

const key = (name: string, field: string): string => (name ? `${name}.${field}` : field);

function f32Bytes(v: number): Uint8Array {
  return new Uint8Array(new Float32Array([v]).buffer);
}

/** Tensors and metadata to hand to serializeSafetensors. */
export function quantizedFileContents(items: readonly NamedQuantizedMatrix[]): { tensors: TensorToWrite[]; metadata: Record<string, string> } {
  const metadata: Record<string, string> = { format: QUANTIZED_FILE_FORMAT, format_version: QUANTIZED_FILE_VERSION };
  const tensors: TensorToWrite[] = [];
  for (const { name, quantized: q, originalShape } of items) {
    tensors.push(
      { name: key(name, 'e2m1'), dtype: 'U8', shape: [q.paddedRows, q.paddedCols / 2], data: q.e2m1 },
      { name: key(name, 'sf'), dtype: q.fp4_format === 'nvfp4' ? 'F8_E4M3' : 'U8', shape: [q.sf.length], data: q.sf },
      { name: key(name, 'normconst'), dtype: 'F32', shape: [1], data: f32Bytes(q.normconst) },
    );
    metadata[key(name, 'fp4_format')] = q.fp4_format;
    metadata[key(name, 'shape')] = JSON.stringify([q.rows, q.cols]);
    if (originalShape) metadata[key(name, 'original_shape')] = JSON.stringify(originalShape);
    if (q.kwargs) metadata[key(name, 'kwargs')] = JSON.stringify(q.kwargs);
  }
  return { tensors, metadata };
}

/** Names (prefixes) of the quantized tensors a file holds: every `e2m1` key with its two siblings. */
export function quantizedTensorNames(file: TensorFile): string[] {
  const names = new Set(file.tensors.map((t) => t.name));
  return file.tensors
    .filter((t) => t.name === 'e2m1' || t.name.endsWith('.e2m1'))
    .map((t) => t.name.slice(0, -'e2m1'.length).replace(/\.$/, ''))
    .filter((n) => names.has(key(n, 'sf')) && names.has(key(n, 'normconst')));
}

function parseShape(text: string | undefined, what: string, source: string): [number, number] | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new Fp4Error('FORMAT', `${source}: metadata '${what}' must be [rows, cols]; got ${text}`);
  }
  return v as [number, number];
}

function entry(file: TensorFile, name: string): TensorEntry {
  const t = file.tensors.find((e) => e.name === name);
  if (!t) throw new Fp4Error('FORMAT', `${file.name}: quantized tensor is missing '${name}'`);
  return t;
}

/**
 * Read one quantized tensor. Files without our metadata (e.g. written by the reference library's
 * users) are accepted when `format` is given: the logical shape then defaults to the padded one.
 */
export async function readQuantizedTensor(file: TensorFile, name: string, fallbackFormat?: Fp4Format): Promise<NamedQuantizedMatrix> {
  const md = file.metadata;
  const e2m1 = entry(file, key(name, 'e2m1'));
  const sf = entry(file, key(name, 'sf'));
  const nc = entry(file, key(name, 'normconst'));
  const label = `${file.name}${name ? ` tensor '${name}'` : ''}`;
  const format = (md[key(name, 'fp4_format')] ?? fallbackFormat) as Fp4Format | undefined;
  if (format !== 'nvfp4' && format !== 'mxfp4') {
    throw new Fp4Error('FORMAT', `${label}: fp4_format is not recorded in the file's metadata; pass it explicitly (nvfp4 or mxfp4)`);
  }
  if (e2m1.dtype !== 'U8' || e2m1.shape.length !== 2) throw new Fp4Error('FORMAT', `${label}: e2m1 must be U8 [rows, cols/2]; got ${e2m1.dtype} ${JSON.stringify(e2m1.shape)}`);
  if (!['U8', 'F8_E4M3', 'I8'].includes(sf.dtype)) throw new Fp4Error('FORMAT', `${label}: sf must hold bytes (U8 or F8_E4M3); got ${sf.dtype}`);
  if (nc.dtype !== 'F32' || nc.byteLength !== 4) throw new Fp4Error('FORMAT', `${label}: normconst must be F32 [1]; got ${nc.dtype} ${JSON.stringify(nc.shape)}`);
  const paddedRows = e2m1.shape[0];
  const paddedCols = e2m1.shape[1] * 2;
  const [rows, cols] = parseShape(md[key(name, 'shape')], key(name, 'shape'), file.name) ?? [paddedRows, paddedCols];
  const kwargsText = md[key(name, 'kwargs')];
  let kwargs: QuantizeKwargs | undefined;
  if (kwargsText !== undefined) {
    try {
      kwargs = resolveQuantizeKwargs(JSON.parse(kwargsText));
    } catch (e) {
      throw new Fp4Error('FORMAT', `${label}: metadata kwargs are invalid (${(e as Error).message})`);
    }
  }
  const ncBytes = (await nc.read()).slice();
  const quantized: QuantizedMatrix = {
    fp4_format: format,
    rows,
    cols,
    paddedRows,
    paddedCols,
    e2m1: await e2m1.read(),
    sf: await sf.read(),
    normconst: new Float32Array(ncBytes.buffer)[0],
    kwargs,
  };
  return { name, quantized, originalShape: parseShape(md[key(name, 'original_shape')], key(name, 'original_shape'), file.name) };
}

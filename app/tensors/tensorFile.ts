import { Fp4Error } from '../errors';
import { isFloatDType, type DType } from './dtypes';

/**
 * How a file stores a tensor whose bytes read() has to decode first (a GGUF Q8_0 or MXFP4
 * tensor decodes to F32). Absent for tensors stored as plain elements of `dtype`.
 */
export interface StoredEncoding {
  /** The type as the file's format names it: 'Q8_0', 'MXFP4', 'Q4_K'. */
  readonly name: string;
  /** Bytes the tensor occupies in the file. */
  readonly storedByteLength: number;
  /** Why read() refuses this tensor, when we cannot decode its encoding yet. */
  readonly unsupported?: string;
}

/** One tensor listed in a file; its bytes are read only when asked for. */
export interface TensorEntry {
  readonly name: string;
  /** The element type read() returns. */
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly byteLength: number;
  readonly encoding?: StoredEncoding;
  /** Raw little-endian bytes, C order, exactly byteLength long. */
  read(): Promise<Uint8Array>;
}

export type TensorFileFormat = 'safetensors' | 'npy' | 'npz' | 'pytorch' | 'gguf' | 'text';

/** A parsed file: the tensor list and the format's free-form metadata. */
export interface TensorFile {
  readonly format: TensorFileFormat;
  readonly name: string;
  readonly tensors: readonly TensorEntry[];
  readonly metadata: Readonly<Record<string, string>>;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function findTensor(file: TensorFile, name: string): TensorEntry {
  const t = file.tensors.find((e) => e.name === name);
  if (!t) {
    const names = file.tensors.map((e) => e.name);
    const listed = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ... (${names.length} in all)` : names.join(', ');
    throw new Fp4Error('NOT_FOUND', `${file.name} has no tensor '${name}'; it has: ${listed || '(none)'}`);
  }
  return t;
}

/** Whether the app offers the tensor for quantization: floating point and decodable. */
export function isQuantizable(entry: TensorEntry): boolean {
  return isFloatDType(entry.dtype) && entry.encoding?.unsupported === undefined;
}

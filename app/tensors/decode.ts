import { Fp4Error } from '../errors';
import { float16BitsToFloat32 } from '../formats/float16';
import { E4M3_VALUES } from '../formats/e4m3';
import { isFloatDType, itemSize, type DType } from './dtypes';
import type { FloatDType, Matrix } from './matrix';
import type { TensorEntry } from './tensorFile';

/** An aligned copy-free view when possible, otherwise an aligned copy. */
function aligned(bytes: Uint8Array, size: number): ArrayBuffer {
  if (bytes.byteOffset % size === 0 && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

function alignedOffset(bytes: Uint8Array, size: number): number {
  return bytes.byteOffset % size === 0 && bytes.buffer instanceof ArrayBuffer ? bytes.byteOffset : 0;
}

const E5M2_VALUES: Float32Array = Float32Array.from({ length: 256 }, (_, b) => float16BitsToFloat32(b << 8));

/**
 * Little-endian element bytes -> fp32 values. Exact for every type except F64 (rounded to
 * nearest fp32) and 32/64-bit integers beyond 2^24 (rounded).
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: DType): Float32Array {
  const size = itemSize(dtype);
  const n = bytes.length / size;
  if (!Number.isInteger(n)) throw new Fp4Error('FORMAT', `${bytes.length} bytes is not a whole number of ${dtype} elements`);
  const buf = aligned(bytes, size);
  const off = alignedOffset(bytes, size);
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      out.set(new Float32Array(buf, off, n));
      break;
    case 'F64':
      out.set(new Float64Array(buf, off, n));
      break;
    case 'BF16': {
      const src = new Uint16Array(buf, off, n);
      const dst = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
      break;
    }
    case 'F16': {
      const src = new Uint16Array(buf, off, n);
      for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(src[i]);
      break;
    }
    case 'F8_E4M3':
      for (let i = 0; i < n; i++) out[i] = E4M3_VALUES[bytes[i]];
      break;
    case 'F8_E5M2':
      for (let i = 0; i < n; i++) out[i] = E5M2_VALUES[bytes[i]];
      break;
    case 'U8':
    case 'BOOL':
      out.set(bytes);
      break;
    case 'I8':
      out.set(new Int8Array(buf, off, n));
      break;
    case 'U16':
      out.set(new Uint16Array(buf, off, n));
      break;
    case 'I16':
      out.set(new Int16Array(buf, off, n));
      break;
    case 'U32':
      out.set(new Uint32Array(buf, off, n));
      break;
    case 'I32':
      out.set(new Int32Array(buf, off, n));
      break;
    case 'U64': {
      const src = new BigUint64Array(buf, off, n);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]);
      break;
    }
    case 'I64': {
      const src = new BigInt64Array(buf, off, n);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]);
      break;
    }
  }
  return out;
}

/** The engine precision a file dtype maps to (what `had` rounds to). */
export function floatDTypeOf(dtype: DType): FloatDType {
  if (dtype === 'BF16') return 'bfloat16';
  if (dtype === 'F16') return 'float16';
  return 'float32';
}

/**
 * How an N-D tensor is offered as a matrix: >2-D flattens the leading dims into rows,
 * 1-D is one row, 0-D one value.
 */
export function matrixShapeOf(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]];
  const cols = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((n, d) => n * d, 1);
  return [rows, cols];
}

/** Read a float tensor as a Matrix (flattening leading dims); integer/bool tensors are refused. */
export async function readTensorAsMatrix(entry: TensorEntry, fileName: string): Promise<Matrix> {
  if (entry.encoding?.unsupported) throw new Fp4Error('UNSUPPORTED', entry.encoding.unsupported);
  if (!isFloatDType(entry.dtype)) {
    throw new Fp4Error('INVALID_ARGUMENT', `tensor '${entry.name}' in ${fileName} is ${entry.dtype}; only floating-point tensors can be quantized`);
  }
  const [rows, cols] = matrixShapeOf(entry.shape);
  const data = decodeToFloat32(await entry.read(), entry.dtype);
  return { rows, cols, data, dtype: floatDTypeOf(entry.dtype) };
}

import { invalidArgument } from '../errors';
import { roundToBfloat16 } from '../formats/bfloat16';
import { roundToFloat16 } from '../formats/float16';
import type { FloatDType, Matrix } from '../tensors/matrix';
import type { HadamardSpec } from './kwargs';

/** Round an fp32 value to a source dtype (identity for float32). */
export function roundToDType(x: number, dtype: FloatDType): number {
  if (dtype === 'bfloat16') return roundToBfloat16(x);
  if (dtype === 'float16') return roundToFloat16(x);
  return Math.fround(x);
}

/** n x n Sylvester Hadamard matrix scaled by 1/sqrt(n), row-major (n a power of two). */
export function sylvesterHadamard(n: number): Float64Array {
  const h = new Float64Array(n * n);
  h[0] = 1;
  for (let size = 1; size < n; size *= 2) {
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const v = h[r * n + c];
        h[r * n + c + size] = v;
        h[(r + size) * n + c] = v;
        h[(r + size) * n + c + size] = -v;
      }
    }
  }
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < h.length; i++) h[i] *= scale;
  return h;
}

export interface HadamardMatrix {
  readonly size: number;
  /** Row-major entries, already rounded to the input's dtype (the reference casts H to x's dtype). */
  readonly values: Float32Array;
}

/** Turn the `had` kwarg into concrete matrix entries in the input's precision. */
export function resolveHadamard(spec: HadamardSpec, dtype: FloatDType): HadamardMatrix | null {
  if (spec === null) return null;
  const source = typeof spec === 'number' ? sylvesterHadamard(spec) : Float64Array.from(spec.flat());
  const size = typeof spec === 'number' ? spec : spec.length;
  const values = new Float32Array(size * size);
  for (let i = 0; i < values.length; i++) values[i] = roundToDType(source[i], dtype);
  return { size, values };
}

/**
 * Rotate every row chunk of n columns: chunk <- chunk · H. fp32 accumulation in k order, then one
 * rounding to the input dtype (NUMERICS.md §4).
 */
export function applyHadamard(m: Matrix, h: HadamardMatrix): Matrix {
  const n = h.size;
  if (m.cols % n !== 0) {
    throw invalidArgument(`had: the ${n}x${n} Hadamard matrix needs the column count to be a multiple of ${n}; the matrix has ${m.cols} columns`);
  }
  const out = new Float32Array(m.data.length);
  const x = m.data;
  const hv = h.values;
  for (let base = 0; base < x.length; base += n) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc = Math.fround(acc + Math.fround(x[base + k] * hv[k * n + j]));
      out[base + j] = roundToDType(acc, m.dtype);
    }
  }
  return { rows: m.rows, cols: m.cols, data: out, dtype: m.dtype };
}

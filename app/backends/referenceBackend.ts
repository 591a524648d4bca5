import { matmulQuantized } from '../matmul/fp4Matmul';
import { dequantizeFromFp4 } from '../quantize/dequantize';
import { quantizeToFp4 } from '../quantize/quantizeToFp4';
import { invalidArgument } from '../errors';
import type { Matrix } from '../tensors/matrix';
import type { Backend } from './backend';

/** a @ b.T with double accumulation, rounded to fp32 once: the most accurate yardstick we can afford. */
export function matmulHighPrecisionReference(a: Matrix, b: Matrix): Float32Array {
  if (a.cols !== b.cols) throw invalidArgument(`a @ b.T needs the same number of columns; got ${a.cols} and ${b.cols}`);
  const k = a.cols;
  const out = new Float32Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a.data[i * k + t] * b.data[j * k + t];
      out[i * b.rows + j] = sum;
    }
  }
  return out;
}

/**
 * The TypeScript engine as a backend: the living definition every other backend is checked
 * against. It runs synchronously; the signal is honoured between steps.
 */
export const referenceBackend: Backend = {
  name: 'reference',
  async quantize(x, kwargs, control) {
    control?.signal?.throwIfAborted();
    const q = quantizeToFp4(x, kwargs);
    control?.onProgress?.(1);
    return q;
  },
  async dequantize(q, options, control) {
    control?.signal?.throwIfAborted();
    return dequantizeFromFp4(q, options);
  },
  async matmul(a, b, options, control) {
    control?.signal?.throwIfAborted();
    const out = matmulQuantized(a, b, options);
    control?.onProgress?.(1);
    return out;
  },
  async matmulHighPrecision(a, b, control) {
    control?.signal?.throwIfAborted();
    return matmulHighPrecisionReference(a, b);
  },
};

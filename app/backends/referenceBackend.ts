import { matmulQuantized } from '../matmul/fp4Matmul';
import { dequantizeFromFp4 } from '../quantize/dequantize';
import { quantizeToFp4 } from '../quantize/quantizeToFp4';
import type { Backend } from './backend';

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
};

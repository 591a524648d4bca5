import {
  checkPackedOperand,
  operandQuantizeKwargs,
  resolveMatmulOptions,
  type Fp4MatmulOptions,
  type Fp4MatmulResult,
  type MatmulOperand,
} from '../matmul/fp4Matmul';
import type { Fp4Format } from '../quantize/kwargs';
import type { QuantizedMatrix } from '../quantize/types';
import type { Backend, JobControl } from './backend';

function operandOnBackend(backend: Backend, op: MatmulOperand, format: Fp4Format, side: 'a' | 'b', control?: JobControl): Promise<QuantizedMatrix> {
  if (op.kind === 'quantized') return Promise.resolve(checkPackedOperand(op.quantized, format, side));
  return backend.quantize(op.matrix, operandQuantizeKwargs(op.quantizeKwargs, format, side), control);
}

/** fp4_matmul on any backend: quantize the high-precision sides there, then multiply there. */
export async function runFp4Matmul(
  backend: Backend,
  aIn: MatmulOperand,
  bIn: MatmulOperand,
  options: Fp4MatmulOptions = {},
  control?: JobControl,
): Promise<Fp4MatmulResult> {
  const { format, out_dtype, out_shape } = resolveMatmulOptions(options);
  const a = await operandOnBackend(backend, aIn, format, 'a', control);
  const b = await operandOnBackend(backend, bIn, format, 'b', control);
  return { ...(await backend.matmul(a, b, { out_dtype, out_shape }, control)), a, b };
}

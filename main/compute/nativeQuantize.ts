import type { JobControl } from '../../app/backends/backend';
import { Fp4Error } from '../../app/errors';
import { FORMAT_PARAMS, paddedShape } from '../../app/quantize/formatParams';
import { resolveHadamard } from '../../app/quantize/hadamard';
import { resolveQuantizeKwargs, type QuantizeKwargs } from '../../app/quantize/kwargs';
import { checkQuantizableMatrix } from '../../app/quantize/prepare';
import type { QuantizeResult } from '../../app/quantize/types';
import type { Matrix } from '../../app/tensors/matrix';
import type { NativeQuantizeParams } from './nativeAddon';
import { uninitialized } from './nativeJob';

/** The output arrays a native quantize writes (every element; they start uninitialized). */
export interface NativeQuantizeOutputs {
  readonly e2m1: Uint8Array;
  readonly sf: Uint8Array;
  readonly blockScales: Float32Array;
  readonly blockSelection: Uint8Array;
}

/** Resolved kwargs as the native quantizers take them (the Hadamard matrix already rounded to x's dtype). */
export function nativeQuantizeParams(x: Matrix, kwargs: QuantizeKwargs): NativeQuantizeParams {
  return {
    fp4_format: kwargs.fp4_format,
    scale_rule: kwargs.scale_rule,
    block_scale_2d: kwargs.block_scale_2d,
    transpose: kwargs.transpose,
    round_style: kwargs.round_style,
    seed: kwargs.seed,
    input_dtype: x.dtype,
    had: resolveHadamard(kwargs.had, x.dtype)?.values,
  };
}

/**
 * quantizeToFp4 on a native kernel (the cpu addon or the CUDA library): kwargs resolved and
 * checked by the reference's TypeScript (so a bad request fails alike on every backend), the
 * outputs sized from the padded shape, and a NaN/Inf refusal re-raised with the reference's
 * message, which names the first bad position the same way on every backend.
 */
export async function quantizeOnNative(
  x: Matrix,
  kwargsIn: QuantizeKwargs,
  control: JobControl | undefined,
  run: (params: NativeQuantizeParams, out: NativeQuantizeOutputs, control: JobControl | undefined) => Promise<{ normconst: number }>,
): Promise<QuantizeResult> {
  const kwargs = resolveQuantizeKwargs(kwargsIn);
  if (x.rows === 0 || x.cols === 0) checkQuantizableMatrix(x); // throws the reference's error
  const [rows, cols] = kwargs.transpose ? [x.cols, x.rows] : [x.rows, x.cols];
  const [paddedRows, paddedCols] = paddedShape(rows, cols, kwargs.fp4_format);
  const blocks = (paddedRows * paddedCols) / FORMAT_PARAMS[kwargs.fp4_format].blockSize;
  const out: NativeQuantizeOutputs = {
    e2m1: uninitialized(Uint8Array, (paddedRows * paddedCols) / 2),
    sf: uninitialized(Uint8Array, blocks),
    blockScales: uninitialized(Float32Array, blocks),
    blockSelection: uninitialized(Uint8Array, blocks),
  };
  const params = nativeQuantizeParams(x, kwargs);
  let normconst: number;
  try {
    ({ normconst } = await run(params, out, control));
  } catch (e) {
    if (e instanceof Fp4Error && e.code === 'NON_FINITE') checkQuantizableMatrix(x);
    throw e;
  }
  return { fp4_format: kwargs.fp4_format, rows, cols, paddedRows, paddedCols, ...out, normconst, kwargs };
}

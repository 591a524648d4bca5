import { invalidArgument } from '../errors';
import { dequantizeFromFp4, checkQuantizedMatrix } from '../quantize/dequantize';
import { resolveQuantizeKwargs, type Fp4Format, type QuantizeKwargs } from '../quantize/kwargs';
import { quantizeToFp4 } from '../quantize/quantizeToFp4';
import type { QuantizedMatrix } from '../quantize/types';
import type { Matrix } from '../tensors/matrix';
import { castToOutDtype, checkOutDtype, type OutDType } from './outDtype';

/** One side of fp4_matmul: a high-precision matrix (quantized with its own kwargs) or a packed one. */
export type MatmulOperand =
  | { readonly kind: 'matrix'; readonly matrix: Matrix; readonly quantizeKwargs?: Partial<QuantizeKwargs> }
  | { readonly kind: 'quantized'; readonly quantized: QuantizedMatrix };

export interface Fp4MatmulOptions {
  fp4_format?: Fp4Format;
  out_dtype?: OutDType;
  /** Crop of the padded product; default: the padded shape (as the reference returns it). */
  out_shape?: [number, number];
}

export interface Fp4MatmulResult {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: OutDType;
  /** Output values as fp32 (exactly the out_dtype values). */
  readonly data: Float32Array;
  /** 16-bit patterns for bfloat16/float16 outputs; null for float32. */
  readonly bits: Uint16Array | null;
  readonly a: QuantizedMatrix;
  readonly b: QuantizedMatrix;
}

/** Validate a packed side against the call's fp4_format. */
export function checkPackedOperand(q: QuantizedMatrix, format: Fp4Format, side: 'a' | 'b'): QuantizedMatrix {
  checkQuantizedMatrix(q, `${side} (packed)`);
  if (q.fp4_format !== format) throw invalidArgument(`${side} is packed as ${q.fp4_format} but fp4_format is ${format}`);
  return q;
}

/** The kwargs a high-precision side is quantized with: its own, under the call's fp4_format. */
export function operandQuantizeKwargs(kw: Partial<QuantizeKwargs> | undefined, format: Fp4Format, side: 'a' | 'b'): QuantizeKwargs {
  if (kw?.fp4_format !== undefined && kw.fp4_format !== format) {
    throw invalidArgument(`${side}_quantize_kwargs.fp4_format is ${kw.fp4_format} but fp4_format is ${format}`);
  }
  return resolveQuantizeKwargs({ ...kw, fp4_format: format });
}

/** Quantize a high-precision side, or validate a packed one. */
export function quantizeOperand(op: MatmulOperand, format: Fp4Format, side: 'a' | 'b'): QuantizedMatrix {
  if (op.kind === 'quantized') return checkPackedOperand(op.quantized, format, side);
  return quantizeToFp4(op.matrix, operandQuantizeKwargs(op.quantizeKwargs, format, side));
}

/**
 * Shape checks shared by every backend's matmul: K must agree (beyond zero padding) and
 * out_shape must fit the padded product. Returns the common K (the longer padded one) and out shape.
 */
export function planFp4Matmul(a: QuantizedMatrix, b: QuantizedMatrix, outShape?: [number, number]): { k: number; outRows: number; outCols: number } {
  if (a.cols !== b.cols) {
    throw invalidArgument(`fp4_matmul computes a @ b.T, so a and b need the same number of columns (K); got a [${a.rows}, ${a.cols}] and b [${b.rows}, ${b.cols}]`);
  }
  const [outRows, outCols] = outShape ?? [a.paddedRows, b.paddedRows];
  if (!Number.isInteger(outRows) || !Number.isInteger(outCols) || outRows <= 0 || outCols <= 0 || outRows > a.paddedRows || outCols > b.paddedRows) {
    throw invalidArgument(`out_shape [${outRows}, ${outCols}] must be positive and at most the padded product [${a.paddedRows}, ${b.paddedRows}]`);
  }
  return { k: Math.max(a.paddedCols, b.paddedCols), outRows, outCols };
}

/**
 * a @ b.T of two quantized operands, the reference's way (NUMERICS.md §7): dequantize both to
 * fp32 without normconst, zero-pad the shorter K, accumulate in fp32 (k order), then
 * out = fp32(fp32(acc · nc_a) · nc_b), cast to out_dtype, crop to out_shape.
 */
export function matmulQuantized(
  a: QuantizedMatrix,
  b: QuantizedMatrix,
  options: { out_dtype: OutDType; out_shape?: [number, number] },
): Omit<Fp4MatmulResult, 'a' | 'b'> {
  const outDtype = checkOutDtype(options.out_dtype);
  if (a.fp4_format !== b.fp4_format) throw invalidArgument(`a is ${a.fp4_format} but b is ${b.fp4_format}; both sides need the same fp4_format`);
  const { outRows, outCols } = planFp4Matmul(a, b, options.out_shape);
  const ad = dequantizeFromFp4(a, { applyNormconst: false, crop: false });
  const bd = dequantizeFromFp4(b, { applyNormconst: false, crop: false });
  // Columns past the shorter side's padded K multiply zeros: skipping them is exact.
  const k = Math.min(ad.cols, bd.cols);
  const acc = new Float32Array(outRows * outCols);
  const ncA = a.normconst;
  const ncB = b.normconst;
  for (let i = 0; i < outRows; i++) {
    const aRow = i * ad.cols;
    for (let j = 0; j < outCols; j++) {
      const bRow = j * bd.cols;
      let sum = 0;
      // fp32 product (exact except at MXFP4's extreme exponents), fp32 sum in k order.
      for (let t = 0; t < k; t++) sum = Math.fround(sum + Math.fround(ad.data[aRow + t] * bd.data[bRow + t]));
      acc[i * outCols + j] = Math.fround(Math.fround(sum * ncA) * ncB);
    }
  }
  const { data, bits } = castToOutDtype(acc, outDtype);
  return { rows: outRows, cols: outCols, dtype: outDtype, data, bits };
}

/** Check the shared options of fp4_matmul and return them resolved. */
export function resolveMatmulOptions(options: Fp4MatmulOptions): { format: Fp4Format; out_dtype: OutDType; out_shape?: [number, number] } {
  const format = options.fp4_format ?? 'nvfp4';
  if (format !== 'nvfp4' && format !== 'mxfp4') throw invalidArgument(`fp4_format must be nvfp4 or mxfp4; got ${JSON.stringify(format)}`);
  return { format, out_dtype: checkOutDtype(options.out_dtype ?? 'bfloat16'), out_shape: options.out_shape };
}

/** `fp4_matmul(a, b, ...)`: each side high-precision (quantized with its own kwargs) or packed. */
export function fp4Matmul(aIn: MatmulOperand, bIn: MatmulOperand, options: Fp4MatmulOptions = {}): Fp4MatmulResult {
  const { format, out_dtype, out_shape } = resolveMatmulOptions(options);
  const a = quantizeOperand(aIn, format, 'a');
  const b = quantizeOperand(bIn, format, 'b');
  return { ...matmulQuantized(a, b, { out_dtype, out_shape }), a, b };
}

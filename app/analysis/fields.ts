import type { QuantizeResult } from '../quantize/types';
import { FORMAT_PARAMS } from '../quantize/formatParams';
import type { Matrix } from '../tensors/matrix';
import type { FieldSource } from './pooling';

/**
 * The maps the views show. Element fields have the quantized matrix's logical shape; block
 * fields have one value per block (rows x ceil(cols / block)); output fields the matmul's shape.
 */
export const ELEMENT_FIELDS = ['input', 'dequantized', 'signed_error', 'abs_error', 'rel_error'] as const;
export const BLOCK_FIELDS = ['scale', 'selection', 'block_mse', 'block_max_abs'] as const;
export const OUTPUT_FIELDS = ['out', 'out_reference', 'out_signed_error', 'out_abs_error', 'out_rel_error'] as const;

export type ElementField = (typeof ELEMENT_FIELDS)[number];
export type BlockField = (typeof BLOCK_FIELDS)[number];
export type OutputField = (typeof OUTPUT_FIELDS)[number];
export type FieldName = ElementField | BlockField | OutputField;

export function isBlockField(f: string): f is BlockField {
  return (BLOCK_FIELDS as readonly string[]).includes(f);
}

/**
 * Relative error |e| / |ref|, with the denominator floored at amax·2^-20 so exact zeros in the
 * reference give a finite, comparable number instead of Infinity.
 */
export function relativeErrorFloor(amax: number): number {
  return amax > 0 ? amax * 2 ** -20 : 1;
}

/**
 * A field over the logical rows x cols corner of a row-major matrix with `stride` columns
 * (the quantizer works on padded matrices; the views show the logical part).
 */
export function stridedField(data: Float32Array, stride: number, rows: number, cols: number): FieldSource {
  if (stride === cols) return { rows, cols, at: (i) => data[i] };
  return { rows, cols, at: (i) => data[Math.floor(i / cols) * stride + (i % cols)] };
}

/** The five views of a (reference, approximation) pair: the two themselves and three errors. */
export type PairView = 'reference' | 'approximation' | 'signed' | 'abs' | 'rel';

/** Element fields and output fields are both pair views, of (input, dequantized) and (reference, out). */
export const ELEMENT_FIELD_VIEW: Readonly<Record<ElementField, PairView>> = {
  input: 'reference',
  dequantized: 'approximation',
  signed_error: 'signed',
  abs_error: 'abs',
  rel_error: 'rel',
};
export const OUTPUT_FIELD_VIEW: Readonly<Record<OutputField, PairView>> = {
  out_reference: 'reference',
  out: 'approximation',
  out_signed_error: 'signed',
  out_abs_error: 'abs',
  out_rel_error: 'rel',
};

/** A view of a pair; errors are derived on access, nothing is materialized. */
export function pairField(ref: FieldSource, approx: FieldSource, view: PairView, amax: number): FieldSource {
  if (view === 'reference') return ref;
  if (view === 'approximation') return approx;
  const floor = relativeErrorFloor(amax);
  const at =
    view === 'signed'
      ? (i: number) => approx.at(i) - ref.at(i)
      : view === 'abs'
        ? (i: number) => Math.abs(approx.at(i) - ref.at(i))
        : (i: number) => Math.abs(approx.at(i) - ref.at(i)) / Math.max(Math.abs(ref.at(i)), floor);
  return { rows: ref.rows, cols: ref.cols, at };
}

export interface BlockGeometry {
  /** Values per block along a row (16 or 32). */
  readonly blockSize: number;
  readonly gridRows: number;
  readonly gridCols: number;
}

export function blockGeometry(q: Pick<QuantizeResult, 'rows' | 'cols' | 'fp4_format'>): BlockGeometry {
  const { blockSize } = FORMAT_PARAMS[q.fp4_format];
  return { blockSize, gridRows: q.rows, gridCols: Math.ceil(q.cols / blockSize) };
}

/** Crop a padded per-block array ([paddedRows][paddedCols / block]) to the logical block grid. */
export function logicalBlockValues<T extends Float32Array | Uint8Array>(q: QuantizeResult, padded: T): T {
  const { blockSize, gridRows, gridCols } = blockGeometry(q);
  const stride = q.paddedCols / blockSize;
  const out = new (padded.constructor as { new (n: number): T })(gridRows * gridCols);
  for (let r = 0; r < gridRows; r++) out.set(padded.subarray(r * stride, r * stride + gridCols), r * gridCols);
  return out;
}

/**
 * Per-block MSE and max |error| over each block's logical values (partial edge blocks averaged
 * over the values they have). ref/approx are padded matrices; rows x cols is the logical part.
 */
export function blockErrorMaps(ref: Matrix, approx: Matrix, rows: number, cols: number, blockSize: number): { mse: Float32Array; maxAbs: Float32Array; gridCols: number } {
  const gridCols = Math.ceil(cols / blockSize);
  const stride = ref.cols;
  const mse = new Float32Array(rows * gridCols);
  const maxAbs = new Float32Array(rows * gridCols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < gridCols; b++) {
      const c0 = b * blockSize;
      const c1 = Math.min(cols, c0 + blockSize);
      let sum = 0;
      let max = 0;
      for (let c = c0; c < c1; c++) {
        const e = approx.data[r * stride + c] - ref.data[r * stride + c];
        sum += e * e;
        if (Math.abs(e) > max) max = Math.abs(e);
      }
      mse[r * gridCols + b] = sum / (c1 - c0);
      maxAbs[r * gridCols + b] = max;
    }
  }
  return { mse, maxAbs, gridCols };
}

/** Share of (logical) blocks whose scale targets 4 rather than 6. */
export function blocksChoosing4(q: QuantizeResult): { count: number; total: number; percent: number } {
  const sel = logicalBlockValues(q, q.blockSelection);
  let count = 0;
  for (let i = 0; i < sel.length; i++) if (sel[i] === 4) count++;
  return { count, total: sel.length, percent: sel.length ? (100 * count) / sel.length : 0 };
}

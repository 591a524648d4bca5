import type { QuantizeResult } from '../quantize/types';
import { FORMAT_PARAMS } from '../quantize/formatParams';
import type { FieldSource, PairView, RawField } from './pooling';

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
  const raw: RawField | undefined =
    ref.raw?.kind === 'array' && approx.raw?.kind === 'array' && ref.raw.data instanceof Float32Array && approx.raw.data instanceof Float32Array
      ? { kind: 'pair', ref: ref.raw.data, refStride: ref.raw.stride, approx: approx.raw.data, approxStride: approx.raw.stride, view, relFloor: floor }
      : undefined;
  const at =
    view === 'signed'
      ? (i: number) => approx.at(i) - ref.at(i)
      : view === 'abs'
        ? (i: number) => Math.abs(approx.at(i) - ref.at(i))
        : (i: number) => Math.abs(approx.at(i) - ref.at(i)) / Math.max(Math.abs(ref.at(i)), floor);
  return { rows: ref.rows, cols: ref.cols, at, raw };
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

import type { FieldName } from '../analysis/fields';

/**
 * How each field is coloured. `log2`/`log10` colour by the logarithm (scales and errors span
 * orders of magnitude); `diverging` is symmetric around 0 (signed values); `percent4` turns the
 * mean-pooled selection (4 or 6 per block) into the share of blocks that chose 4.
 */
export type ColorMode = 'linear' | 'log2' | 'log10' | 'diverging' | 'percent4';

export interface FieldStyle {
  readonly title: string;
  /** What one value is, for tooltips and colour bars. */
  readonly valueLabel: string;
  readonly color: ColorMode;
}

export const FIELD_STYLES: Readonly<Record<FieldName, FieldStyle>> = {
  input: { title: 'Input (as quantized)', valueLabel: 'x', color: 'diverging' },
  dequantized: { title: 'Dequantized', valueLabel: 'x̂', color: 'diverging' },
  signed_error: { title: 'Signed error x̂ − x', valueLabel: 'x̂ − x', color: 'diverging' },
  abs_error: { title: '|error| per element', valueLabel: '|x̂ − x|', color: 'log10' },
  rel_error: { title: 'Relative error per element', valueLabel: '|x̂ − x| / |x|', color: 'log10' },
  scale: { title: 'Block scale factors', valueLabel: 'scale', color: 'log2' },
  selection: { title: '4 vs 6 per block', valueLabel: 'blocks scaled to 4', color: 'percent4' },
  block_mse: { title: 'MSE per block', valueLabel: 'block MSE', color: 'log10' },
  block_max_abs: { title: 'max |error| per block', valueLabel: 'block max |x̂ − x|', color: 'log10' },
  out: { title: 'FP4 product', valueLabel: 'y', color: 'diverging' },
  out_reference: { title: 'High-precision product', valueLabel: 'y_ref', color: 'diverging' },
  out_signed_error: { title: 'Output signed error', valueLabel: 'y − y_ref', color: 'diverging' },
  out_abs_error: { title: 'Output |error|', valueLabel: '|y − y_ref|', color: 'log10' },
  out_rel_error: { title: 'Output relative error', valueLabel: '|y − y_ref| / |y_ref|', color: 'log10' },
};

/** The number colour is mapped from (null: not drawn, e.g. log of 0 or of an all-zero block's scale). */
export function colorValue(mode: ColorMode, v: number): number | null {
  if (!Number.isFinite(v)) return null;
  switch (mode) {
    case 'log2':
      return v > 0 ? Math.log2(v) : null;
    case 'log10':
      return v > 0 ? Math.log10(v) : null;
    case 'percent4':
      // mean of 4s and 6s -> share of 4s; 0 marks no block (padding never reaches the views).
      return v === 0 ? null : ((6 - v) / 2) * 100;
    default:
      return v;
  }
}

/** Colour range [lo, hi] over some values, as the colour bar should span it. */
export function colorRange(mode: ColorMode, values: ArrayLike<number>): [number, number] {
  if (mode === 'percent4') return [0, 100];
  let lo = Infinity;
  let hi = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    const c = colorValue(mode, values[i]);
    if (c === null) continue;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
    if (Math.abs(c) > maxAbs) maxAbs = Math.abs(c);
  }
  if (mode === 'diverging') return maxAbs > 0 ? [-maxAbs, maxAbs] : [-1, 1];
  if (lo > hi) return [0, 1];
  if (mode === 'linear') lo = Math.min(lo, 0);
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

import type { FieldName } from './fields';
import type { Heatmap } from './model';
import { poolField, type FieldSource, type PoolReduce, type PoolWindow } from './pooling';

/** How each field is pooled unless asked otherwise: errors by their worst value, signed fields keep sign. */
export const DEFAULT_REDUCE: Readonly<Record<FieldName, PoolReduce>> = {
  input: 'extreme',
  dequantized: 'extreme',
  signed_error: 'extreme',
  abs_error: 'max',
  rel_error: 'max',
  scale: 'max',
  selection: 'mean',
  block_mse: 'max',
  block_max_abs: 'max',
  out: 'extreme',
  out_reference: 'extreme',
  out_signed_error: 'extreme',
  out_abs_error: 'max',
  out_rel_error: 'max',
};

/** Pool a field into a Heatmap (plain numbers, ready for JSON and plotly). */
export function heatmapOf(field: FieldName, source: FieldSource, maxRows: number, maxCols: number, window?: PoolWindow, reduce?: PoolReduce): Heatmap {
  const w = window ?? { r0: 0, r1: source.rows, c0: 0, c1: source.cols };
  const pooled = poolField(source, w, maxRows, maxCols, reduce ?? DEFAULT_REDUCE[field]);
  return {
    field,
    reduce: pooled.reduce,
    rows: pooled.rows,
    cols: pooled.cols,
    data: Array.from(pooled.data),
    window: { ...w },
    fieldRows: source.rows,
    fieldCols: source.cols,
    cellRows: pooled.cellRows,
    cellCols: pooled.cellCols,
  };
}

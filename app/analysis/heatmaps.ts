import type { FieldName } from './fields';
import type { Heatmap } from './model';
import type { Backend } from '../backends/backend';
import { checkPoolWindow, pooledSize, poolField, type FieldSource, type PooledField, type PoolReduce, type PoolWindow } from './pooling';

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

/** Something that can pool raw fields natively (a Backend with `pool`). */
export interface NativePooler {
  pool?: Backend['pool'];
}

/** Pool a field into a Heatmap (plain numbers, ready for JSON and plotly), natively when the backend can. */
export async function heatmapOf(
  field: FieldName,
  source: FieldSource,
  maxRows: number,
  maxCols: number,
  window?: PoolWindow,
  reduce?: PoolReduce,
  pooler?: NativePooler,
): Promise<Heatmap> {
  const w = window ?? { r0: 0, r1: source.rows, c0: 0, c1: source.cols };
  const how = reduce ?? DEFAULT_REDUCE[field];
  let pooled: PooledField;
  if (pooler?.pool && source.raw) {
    checkPoolWindow(w, source.rows, source.cols);
    const { outRows, outCols } = pooledSize(w, maxRows, maxCols);
    const data = await pooler.pool(source.raw, source.rows, source.cols, w, outRows, outCols, how);
    pooled = { rows: outRows, cols: outCols, data, window: w, cellRows: (w.r1 - w.r0) / outRows, cellCols: (w.c1 - w.c0) / outCols, reduce: how };
  } else {
    pooled = poolField(source, w, maxRows, maxCols, how);
  }
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

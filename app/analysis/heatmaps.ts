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

/** Something that can pool raw fields natively (a Backend with `pool` / `poolMany`). */
export interface NativePooler {
  pool?: Backend['pool'];
  poolMany?: Backend['poolMany'];
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
  return heatmapFrom(field, source, pooled);
}

function heatmapFrom(field: FieldName, source: FieldSource, pooled: PooledField): Heatmap {
  const w = pooled.window;
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

export interface FieldPoolRequest {
  readonly field: FieldName;
  readonly source: FieldSource;
  readonly reduce?: PoolReduce;
}

/**
 * Several fields of one shape pooled over one window: in one native call when the backend has
 * poolMany (fields that share arrays, such as a side's input and errors, are read once),
 * otherwise one by one. The same heatmaps as heatmapOf on each.
 */
export async function heatmapsOf(requests: readonly FieldPoolRequest[], maxRows: number, maxCols: number, window?: PoolWindow, pooler?: NativePooler): Promise<Heatmap[]> {
  if (requests.length === 0) return [];
  const { rows, cols } = requests[0].source;
  const sameShape = requests.every((r) => r.source.rows === rows && r.source.cols === cols);
  if (!pooler?.poolMany || !sameShape || !requests.every((r) => r.source.raw)) {
    const out: Heatmap[] = [];
    for (const r of requests) out.push(await heatmapOf(r.field, r.source, maxRows, maxCols, window, r.reduce, pooler));
    return out;
  }
  const w = window ?? { r0: 0, r1: rows, c0: 0, c1: cols };
  checkPoolWindow(w, rows, cols);
  const { outRows, outCols } = pooledSize(w, maxRows, maxCols);
  const reduces = requests.map((r) => r.reduce ?? DEFAULT_REDUCE[r.field]);
  const data = await pooler.poolMany(
    requests.map((r, i) => ({ field: r.source.raw!, reduce: reduces[i] })),
    rows,
    cols,
    w,
    outRows,
    outCols,
  );
  return requests.map((r, i) =>
    heatmapFrom(r.field, r.source, { rows: outRows, cols: outCols, data: data[i], window: w, cellRows: (w.r1 - w.r0) / outRows, cellCols: (w.c1 - w.c0) / outCols, reduce: reduces[i] }),
  );
}

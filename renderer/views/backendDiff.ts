import type { Api } from '../../app/api/contract';
import { arrayField, poolField } from '../../app/analysis/pooling';

/** Bytes that differ between two exports (lengths may differ too). */
export function countDifferingBytes(x: Uint8Array, y: Uint8Array): { differing: number; total: number } {
  const n = Math.min(x.length, y.length);
  let differing = Math.abs(x.length - y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) differing++;
  return { differing, total: Math.max(x.length, y.length) };
}

/** Tiles of the output fetched at full resolution (1 value per cell). */
const TILE = 1024;
/** Largest output region compared element by element (the top-left corner beyond it). */
export const MAX_DIFF_ROWS = 2048;
export const MAX_DIFF_COLS = 2048;

export interface OutputDiff {
  readonly rows: number;
  readonly cols: number;
  /** |y_x - y_y| per element of the compared region, row-major. */
  readonly absDiff: Float32Array;
  readonly maxAbs: number;
  readonly differing: number;
  /** The whole output was compared (false: the top-left MAX_DIFF_ROWS x MAX_DIFF_COLS). */
  readonly complete: boolean;
}

/** Element-wise |difference| of two analyses' matmul outputs, tile by tile through the Api. */
export async function diffOutputs(api: Api, idX: string, idY: string, shape: [number, number], signal?: AbortSignal): Promise<OutputDiff> {
  const rows = Math.min(shape[0], MAX_DIFF_ROWS);
  const cols = Math.min(shape[1], MAX_DIFF_COLS);
  const absDiff = new Float32Array(rows * cols);
  let maxAbs = 0;
  let differing = 0;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      signal?.throwIfAborted();
      const window = { r0, r1: Math.min(rows, r0 + TILE), c0, c1: Math.min(cols, c0 + TILE) };
      const q = { target: 'out' as const, field: 'out' as const, window, maxRows: TILE, maxCols: TILE };
      const [x, y] = await Promise.all([api.heatmap({ analysisId: idX, ...q }), api.heatmap({ analysisId: idY, ...q })]);
      const w = window.c1 - window.c0;
      for (let i = 0; i < x.data.length; i++) {
        const d = Math.abs(x.data[i] - y.data[i]);
        const r = r0 + Math.floor(i / w);
        const c = c0 + (i % w);
        absDiff[r * cols + c] = d;
        if (d > maxAbs) maxAbs = d;
        if (d !== 0) differing++;
      }
    }
  }
  return { rows, cols, absDiff, maxAbs, differing, complete: rows === shape[0] && cols === shape[1] };
}

/** The diff pooled (max) to at most size x size cells, for drawing. */
export function pooledDiff(diff: OutputDiff, size: number): { rows: number; cols: number; data: Float32Array } {
  const p = poolField(arrayField(diff.absDiff, diff.rows, diff.cols), { r0: 0, r1: diff.rows, c0: 0, c1: diff.cols }, size, size, 'max');
  return { rows: p.rows, cols: p.cols, data: p.data };
}

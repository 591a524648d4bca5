import { invalidArgument } from '../errors';

/**
 * Pooling a field (a row-major matrix of values: elements or blocks) down to screen size. The
 * window is half-open in field coordinates; each output cell covers an equal share of it
 * (cell boundaries at floor(i·H/outRows)), so zooming in ends at single elements.
 */
/** max_abs: the largest magnitude; extreme: the value of largest magnitude, sign kept (for signed fields). */
export type PoolReduce = 'max' | 'min' | 'mean' | 'max_abs' | 'extreme';
export const POOL_REDUCES: readonly PoolReduce[] = ['max', 'min', 'mean', 'max_abs', 'extreme'];

export interface PoolWindow {
  readonly r0: number;
  readonly r1: number;
  readonly c0: number;
  readonly c1: number;
}

export interface PooledField {
  readonly rows: number;
  readonly cols: number;
  /** outRows x outCols values, row-major. */
  readonly data: Float32Array;
  readonly window: PoolWindow;
  /** Field rows/cols per output cell (>= 1; 1 means single elements). */
  readonly cellRows: number;
  readonly cellCols: number;
  readonly reduce: PoolReduce;
}

export function checkPoolWindow(window: PoolWindow, rows: number, cols: number): void {
  const { r0, r1, c0, c1 } = window;
  const ok = [r0, r1, c0, c1].every(Number.isInteger) && 0 <= r0 && r0 < r1 && r1 <= rows && 0 <= c0 && c0 < c1 && c1 <= cols;
  if (!ok) throw invalidArgument(`heatmap window rows [${r0}, ${r1}) cols [${c0}, ${c1}) must lie inside the ${rows}x${cols} field and be non-empty`);
}

/** How a (reference, approximation) pair is viewed: the two themselves and three errors. */
export type PairView = 'reference' | 'approximation' | 'signed' | 'abs' | 'rel';

/**
 * The arrays behind a field, for backends that pool natively: a strided array, or a view of a
 * strided pair. `at` is the definition; `raw` must give the same values.
 */
export type RawField =
  | { readonly kind: 'array'; readonly data: Float32Array | Uint8Array; readonly stride: number }
  | {
      readonly kind: 'pair';
      readonly ref: Float32Array;
      readonly refStride: number;
      readonly approx: Float32Array;
      readonly approxStride: number;
      readonly view: PairView;
      /** Floor of the relative error's denominator (see fields.ts relativeErrorFloor). */
      readonly relFloor: number;
    };

/** One field of a batch pooled over a shared window (Backend.poolMany). */
export interface PoolRequest {
  readonly field: RawField;
  readonly reduce: PoolReduce;
}

/** A field to pool: its shape and its value at a row-major index (stored or derived). */
export interface FieldSource {
  readonly rows: number;
  readonly cols: number;
  at(index: number): number;
  readonly raw?: RawField;
}

/** A field over the logical rows x cols corner of a row-major array with `stride` columns. */
export function arrayField(data: Float32Array | Uint8Array, rows: number, cols: number, stride = cols): FieldSource {
  if (data.length < (rows - 1) * stride + cols) throw invalidArgument(`field data has ${data.length} values, shape [${rows}, ${cols}] with row stride ${stride} needs more`);
  const raw: RawField = { kind: 'array', data, stride };
  if (stride === cols) return { rows, cols, at: (i) => data[i], raw };
  return { rows, cols, at: (i) => data[Math.floor(i / cols) * stride + (i % cols)], raw };
}

/** Output size for a window: at most maxRows x maxCols cells, never more cells than values. */
export function pooledSize(window: PoolWindow, maxRows: number, maxCols: number): { outRows: number; outCols: number } {
  if (!Number.isInteger(maxRows) || !Number.isInteger(maxCols) || maxRows < 1 || maxCols < 1 || maxRows > 2048 || maxCols > 2048) {
    throw invalidArgument(`heatmap size must be 1..2048 x 1..2048 cells; got ${maxRows}x${maxCols}`);
  }
  return { outRows: Math.min(window.r1 - window.r0, maxRows), outCols: Math.min(window.c1 - window.c0, maxCols) };
}

export function poolField(field: FieldSource, window: PoolWindow, maxRows: number, maxCols: number, reduce: PoolReduce): PooledField {
  const { rows, cols } = field;
  checkPoolWindow(window, rows, cols);
  const { outRows, outCols } = pooledSize(window, maxRows, maxCols);
  const h = window.r1 - window.r0;
  const w = window.c1 - window.c0;
  const out = new Float32Array(outRows * outCols);
  const colStart = new Int32Array(outCols + 1);
  for (let j = 0; j <= outCols; j++) colStart[j] = window.c0 + Math.floor((j * w) / outCols);
  for (let i = 0; i < outRows; i++) {
    const ra = window.r0 + Math.floor((i * h) / outRows);
    const rb = window.r0 + Math.floor(((i + 1) * h) / outRows);
    for (let j = 0; j < outCols; j++) {
      const ca = colStart[j];
      const cb = colStart[j + 1];
      let acc = reduce === 'max' || reduce === 'max_abs' ? -Infinity : reduce === 'min' ? Infinity : 0;
      let extreme = 0;
      for (let r = ra; r < rb; r++) {
        const base = r * cols;
        for (let c = ca; c < cb; c++) {
          const v = field.at(base + c);
          if (reduce === 'max') acc = v > acc ? v : acc;
          else if (reduce === 'min') acc = v < acc ? v : acc;
          else if (reduce === 'max_abs') acc = Math.abs(v) > acc ? Math.abs(v) : acc;
          else if (reduce === 'extreme') {
            if (Math.abs(v) > acc) {
              acc = Math.abs(v);
              extreme = v;
            }
          } else acc += v;
        }
      }
      out[i * outCols + j] = reduce === 'mean' ? acc / ((rb - ra) * (cb - ca)) : reduce === 'extreme' ? extreme : acc;
    }
  }
  return { rows: outRows, cols: outCols, data: out, window, cellRows: h / outRows, cellCols: w / outCols, reduce };
}

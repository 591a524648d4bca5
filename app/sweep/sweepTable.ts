import type { Fp4Format, ScaleRule } from '../quantize/kwargs';
import type { SweepResult, SweepVariant } from './model';

/**
 * The sweep as a table: one row per (tensor, variant), the shape every view sorts and filters.
 * A tensor the engine refused gives one row with its error and no numbers.
 */
export interface SweepRow {
  readonly index: number;
  readonly tensor: string;
  readonly dtype: string;
  readonly rows: number;
  readonly cols: number;
  readonly fp4_format: Fp4Format | null;
  readonly scale_rule: ScaleRule | null;
  readonly mse: number;
  readonly sqnrDb: number;
  readonly percentChoosing4: number;
  readonly maxAbsError: number;
  readonly error?: string;
}

export const SWEEP_COLUMNS = ['index', 'tensor', 'dtype', 'rows', 'cols', 'fp4_format', 'scale_rule', 'mse', 'sqnrDb', 'percentChoosing4', 'maxAbsError'] as const;
export type SweepColumn = (typeof SWEEP_COLUMNS)[number];

export const SWEEP_COLUMN_LABELS: Readonly<Record<SweepColumn, string>> = {
  index: '#',
  tensor: 'tensor',
  dtype: 'dtype',
  rows: 'rows',
  cols: 'cols',
  fp4_format: 'format',
  scale_rule: 'scale rule',
  mse: 'MSE',
  sqnrDb: 'SQNR (dB)',
  percentChoosing4: '% blocks choosing 4',
  maxAbsError: 'max |error|',
};

export function variantLabel(v: SweepVariant): string {
  return `${v.fp4_format} ${v.scale_rule}`;
}

export function sweepRows(result: SweepResult): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const t of result.tensors) {
    const base = { index: t.index, tensor: t.name, dtype: t.dtype, rows: t.matrix[0], cols: t.matrix[1] };
    if (t.error) {
      rows.push({ ...base, fp4_format: null, scale_rule: null, mse: NaN, sqnrDb: NaN, percentChoosing4: NaN, maxAbsError: NaN, error: t.error.message });
      continue;
    }
    for (const v of t.variants) {
      rows.push({
        ...base,
        fp4_format: v.fp4_format,
        scale_rule: v.scale_rule,
        mse: v.metrics.mse,
        sqnrDb: v.metrics.sqnrDb,
        percentChoosing4: v.percentChoosing4,
        maxAbsError: v.metrics.maxAbsError,
      });
    }
  }
  return rows;
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (typeof a === 'number' && typeof b === 'number') {
    // NaN (failed tensors) sorts last in either direction; see sortSweepRows.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return String(a ?? '').localeCompare(String(b ?? ''), undefined, { numeric: true });
}

/**
 * Rows sorted by a column (stable: ties keep file order). Rows without a number in that column
 * (failed tensors) go last in both directions, where they do not hide the ranking.
 */
export function sortSweepRows(rows: readonly SweepRow[], column: SweepColumn, direction: 'asc' | 'desc' = 'asc'): SweepRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  const missing = (r: SweepRow): boolean => typeof r[column] === 'number' && Number.isNaN(r[column] as number);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      const mx = missing(x.r);
      const my = missing(y.r);
      if (mx !== my) return mx ? 1 : -1;
      return sign * compareValues(x.r[column] ?? null, y.r[column] ?? null) || x.i - y.i;
    })
    .map(({ r }) => r);
}

/** Per-variant summary over the swept tensors: mean MSE, mean SQNR, mean share of 4s, layers won. */
export interface SweepVariantSummary extends SweepVariant {
  readonly tensors: number;
  readonly meanMse: number;
  readonly meanSqnrDb: number;
  readonly meanPercentChoosing4: number;
  readonly maxAbsError: number;
  /** Tensors on which this variant had the lowest MSE of all variants (ties count for each). */
  readonly lowestMse: number;
}

export function summarizeSweep(result: SweepResult): SweepVariantSummary[] {
  const ok = result.tensors.filter((t) => !t.error);
  return result.plan.variants.map((v, k) => {
    const rows = ok.map((t) => t.variants[k]).filter((r) => r && r.fp4_format === v.fp4_format && r.scale_rule === v.scale_rule);
    const mean = (f: (r: (typeof rows)[number]) => number): number => (rows.length ? rows.reduce((s, r) => s + f(r), 0) / rows.length : NaN);
    const lowestMse = ok.filter((t) => {
      const mine = t.variants[k]?.metrics.mse;
      return mine !== undefined && t.variants.every((o) => o.metrics.mse >= mine);
    }).length;
    return {
      ...v,
      tensors: rows.length,
      meanMse: mean((r) => r.metrics.mse),
      meanSqnrDb: mean((r) => r.metrics.sqnrDb),
      meanPercentChoosing4: mean((r) => r.percentChoosing4),
      maxAbsError: rows.reduce((m, r) => Math.max(m, r.metrics.maxAbsError), rows.length ? 0 : NaN),
      lowestMse,
    };
  });
}

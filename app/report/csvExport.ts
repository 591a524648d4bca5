import type { ErrorMetrics } from '../analysis/metrics';
import { analysisSides, ruleComparisonsBySide } from '../analysis/analysisSides';
import type { AnalysisResult } from '../analysis/model';
import type { SweepResult } from '../sweep/model';
import { exactNumber } from '../plots/numberFormat';

/**
 * CSV exports (RFC 4180: comma-separated, CRLF, quoted where needed), one row per measured
 * thing, full precision, non-finite values as inf / -inf / nan (what pandas and numpy read).
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? exactNumber(value) : String(value);
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvTable(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const METRIC_COLUMNS: readonly (keyof ErrorMetrics)[] = ['count', 'mse', 'rmse', 'sqnrDb', 'maxAbsError', 'meanAbsError', 'relFrobenius', 'cosine'];
const METRIC_HEADERS = ['count', 'mse', 'rmse', 'sqnr_db', 'max_abs_error', 'mean_abs_error', 'rel_frobenius', 'cosine'];

export const ANALYSIS_CSV_HEADER = ['row', 'target', 'file', 'tensor', 'fp4_format', 'scale_rule', ...METRIC_HEADERS, 'percent_choosing_4', 'normconst'];

/**
 * The analysis's numbers as one table: a row per side (its kwargs), one for the product, and one
 * per (side, variant) of the rule comparison. `row` says which kind a line is.
 */
export function analysisToCsv(result: AnalysisResult): string {
  const rows: (string | number | null)[][] = [];
  const metrics = (m: ErrorMetrics): number[] => METRIC_COLUMNS.map((k) => m[k]);
  for (const s of analysisSides(result)) {
    rows.push(['side', s.side, s.provenance.file, s.provenance.tensor, s.kwargs.fp4_format, s.kwargs.scale_rule, ...metrics(s.metrics), s.blocks.percentChoosing4, s.normconst]);
  }
  if (result.matmul) rows.push(['matmul', 'a@b.T', null, null, result.options.fp4_format, null, ...metrics(result.matmul.metrics), null, null]);
  for (const { side: s, rows: list } of ruleComparisonsBySide(result)) {
    for (const r of list) rows.push(['rule_comparison', s.side, s.provenance.file, s.provenance.tensor, r.fp4_format, r.scale_rule, ...metrics(r.metrics), r.percentChoosing4, null]);
  }
  return csvTable(ANALYSIS_CSV_HEADER, rows);
}

export const SWEEP_CSV_HEADER = ['index', 'tensor', 'dtype', 'shape', 'rows', 'cols', 'fp4_format', 'scale_rule', ...METRIC_HEADERS, 'percent_choosing_4', 'seconds', 'sha256', 'error'];

/** The per-layer table: one row per (tensor, variant), layers in file order. */
export function sweepToCsv(result: SweepResult): string {
  const rows: (string | number | null)[][] = [];
  for (const t of result.tensors) {
    const base = [t.index, t.name, t.dtype, t.shape.join('x'), t.matrix[0], t.matrix[1]];
    if (t.error) {
      rows.push([...base, null, null, ...METRIC_COLUMNS.map(() => null), null, t.seconds, t.sha256 ?? null, `${t.error.code}: ${t.error.message}`]);
      continue;
    }
    for (const v of t.variants) {
      rows.push([...base, v.fp4_format, v.scale_rule, ...METRIC_COLUMNS.map((k) => v.metrics[k]), v.percentChoosing4, t.seconds, t.sha256 ?? null, null]);
    }
  }
  return csvTable(SWEEP_CSV_HEADER, rows);
}

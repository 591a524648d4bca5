import type { AnalysisResult } from '../../app/analysis/model';
import { METRIC_LABELS, type ErrorMetrics } from '../../app/analysis/metrics';
import { formatNumber, formatShape } from '../../app/plots/numberFormat';

const COLUMNS: readonly (keyof ErrorMetrics)[] = ['mse', 'sqnrDb', 'maxAbsError', 'relFrobenius', 'cosine'];

/**
 * The headline numbers, straight from the result model. Each cell carries the exact value in
 * data-value (the text is rounded for reading), so tests and copy/paste see the full number.
 */
export function MetricsTable({ result }: { result: AnalysisResult | null }) {
  if (!result) return <div className="metrics muted" data-testid="metrics">No analysis yet.</div>;
  const rows: { key: string; label: string; detail: string; metrics: ErrorMetrics }[] = [
    { key: 'a', label: 'A', detail: `${result.a.provenance.tensor} · ${formatShape(result.a.shape)} · ${result.a.kwargs.scale_rule}`, metrics: result.a.metrics },
  ];
  if (result.b) rows.push({ key: 'b', label: 'B', detail: `${result.b.provenance.tensor} · ${formatShape(result.b.shape)} · ${result.b.kwargs.scale_rule}`, metrics: result.b.metrics });
  if (result.matmul) rows.push({ key: 'out', label: 'A @ Bᵀ', detail: `${formatShape(result.matmul.shape)} · ${result.matmul.out_dtype} vs high precision`, metrics: result.matmul.metrics });
  return (
    <table className="metrics" data-testid="metrics" data-analysis-id={result.id} aria-label="Error metrics">
      <thead>
        <tr>
          <th scope="col">vs high precision</th>
          {COLUMNS.map((c) => (
            <th key={c} scope="col">
              {METRIC_LABELS[c]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-testid={`metrics-row-${r.key}`}>
            <th scope="row">
              <span className={`side-badge side-${r.key}`}>{r.label}</span> <span className="muted metrics-detail">{r.detail}</span>
            </th>
            {COLUMNS.map((c) => (
              <td key={c} data-testid={`metric-${r.key}-${c}`} data-value={String(r.metrics[c])} title={String(r.metrics[c])}>
                {c === 'sqnrDb' ? formatNumber(r.metrics[c], 4) : c === 'cosine' ? formatNumber(r.metrics[c], 7) : formatNumber(r.metrics[c])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      <caption className="muted">
        {result.backend} backend · {result.options.fp4_format} · {result.seconds.toFixed(2)} s
      </caption>
    </table>
  );
}

import type { SweepResult } from '../sweep/model';
import { SWEEP_COLUMN_LABELS, variantLabel } from '../sweep/sweepTable';
import { plotNumber } from './numberFormat';
import type { PlotSpec, PlotTrace } from './plotSpec';
import { isBaselineVariant } from './ruleComparisonSpec';
import { baseLayout, themedAxis, VARIANT_COLORS, type PlotTheme } from './theme';

export type SweepMetric = 'mse' | 'sqnrDb' | 'percentChoosing4' | 'maxAbsError' | 'mseVsBaseline';

export const SWEEP_METRICS: readonly { metric: SweepMetric; label: string; log: boolean }[] = [
  { metric: 'mse', label: SWEEP_COLUMN_LABELS.mse, log: true },
  { metric: 'sqnrDb', label: SWEEP_COLUMN_LABELS.sqnrDb, log: false },
  { metric: 'percentChoosing4', label: SWEEP_COLUMN_LABELS.percentChoosing4, log: false },
  { metric: 'maxAbsError', label: SWEEP_COLUMN_LABELS.maxAbsError, log: true },
  { metric: 'mseVsBaseline', label: 'MSE / MSE of nvfp4 always_6', log: false },
];

export function sweepMetricLabel(metric: SweepMetric): string {
  return SWEEP_METRICS.find((m) => m.metric === metric)!.label;
}

/** Which per-layer metrics a sweep can plot (the relative MSE needs the baseline variant and another). */
export function sweepMetricsAvailable(result: SweepResult): SweepMetric[] {
  const hasBaseline = result.plan.variants.some(isBaselineVariant) && result.plan.variants.length > 1;
  return SWEEP_METRICS.map((m) => m.metric).filter((m) => m !== 'mseVsBaseline' || hasBaseline);
}

/**
 * One per-layer plot of a sweep, the shape of the Four Over Six paper's figures: the metric of
 * each variant (one line each) against the layers in file order. Failed tensors leave gaps.
 * Values are rounded to 5 significant digits: the report embeds them all.
 */
export function sweepLayerSpec(result: SweepResult, metric: SweepMetric, theme: PlotTheme): PlotSpec {
  const meta = SWEEP_METRICS.find((m) => m.metric === metric)!;
  const base = result.plan.variants.findIndex(isBaselineVariant);
  const names = result.tensors.map((t) => t.name);
  const data: PlotTrace[] = result.plan.variants.map((v, k) => {
    const y = result.tensors.map((t) => {
      const r = t.variants[k];
      if (!r) return null;
      switch (metric) {
        case 'mseVsBaseline': {
          const b = t.variants[base]?.metrics.mse;
          return b ? plotNumber(r.metrics.mse / b) : null;
        }
        case 'percentChoosing4':
          return plotNumber(r.percentChoosing4);
        default:
          return plotNumber(r.metrics[metric]);
      }
    });
    return {
      type: 'scatter',
      mode: names.length > 60 ? 'lines' : 'lines+markers',
      name: variantLabel(v),
      x: names,
      y,
      line: { color: VARIANT_COLORS[k % VARIANT_COLORS.length], width: 1.5 },
      marker: { size: 5 },
      hovertemplate: `%{x}<br>${variantLabel(v)}: %{y:.4g}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout(theme, {
      xaxis: themedAxis(theme, { title: { text: 'layer (file order)' }, type: 'category', tickangle: -45, automargin: true, nticks: 40, tickfont: { size: 9 } }),
      // Shares are 0..100 by definition; a little room keeps lines at 0 and 100 visible.
      yaxis: themedAxis(theme, { title: { text: meta.label }, type: meta.log ? 'log' : 'linear', exponentformat: 'power', ...(metric === 'percentChoosing4' ? { range: [-4, 104] } : {}) }),
      legend: { title: { text: 'variant' } },
      margin: { l: 70, r: 24, t: 28, b: 40 },
    }),
  };
}

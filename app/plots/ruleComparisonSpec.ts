import { isAnalysedVariant } from '../analysis/analysisSides';
import type { RuleComparisonRow } from '../analysis/model';
import type { QuantizeKwargs } from '../quantize/kwargs';
import { variantLabel } from '../sweep/sweepTable';
import type { PlotSpec, PlotTrace } from './plotSpec';
import { baseLayout, themedAxis, type PlotTheme } from './theme';

export interface RuleComparisonSide {
  readonly side: 'a' | 'b';
  readonly rows: readonly RuleComparisonRow[];
  /** The kwargs the analysis ran with: their bar is outlined. */
  readonly current: Pick<QuantizeKwargs, 'fp4_format' | 'scale_rule'>;
}

/** The variant every other is measured against (the rule comparison's MSE panel, a sweep's relative MSE): plain NVFP4. */
export const BASELINE_VARIANT = { fp4_format: 'nvfp4', scale_rule: 'always_6' } as const;

export function isBaselineVariant(v: Pick<RuleComparisonRow, 'fp4_format' | 'scale_rule'>): boolean {
  return v.fp4_format === BASELINE_VARIANT.fp4_format && v.scale_rule === BASELINE_VARIANT.scale_rule;
}

/**
 * Every scale rule (and both formats) on the same tensor, side by side, in three stacked panels
 * over one x axis: MSE as a multiple of plain NVFP4's (always_6) — so A and B, whose MSEs can
 * be orders of magnitude apart, share one axis and a bar below 1 is a gain — then SQNR and the
 * share of blocks that chose 4. The raw MSE is in each bar's tooltip.
 */
export function ruleComparisonSpec(sides: readonly RuleComparisonSide[], theme: PlotTheme): PlotSpec {
  const data: PlotTrace[] = [];
  for (const s of sides) {
    const color = s.side === 'a' ? theme.sideA : theme.sideB;
    const x = s.rows.map(variantLabel);
    const isCurrent = s.rows.map((r) => isAnalysedVariant(r, s.current));
    const baseline = s.rows.find(isBaselineVariant)?.metrics.mse;
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    const panels: { axis: string; y: (number | null)[]; hover: string; first: boolean }[] = [
      {
        axis: 'y',
        y: s.rows.map((r) => (baseline ? finite(r.metrics.mse / baseline) : null)),
        hover: `${s.side.toUpperCase()} %{x}: %{y:.3f}× (MSE %{customdata:.4g})`,
        first: true,
      },
      { axis: 'y2', y: s.rows.map((r) => finite(r.metrics.sqnrDb)), hover: `${s.side.toUpperCase()} %{x}: %{y:.2f} dB`, first: false },
      { axis: 'y3', y: s.rows.map((r) => r.percentChoosing4), hover: `${s.side.toUpperCase()} %{x}: %{y:.1f}% of blocks → 4`, first: false },
    ];
    for (const p of panels) {
      data.push({
        type: 'bar',
        name: s.side.toUpperCase(),
        legendgroup: s.side,
        showlegend: p.first,
        x,
        y: p.y,
        customdata: s.rows.map((r) => r.metrics.mse),
        yaxis: p.axis,
        marker: { color, line: { color: isCurrent.map((c) => (c ? theme.text : color)), width: isCurrent.map((c) => (c ? 2 : 0)) } },
        hovertemplate: `${p.hover}<extra></extra>`,
      });
    }
  }
  return {
    data,
    layout: baseLayout(theme, {
      barmode: 'group',
      legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom' },
      xaxis: themedAxis(theme, { anchor: 'y3', tickangle: -20 }),
      yaxis: themedAxis(theme, { domain: [0.7, 1], rangemode: 'tozero', title: { text: 'MSE ÷ always_6' } }),
      yaxis2: themedAxis(theme, { domain: [0.36, 0.64], title: { text: 'SQNR dB' } }),
      yaxis3: themedAxis(theme, { domain: [0, 0.3], range: [0, 100], title: { text: '% blocks → 4' } }),
      shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: theme.muted, width: 1, dash: 'dot' } }],
      margin: { l: 64, r: 12, t: 24, b: 64 },
    }),
  };
}

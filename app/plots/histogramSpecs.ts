import { E2M1_MAGNITUDES } from '../formats/e2m1';
import type { Histogram } from '../analysis/histograms';
import type { SideAnalysis } from '../analysis/model';
import { logTicks } from './heatmapSpec';
import type { PlotSpec, PlotTrace } from './plotSpec';
import { baseLayout, themedAxis, type PlotTheme } from './theme';

export interface SideHistogram {
  readonly side: 'a' | 'b';
  readonly histogram: Histogram;
}

function sideColor(side: 'a' | 'b', theme: PlotTheme): string {
  return side === 'a' ? theme.sideA : theme.sideB;
}

/** Bars over the bins, as fractions of each side's values so A and B compare at any size. */
function barTrace(h: SideHistogram, theme: PlotTheme, valueLabel: string): PlotTrace {
  const total = h.histogram.counts.reduce((s, c) => s + c, 0) + h.histogram.underflow + h.histogram.overflow;
  const centers = h.histogram.counts.map((_, i) => (h.histogram.edges[i] + h.histogram.edges[i + 1]) / 2);
  const width = h.histogram.edges[1] - h.histogram.edges[0];
  return {
    type: 'bar',
    name: h.side.toUpperCase(),
    x: centers,
    y: h.histogram.counts.map((c) => (total ? c / total : 0)),
    customdata: h.histogram.counts,
    width,
    marker: { color: sideColor(h.side, theme), line: { width: 0 } },
    opacity: 0.75,
    hovertemplate: `${h.side.toUpperCase()}: ${valueLabel} ≈ %{x:.3g}<br>%{customdata} values (%{y:.2%})<extra></extra>`,
  };
}

function histogramLayout(theme: PlotTheme, xTitle: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return baseLayout(theme, {
    barmode: 'overlay',
    bargap: 0,
    showlegend: true,
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom' },
    // Shares step by 0.5% or less on flat histograms: whole percents would repeat a label (1%, 1%, 2%).
    yaxis: themedAxis(theme, { title: { text: 'share of values' }, tickformat: '.2~%', rangemode: 'tozero' }),
    margin: { l: 56, r: 12, t: 24, b: 44 },
    ...extra,
    xaxis: themedAxis(theme, { title: { text: xTitle }, ...(extra.xaxis as object | undefined) }),
  });
}

/**
 * |x| / block scale against the FP4 grid: values pile up on the grid points they round to,
 * and the gaps (e.g. between 4 and 6) are where the rounding error comes from.
 */
export function scaledMagnitudeSpec(sides: readonly SideHistogram[], theme: PlotTheme): PlotSpec {
  const shapes = E2M1_MAGNITUDES.map((g) => ({ type: 'line', x0: g, x1: g, yref: 'paper', y0: 0, y1: 1, line: { color: theme.muted, width: 1, dash: 'dot' } }));
  const annotations = E2M1_MAGNITUDES.map((g) => ({ x: g, y: 1, yref: 'paper', yanchor: 'bottom', text: String(g), showarrow: false, font: { size: 10, color: theme.muted } }));
  return {
    data: sides.map((s) => barTrace(s, theme, '|x|/scale')),
    layout: histogramLayout(theme, '|x| / block scale (FP4 grid dotted)', { shapes, annotations, xaxis: { range: [0, 6.5] } }),
  };
}

/** A histogram over log-spaced bins (log₂ or log₁₀ of the values), ticks labelled with the values themselves. */
function logHistogramSpec(sides: readonly SideHistogram[], theme: PlotTheme, base: 2 | 10, valueLabel: string, xTitle: string): PlotSpec {
  const lo = Math.min(...sides.map((s) => s.histogram.edges[0]));
  const hi = Math.max(...sides.map((s) => s.histogram.edges[s.histogram.edges.length - 1]));
  return {
    data: sides.map((s) => barTrace(s, theme, valueLabel)),
    layout: histogramLayout(theme, xTitle, { xaxis: { tickmode: 'array', ...logTicks(lo, hi, base) } }),
  };
}

/** Distribution of the effective block scales (log₂ bins, labelled with the scale values). */
export function scaleDistributionSpec(sides: readonly SideHistogram[], theme: PlotTheme): PlotSpec {
  return logHistogramSpec(sides, theme, 2, 'log₂ scale', 'block scale (log₂ axis)');
}

/** Per-block error (log₁₀ MSE bins). */
export function blockErrorSpec(sides: readonly SideHistogram[], theme: PlotTheme): PlotSpec {
  return logHistogramSpec(sides, theme, 10, 'log₁₀ MSE', 'MSE per block (log₁₀ axis)');
}

export type SideHistogramKind = 'scaledMagnitude' | 'scales' | 'blockError';

/** What each histogram shows, as the views and the report title it. */
export const HISTOGRAM_TITLES: Readonly<Record<SideHistogramKind, string>> = {
  scaledMagnitude: '|x| / block scale against the FP4 grid',
  scales: 'Block scales',
  blockError: 'Error per block',
};

/** The three histograms of the given sides (A and B overlaid in the app, one side each in the report). */
export function sideHistogramSpecs(sides: readonly SideAnalysis[], theme: PlotTheme): Record<SideHistogramKind, PlotSpec> {
  return {
    scaledMagnitude: scaledMagnitudeSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.scaledMagnitude })), theme),
    scales: scaleDistributionSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.scaleLog2 })), theme),
    blockError: blockErrorSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.blockMseLog10 })), theme),
  };
}

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
    yaxis: themedAxis(theme, { title: { text: 'share of values' }, tickformat: '.0%', rangemode: 'tozero' }),
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

/** Distribution of the effective block scales (log₂ bins, labelled with the scale values). */
export function scaleDistributionSpec(sides: readonly SideHistogram[], theme: PlotTheme): PlotSpec {
  const lo = Math.min(...sides.map((s) => s.histogram.edges[0]));
  const hi = Math.max(...sides.map((s) => s.histogram.edges[s.histogram.edges.length - 1]));
  return {
    data: sides.map((s) => barTrace(s, theme, 'log₂ scale')),
    layout: histogramLayout(theme, 'block scale (log₂ axis)', { xaxis: { tickmode: 'array', ...logTicks(lo, hi, 2) } }),
  };
}

/** Per-block error (log₁₀ MSE bins). */
export function blockErrorSpec(sides: readonly SideHistogram[], theme: PlotTheme): PlotSpec {
  const lo = Math.min(...sides.map((s) => s.histogram.edges[0]));
  const hi = Math.max(...sides.map((s) => s.histogram.edges[s.histogram.edges.length - 1]));
  return {
    data: sides.map((s) => barTrace(s, theme, 'log₁₀ MSE')),
    layout: histogramLayout(theme, 'MSE per block (log₁₀ axis)', { xaxis: { tickmode: 'array', ...logTicks(lo, hi, 10) } }),
  };
}

/** The three histograms of the sides an analysis has. */
export function sideHistogramSpecs(sides: readonly SideAnalysis[], theme: PlotTheme): { scaledMagnitude: PlotSpec; scales: PlotSpec; blockError: PlotSpec } {
  return {
    scaledMagnitude: scaledMagnitudeSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.scaledMagnitude })), theme),
    scales: scaleDistributionSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.scaleLog2 })), theme),
    blockError: blockErrorSpec(sides.map((s) => ({ side: s.side, histogram: s.histograms.blockMseLog10 })), theme),
  };
}

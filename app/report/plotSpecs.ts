import type { FieldName } from '../analysis/fields';
import type { Histogram } from '../analysis/histograms';
import type { AnalysisResult, Heatmap, RuleComparisonRow, SideAnalysis } from '../analysis/model';
import { E2M1_MAGNITUDES } from '../formats/e2m1';
import type { SweepResult, SweepVariant } from '../sweep/model';
import { variantLabel } from '../sweep/sweepTable';

/**
 * Plots as data: plain plotly {data, layout} objects built from the result models. The report
 * embeds them, the renderer hands them to its one plotly wrapper (Plotly.react), so the app and
 * the report draw the same pictures. Nothing here knows plotly's code, only its JSON schema.
 */
export type PlotTrace = Record<string, unknown>;
export type PlotLayout = Record<string, unknown>;

export interface PlotSpec {
  readonly data: PlotTrace[];
  readonly layout: PlotLayout;
}

/** A plot with a stable id (for DOM ids and PNG file names) and a caption for people. */
export interface NamedPlot {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: PlotSpec;
  /** Spans the full width of a two-column grid. */
  readonly wide?: boolean;
}

const FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', size: 12 };
/** Blue (negative) - white (zero) - red (positive), ColorBrewer's RdBu; plotly's own has a grey middle. */
const DIVERGING: [number, string][] = [
  [0, '#2166ac'],
  [0.25, '#67a9cf'],
  [0.5, '#f7f7f7'],
  [0.75, '#ef8a62'],
  [1, '#b2182b'],
];
const SEQUENTIAL = 'Viridis';
/** One colour per variant, stable across plots (Okabe–Ito, readable by colour-blind people). */
export const VARIANT_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/**
 * A number as plotted: rounded to `digits` significant digits (plots need no more, and the
 * report stays small), null where it is not finite (plotly leaves a gap).
 */
export function plotNumber(v: number, digits = 5): number | null {
  if (!Number.isFinite(v)) return null;
  return v === 0 ? 0 : Number(v.toPrecision(digits));
}

function baseLayout(title: string, extra: PlotLayout = {}): PlotLayout {
  return {
    title: { text: title, font: { size: 14 }, x: 0, xref: 'paper', xanchor: 'left' },
    font: FONT,
    margin: { l: 64, r: 24, t: 40, b: 52 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    ...extra,
  };
}

// ---------------------------------------------------------------- heatmaps

interface FieldStyle {
  /** Colour-bar title. */
  readonly unit: string;
  readonly colorscale: string | [number, string][];
  readonly diverging: boolean;
  /** Value shown for a pooled cell value (e.g. log10 for MSE). */
  readonly transform?: (v: number) => number;
  readonly zmin?: number;
  readonly zmax?: number;
  readonly block: boolean;
}

const log10 = (v: number): number => (v > 0 ? Math.log10(v) : NaN);
const log2 = (v: number): number => (v > 0 ? Math.log2(v) : NaN);

/** How each field is drawn. Block fields have one cell per block; selection shows the share of 4s. */
export const FIELD_STYLES: Readonly<Record<FieldName, FieldStyle>> = {
  input: { unit: 'value', colorscale: DIVERGING, diverging: true, block: false },
  dequantized: { unit: 'value', colorscale: DIVERGING, diverging: true, block: false },
  signed_error: { unit: 'error', colorscale: DIVERGING, diverging: true, block: false },
  abs_error: { unit: '|error|', colorscale: SEQUENTIAL, diverging: false, block: false },
  rel_error: { unit: 'rel. error', colorscale: SEQUENTIAL, diverging: false, block: false },
  scale: { unit: 'log2 scale', colorscale: SEQUENTIAL, diverging: false, transform: log2, block: true },
  // Pooled by mean over 4s and 6s: (6 - mean) / 2 is the share of blocks that chose 4.
  selection: { unit: 'share of 4s', colorscale: 'Cividis', diverging: false, transform: (v) => (6 - v) / 2, zmin: 0, zmax: 1, block: true },
  block_mse: { unit: 'log10 MSE', colorscale: SEQUENTIAL, diverging: false, transform: log10, block: true },
  block_max_abs: { unit: 'log10 max |error|', colorscale: SEQUENTIAL, diverging: false, transform: log10, block: true },
  out: { unit: 'value', colorscale: DIVERGING, diverging: true, block: false },
  out_reference: { unit: 'value', colorscale: DIVERGING, diverging: true, block: false },
  out_signed_error: { unit: 'error', colorscale: DIVERGING, diverging: true, block: false },
  out_abs_error: { unit: '|error|', colorscale: SEQUENTIAL, diverging: false, block: false },
  out_rel_error: { unit: 'rel. error', colorscale: SEQUENTIAL, diverging: false, block: false },
};

/** First field row/column covered by each pooled cell (cells split the window evenly). */
function cellStarts(start: number, extent: number, cells: number): number[] {
  return Array.from({ length: cells }, (_, i) => start + Math.floor((i * extent) / cells));
}

/** A pooled heatmap as a plotly heatmap: row 0 at the top, axes in field coordinates. */
export function heatmapPlot(h: Heatmap, title: string): PlotSpec {
  const style = FIELD_STYLES[h.field];
  const z: (number | null)[][] = [];
  let absMax = 0;
  for (let i = 0; i < h.rows; i++) {
    const row: (number | null)[] = [];
    for (let j = 0; j < h.cols; j++) {
      const raw = h.data[i * h.cols + j];
      const v = plotNumber(style.transform ? style.transform(raw) : raw, 4);
      if (v !== null && Math.abs(v) > absMax) absMax = Math.abs(v);
      row.push(v);
    }
    z.push(row);
  }
  const x = cellStarts(h.window.c0, h.window.c1 - h.window.c0, h.cols);
  const y = cellStarts(h.window.r0, h.window.r1 - h.window.r0, h.rows);
  const pooled = h.cellRows > 1 || h.cellCols > 1;
  const trace: PlotTrace = {
    type: 'heatmap',
    x,
    y,
    z,
    colorscale: style.colorscale,
    colorbar: { title: { text: style.unit, side: 'right' }, thickness: 12 },
    hovertemplate: `${style.block ? 'block ' : ''}row %{y}, ${style.block ? 'block col' : 'col'} %{x}: %{z:.4g}<extra>${pooled ? `${h.reduce} of ${formatCell(h)}` : ''}</extra>`,
  };
  if (style.diverging) {
    trace.zmid = 0;
    if (absMax > 0) Object.assign(trace, { zmin: -absMax, zmax: absMax });
  }
  if (style.zmin !== undefined) Object.assign(trace, { zmin: style.zmin, zmax: style.zmax, zauto: false });
  const cols = style.block ? `block column (${h.fieldCols} blocks)` : `column (${h.fieldCols})`;
  return {
    data: [trace],
    layout: baseLayout(title, {
      xaxis: { title: { text: cols }, showgrid: false, zeroline: false },
      yaxis: { title: { text: `row (${h.fieldRows})` }, autorange: 'reversed', showgrid: false, zeroline: false },
    }),
  };
}

function formatCell(h: Heatmap): string {
  const r = Number.isInteger(h.cellRows) ? h.cellRows : `~${h.cellRows.toFixed(1)}`;
  const c = Number.isInteger(h.cellCols) ? h.cellCols : `~${h.cellCols.toFixed(1)}`;
  return `${r}x${c} cells`;
}

// ---------------------------------------------------------------- histograms

export interface HistogramPlotOptions {
  readonly xTitle: string;
  /** Vertical guide lines (e.g. the FP4 grid). */
  readonly guides?: readonly number[];
  readonly color?: string;
}

export function histogramPlot(h: Histogram, title: string, options: HistogramPlotOptions): PlotSpec {
  const centers = h.counts.map((_, i) => plotNumber((h.edges[i] + h.edges[i + 1]) / 2, 6));
  const width = h.edges.length > 1 ? h.edges[1] - h.edges[0] : 1;
  const notes = [h.underflow ? `${h.underflow} below` : '', h.overflow ? `${h.overflow} above` : '', h.skipped ? `${h.skipped} not finite (e.g. zero)` : ''].filter(Boolean);
  return {
    data: [
      {
        type: 'bar',
        x: centers,
        y: [...h.counts],
        width: plotNumber(width, 6),
        marker: { color: options.color ?? VARIANT_COLORS[0] },
        hovertemplate: `%{x:.4g}: %{y}<extra></extra>`,
      },
    ],
    layout: baseLayout(notes.length ? `${title} <span style="font-size:11px;color:#666">(${notes.join(', ')})</span>` : title, {
      bargap: 0,
      xaxis: { title: { text: options.xTitle } },
      yaxis: { title: { text: 'count' }, rangemode: 'tozero' },
      shapes: (options.guides ?? []).map((g) => ({ type: 'line', x0: g, x1: g, yref: 'paper', y0: 0, y1: 1, line: { color: '#999', width: 1, dash: 'dot' } })),
    }),
  };
}

// ---------------------------------------------------------------- rule comparison

/** SQNR of every (format, rule) variant on one side, the analysed one highlighted; % of 4s as labels. */
export function ruleComparisonPlot(rows: readonly RuleComparisonRow[], current: Pick<SideAnalysis, 'kwargs'>, title: string): PlotSpec {
  const labels = rows.map((r) => `${r.fp4_format}<br>${r.scale_rule}`);
  const isCurrent = rows.map((r) => r.fp4_format === current.kwargs.fp4_format && r.scale_rule === current.kwargs.scale_rule);
  return {
    data: [
      {
        type: 'bar',
        x: labels,
        y: rows.map((r) => plotNumber(r.metrics.sqnrDb)),
        text: rows.map((r) => `${r.percentChoosing4.toFixed(1)}% 4s`),
        textposition: 'outside',
        customdata: rows.map((r) => [plotNumber(r.metrics.mse), plotNumber(r.metrics.maxAbsError)]),
        marker: { color: isCurrent.map((c) => (c ? VARIANT_COLORS[1] : VARIANT_COLORS[0])) },
        hovertemplate: 'SQNR %{y:.3f} dB<br>MSE %{customdata[0]:.4g}<br>max |error| %{customdata[1]:.4g}<extra>%{text}</extra>',
      },
    ],
    layout: baseLayout(title, {
      xaxis: { title: { text: 'fp4_format / scale_rule (orange: this analysis)' } },
      yaxis: { title: { text: 'SQNR (dB), higher is better' }, rangemode: 'tozero' },
      margin: { l: 64, r: 24, t: 40, b: 80 },
    }),
  };
}

// ---------------------------------------------------------------- an analysis, all plots

function sidePlots(side: SideAnalysis, label: string): NamedPlot[] {
  const s = side.side;
  const plots: NamedPlot[] = [];
  const heat = (field: keyof SideAnalysis['overview'], title: string, caption: string): void => {
    const h = side.overview[field];
    if (h) plots.push({ id: `${s}-${field}`, title: `${label}: ${title}`, caption, spec: heatmapPlot(h, `${label}: ${title}`) });
  };
  heat('input', 'input (quantized as)', 'The matrix as quantized (after transpose and Hadamard rotation), pooled: each cell shows the value of largest magnitude.');
  heat('abs_error', '|error|', 'Absolute error of the dequantized values, pooled by maximum.');
  heat('signed_error', 'signed error', 'Dequantized minus input, pooled by the value of largest magnitude (sign kept).');
  heat('scale', 'block scales', 'log2 of each block\u2019s effective scale (E4M3 scale x normconst), pooled by maximum.');
  heat('selection', 'blocks choosing 4', 'Share of blocks whose scale targets 4 instead of 6 (the 4/6 choice), pooled by mean.');
  heat('block_mse', 'block MSE', 'log10 of each block\u2019s mean squared error, pooled by maximum.');
  plots.push({
    id: `${s}-scaled-magnitude`,
    title: `${label}: |x| / scale`,
    caption: 'Where values land against the FP4 grid (dotted lines: 0.5, 1, 1.5, 2, 3, 4, 6).',
    spec: histogramPlot(side.histograms.scaledMagnitude, `${label}: |x| / block scale`, { xTitle: '|x| / scale', guides: E2M1_MAGNITUDES.slice(1) }),
  });
  plots.push({
    id: `${s}-scale-log2`,
    title: `${label}: block scales`,
    caption: 'Distribution of log2 of the effective block scales.',
    spec: histogramPlot(side.histograms.scaleLog2, `${label}: log2 block scale`, { xTitle: 'log2 scale', color: VARIANT_COLORS[2] }),
  });
  plots.push({
    id: `${s}-block-mse-log10`,
    title: `${label}: block MSE`,
    caption: 'Distribution of log10 per-block MSE (blocks with zero error are counted apart).',
    spec: histogramPlot(side.histograms.blockMseLog10, `${label}: log10 block MSE`, { xTitle: 'log10 MSE', color: VARIANT_COLORS[4] }),
  });
  return plots;
}

/** Every plot of an analysis, in report order: per side maps and histograms, the output, the rule comparison. */
export function analysisPlots(result: AnalysisResult): NamedPlot[] {
  const plots = sidePlots(result.a, 'A');
  if (result.b) plots.push(...sidePlots(result.b, 'B'));
  const m = result.matmul;
  if (m) {
    for (const [field, title, caption] of [
      ['out_abs_error', 'A @ B.T: |error|', 'FP4 product vs the high-precision product of the same (transposed/rotated) inputs, pooled by maximum.'],
      ['out_signed_error', 'A @ B.T: signed error', 'FP4 product minus the high-precision product, pooled by the value of largest magnitude.'],
    ] as const) {
      const h = m.overview[field];
      if (h) plots.push({ id: `out-${field}`, title, caption, spec: heatmapPlot(h, title) });
    }
  }
  const rc = result.ruleComparison;
  if (rc) {
    plots.push({ id: 'a-rule-comparison', title: 'A: scale rules compared', caption: 'SQNR of A under every scale rule and format, other kwargs unchanged.', spec: ruleComparisonPlot(rc.a, result.a, 'A: scale rules compared'), wide: !rc.b });
    if (rc.b && result.b) plots.push({ id: 'b-rule-comparison', title: 'B: scale rules compared', caption: 'SQNR of B under every scale rule and format, other kwargs unchanged.', spec: ruleComparisonPlot(rc.b, result.b, 'B: scale rules compared') });
  }
  return plots;
}

// ---------------------------------------------------------------- sweeps

export type SweepMetric = 'mse' | 'sqnrDb' | 'percentChoosing4' | 'maxAbsError' | 'mseVsBaseline';

export const SWEEP_METRICS: readonly { metric: SweepMetric; label: string; log: boolean }[] = [
  { metric: 'mse', label: 'MSE', log: true },
  { metric: 'sqnrDb', label: 'SQNR (dB)', log: false },
  { metric: 'percentChoosing4', label: '% blocks choosing 4', log: false },
  { metric: 'maxAbsError', label: 'max |error|', log: true },
  { metric: 'mseVsBaseline', label: 'MSE / MSE of nvfp4 always_6', log: false },
];

/** The plain-NVFP4 baseline that "MSE relative" divides by, when the sweep has it. */
export const SWEEP_BASELINE: SweepVariant = { fp4_format: 'nvfp4', scale_rule: 'always_6' };

function baselineIndex(result: SweepResult): number {
  return result.plan.variants.findIndex((v) => v.fp4_format === SWEEP_BASELINE.fp4_format && v.scale_rule === SWEEP_BASELINE.scale_rule);
}

/** Which per-layer metrics a sweep can plot (the relative MSE needs the baseline variant). */
export function sweepMetricsAvailable(result: SweepResult): SweepMetric[] {
  return SWEEP_METRICS.map((m) => m.metric).filter((m) => m !== 'mseVsBaseline' || (baselineIndex(result) >= 0 && result.plan.variants.length > 1));
}

/**
 * One per-layer plot of a sweep, the shape of the Four Over Six paper's figures: the metric of
 * each variant (one line each) against the layers in file order. Failed tensors leave gaps.
 */
export function sweepLayerPlot(result: SweepResult, metric: SweepMetric): PlotSpec {
  const meta = SWEEP_METRICS.find((m) => m.metric === metric)!;
  const base = baselineIndex(result);
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
    layout: baseLayout(`${meta.label} per layer`, {
      xaxis: { title: { text: 'layer (file order)' }, type: 'category', tickangle: -45, automargin: true, nticks: 40, tickfont: { size: 9 } },
      // Shares are 0..100 by definition; a little room keeps lines at 0 and 100 visible.
      yaxis: { title: { text: meta.label }, type: meta.log ? 'log' : 'linear', exponentformat: 'power', ...(metric === 'percentChoosing4' ? { range: [-4, 104] } : {}) },
      legend: { title: { text: 'variant' } },
      margin: { l: 70, r: 24, t: 40, b: 40 },
    }),
  };
}

export function sweepPlots(result: SweepResult): NamedPlot[] {
  const captions: Record<SweepMetric, string> = {
    mse: 'Mean squared quantization error of each layer, per rule (log scale).',
    sqnrDb: 'Signal-to-quantization-noise ratio of each layer, per rule; higher is better.',
    percentChoosing4: 'Share of blocks whose scale targets 4 instead of 6.',
    maxAbsError: 'Largest absolute error in each layer (log scale).',
    mseVsBaseline: 'MSE of each rule divided by plain NVFP4 (always_6) on the same layer; below 1 means better than NVFP4.',
  };
  return sweepMetricsAvailable(result).map((metric) => ({
    id: `sweep-${metric}`,
    title: `${SWEEP_METRICS.find((m) => m.metric === metric)!.label} per layer`,
    caption: captions[metric],
    spec: sweepLayerPlot(result, metric),
    wide: true,
  }));
}

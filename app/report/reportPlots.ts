import { analysisSides, ruleComparisonsBySide } from '../analysis/analysisSides';
import type { FieldName } from '../analysis/fields';
import type { Histogram } from '../analysis/histograms';
import type { AnalysisResult, SideAnalysis } from '../analysis/model';
import type { HeatmapTarget } from '../analysis/workspace';
import { FIELD_STYLES } from '../plots/fieldStyles';
import { fieldHeatmapSpec } from '../plots/heatmapSpec';
import { HISTOGRAM_TITLES, sideHistogramSpecs, type SideHistogramKind } from '../plots/histogramSpecs';
import type { PlotSpec } from '../plots/plotSpec';
import { ruleComparisonSpec } from '../plots/ruleComparisonSpec';
import { sweepLayerSpec, sweepMetricLabel, sweepMetricsAvailable, type SweepMetric } from '../plots/sweepSpecs';
import { LIGHT_THEME, titledSpec } from '../plots/theme';
import { fieldGeometry, storedOverview } from '../plots/viewport';
import type { SweepResult } from '../sweep/model';

/**
 * The report's plots: the app's own specs (app/plots) in the light theme, whole fields without
 * zoom tiles, each with a title above it (the report has no view headers) and a caption.
 */
export interface NamedPlot {
  /** Stable: DOM ids and PNG file names. */
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: PlotSpec;
  /** Spans the full width of a two-column grid. */
  readonly wide?: boolean;
}

const THEME = LIGHT_THEME;
/** Digits of the heatmaps' numbers embedded in the page: what their hover shows. */
const HEATMAP_DIGITS = 4;

function heatmapPlot(result: AnalysisResult, target: HeatmapTarget, field: FieldName, label: string, caption: string): NamedPlot | null {
  const h = storedOverview(result, target, field);
  const geometry = fieldGeometry(result, target, field);
  if (!h || !geometry) return null;
  const title = `${label}: ${FIELD_STYLES[field].title}`;
  return { id: `${target}-${field}`, title, caption, spec: titledSpec(fieldHeatmapSpec({ field, overview: h, geometry, theme: THEME, significantDigits: HEATMAP_DIGITS }), title) };
}

/** "(3 below, 12 not finite)": the values a histogram's bins do not show. */
function outsideBins(h: Histogram): string {
  const notes = [h.underflow ? `${h.underflow} below` : '', h.overflow ? `${h.overflow} above` : '', h.skipped ? `${h.skipped} not finite (e.g. zero)` : ''].filter(Boolean);
  return notes.length ? ` <span style="font-size:11px;color:${THEME.muted}">(${notes.join(', ')})</span>` : '';
}

const HISTOGRAMS: readonly { kind: SideHistogramKind; id: string; histogram: keyof SideAnalysis['histograms']; caption: string }[] = [
  { kind: 'scaledMagnitude', id: 'scaled-magnitude', histogram: 'scaledMagnitude', caption: 'Where values land against the FP4 grid (dotted lines: 0.5, 1, 1.5, 2, 3, 4, 6), as shares of the side\u2019s values.' },
  { kind: 'scales', id: 'scale-log2', histogram: 'scaleLog2', caption: 'Distribution of the effective block scales (log\u2082 bins).' },
  { kind: 'blockError', id: 'block-mse-log10', histogram: 'blockMseLog10', caption: 'Distribution of per-block MSE (log\u2081\u2080 bins; blocks with zero error are counted apart).' },
];

function sidePlots(result: AnalysisResult, side: SideAnalysis): NamedPlot[] {
  const label = side.side.toUpperCase();
  const heat = (field: FieldName, caption: string) => heatmapPlot(result, side.side, field, label, caption);
  const plots = [
    heat('input', 'The matrix as quantized (after transpose and Hadamard rotation), pooled: each cell shows the value of largest magnitude.'),
    heat('abs_error', 'Absolute error of the dequantized values on a log colour scale, pooled by maximum.'),
    heat('signed_error', 'Dequantized minus input, pooled by the value of largest magnitude (sign kept).'),
    heat('scale', 'Each block\u2019s effective scale (E4M3 scale x normconst) on a log colour scale, pooled by maximum.'),
    heat('selection', 'Share of blocks whose scale targets 4 instead of 6 (the 4/6 choice), pooled by mean.'),
    heat('block_mse', 'Each block\u2019s mean squared error on a log colour scale, pooled by maximum.'),
  ].filter((p): p is NamedPlot => p !== null);
  const histograms = sideHistogramSpecs([side], THEME);
  for (const h of HISTOGRAMS) {
    const title = `${label}: ${HISTOGRAM_TITLES[h.kind]}`;
    plots.push({ id: `${side.side}-${h.id}`, title, caption: h.caption, spec: titledSpec(histograms[h.kind], title + outsideBins(side.histograms[h.histogram])) });
  }
  return plots;
}

/** Every plot of an analysis, in report order: per side maps and histograms, the output, the rule comparison. */
export function analysisPlots(result: AnalysisResult): NamedPlot[] {
  const plots = analysisSides(result).flatMap((side) => sidePlots(result, side));
  for (const [field, caption] of [
    ['out_abs_error', 'FP4 product vs the high-precision product of the same (transposed/rotated) inputs on a log colour scale, pooled by maximum.'],
    ['out_signed_error', 'FP4 product minus the high-precision product, pooled by the value of largest magnitude.'],
  ] as const) {
    const p = heatmapPlot(result, 'out', field, 'A @ B.T', caption);
    if (p) plots.push(p);
  }
  const comparisons = ruleComparisonsBySide(result);
  for (const { side, rows } of comparisons) {
    const label = side.side.toUpperCase();
    const title = `${label}: scale rules compared`;
    plots.push({
      id: `${side.side}-rule-comparison`,
      title,
      caption: `${label} under every scale rule and format, other kwargs unchanged: MSE as a multiple of plain NVFP4 (always_6), SQNR, and the share of blocks scaled to 4. The outlined bars are this analysis.`,
      spec: titledSpec(ruleComparisonSpec([{ side: side.side, rows, current: side.kwargs }], THEME), title),
      wide: comparisons.length === 1,
    });
  }
  return plots;
}

const SWEEP_CAPTIONS: Readonly<Record<SweepMetric, string>> = {
  mse: 'Mean squared quantization error of each layer, per rule (log scale).',
  sqnrDb: 'Signal-to-quantization-noise ratio of each layer, per rule; higher is better.',
  percentChoosing4: 'Share of blocks whose scale targets 4 instead of 6.',
  maxAbsError: 'Largest absolute error in each layer (log scale).',
  mseVsBaseline: 'MSE of each rule divided by plain NVFP4 (always_6) on the same layer; below 1 means better than NVFP4.',
};

/** A sweep's per-layer plots, one per metric it can show. */
export function sweepPlots(result: SweepResult): NamedPlot[] {
  return sweepMetricsAvailable(result).map((metric) => {
    const title = `${sweepMetricLabel(metric)} per layer`;
    return { id: `sweep-${metric}`, title, caption: SWEEP_CAPTIONS[metric], spec: titledSpec(sweepLayerSpec(result, metric, THEME), title), wide: true };
  });
}

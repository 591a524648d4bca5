import { analysisSides, isAnalysedVariant, ruleComparisonsBySide } from '../analysis/analysisSides';
import { METRIC_LABELS, type ErrorMetrics } from '../analysis/metrics';
import type { AnalysisResult, RuleComparisonRow, SideAnalysis, TensorProvenance } from '../analysis/model';
import type { HadamardSpec, QuantizeKwargs } from '../quantize/kwargs';
import { escapeHtml } from './htmlText';
import { exactNumber, formatDb, formatNumber, formatPercent, formatSeconds, formatShape } from '../plots/numberFormat';
import { analysisPlots, type NamedPlot } from './reportPlots';
import { pythonSnippet } from './pythonSnippet';
import { plotFigure, renderReportPage } from './reportPage';
import { analysisSummaryForEmbedding } from './jsonExport';

export interface ReportOptions {
  /** plotly.js's bundle as text; main/ reads node_modules/plotly.js-dist-min/plotly.min.js. */
  readonly plotlySource: string;
  /** e.g. "FP4 Lab 0.1.0", shown in the footer. */
  readonly generator?: string;
  readonly title?: string;
}

/** A number cell: formatted for eyes, exact in data-value, addressable by data-key (tests, scripts). */
export function numberCell(value: number, text: string, key?: string): string {
  return `<td class="num" data-value="${exactNumber(value)}"${key ? ` data-key="${escapeHtml(key)}"` : ''}>${escapeHtml(text)}</td>`;
}

const METRIC_ROWS: readonly { key: keyof ErrorMetrics; format: (v: number) => string }[] = [
  { key: 'sqnrDb', format: formatDb },
  { key: 'mse', format: (v) => formatNumber(v) },
  { key: 'rmse', format: (v) => formatNumber(v) },
  { key: 'maxAbsError', format: (v) => formatNumber(v) },
  { key: 'meanAbsError', format: (v) => formatNumber(v) },
  { key: 'relFrobenius', format: (v) => formatNumber(v) },
  { key: 'cosine', format: (v) => formatNumber(v, 8) },
  { key: 'count', format: (v) => String(v) },
];

export function hadText(had: HadamardSpec): string {
  if (had === null) return 'None';
  if (typeof had === 'number') return `${had}x${had} Sylvester / sqrt(${had})`;
  return `${had.length}x${had.length} matrix`;
}

function sideLabel(s: SideAnalysis): string {
  return `${s.side.toUpperCase()} = ${s.provenance.tensor}`;
}

function provenanceRows(sides: readonly SideAnalysis[]): string {
  const row = (s: SideAnalysis, p: TensorProvenance): string =>
    `<tr><th>${s.side.toUpperCase()}</th><td class="mono">${escapeHtml(p.file)}</td><td class="mono">${escapeHtml(p.tensor)}</td><td>${escapeHtml(formatShape(p.shape))}${
      p.flattenedTo ? ` <span class="note">as ${formatShape(p.flattenedTo)}</span>` : ''
    }</td><td>${escapeHtml(p.dtype)}</td><td class="hash" data-key="${s.side}.provenance.sha256">${p.sha256 ? escapeHtml(p.sha256) : '<span class="note">not computed</span>'}</td></tr>`;
  return `<table class="provenance"><thead><tr><th></th><th>file</th><th>tensor</th><th>shape</th><th>dtype</th><th>sha256 of the tensor's bytes</th></tr></thead><tbody>${sides
    .map((s) => row(s, s.provenance))
    .join('')}</tbody></table>`;
}

const KWARG_ROWS: readonly { key: keyof QuantizeKwargs; show: (k: QuantizeKwargs) => string }[] = [
  { key: 'fp4_format', show: (k) => k.fp4_format },
  { key: 'scale_rule', show: (k) => k.scale_rule },
  { key: 'block_scale_2d', show: (k) => String(k.block_scale_2d) },
  { key: 'had', show: (k) => hadText(k.had) },
  { key: 'round_style', show: (k) => k.round_style },
  { key: 'seed', show: (k) => (k.round_style === 'stochastic' ? String(k.seed) : `${k.seed} (unused: nearest rounding)`) },
  { key: 'transpose', show: (k) => String(k.transpose) },
];

function kwargsTable(result: AnalysisResult, sides: readonly SideAnalysis[]): string {
  const head = `<tr><th>kwarg</th>${sides.map((s) => `<th>${s.side.toUpperCase()}</th>`).join('')}</tr>`;
  const rows = KWARG_ROWS.map(
    (r) => `<tr><th><code>${r.key}</code></th>${sides.map((s) => `<td class="mono" data-key="${s.side}.kwargs.${r.key}">${escapeHtml(r.show(s.kwargs))}</td>`).join('')}</tr>`,
  ).join('');
  const o = result.options;
  const options = [
    ['backend', `${result.backend}${o.backend !== result.backend ? ` (asked: ${o.backend})` : ''}`],
    ['out_dtype', o.out_dtype],
    ['out_shape', o.out_shape ? `(${o.out_shape.join(', ')})` : 'logical product shape'],
    ['scale rules compared', o.compareRules ? 'yes' : 'no'],
    ['overview heatmaps', `${o.overviewSize} x ${o.overviewSize} cells at most`],
  ];
  return `<table class="kwargs"><thead>${head}</thead><tbody>${rows}</tbody></table><table class="options"><tbody>${options
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td class="mono" data-key="options.${escapeHtml(k)}">${escapeHtml(v)}</td></tr>`)
    .join('')}</tbody></table>`;
}

function metricsTable(result: AnalysisResult, sides: readonly SideAnalysis[]): string {
  const cols: { label: string; key: string; metrics: ErrorMetrics }[] = sides.map((s) => ({ label: `${s.side.toUpperCase()}: dequantized vs input`, key: `${s.side}.metrics`, metrics: s.metrics }));
  if (result.matmul) cols.push({ label: 'A @ B.T: FP4 vs high precision', key: 'matmul.metrics', metrics: result.matmul.metrics });
  const head = `<tr><th>metric</th>${cols.map((c) => `<th>${escapeHtml(c.label)}</th>`).join('')}</tr>`;
  const body = METRIC_ROWS.map((m) => `<tr><th>${escapeHtml(METRIC_LABELS[m.key])}</th>${cols.map((c) => numberCell(c.metrics[m.key], m.format(c.metrics[m.key]), `${c.key}.${m.key}`)).join('')}</tr>`).join('');
  return `<table class="metrics"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function blocksTable(sides: readonly SideAnalysis[]): string {
  const rows: { label: string; cell: (s: SideAnalysis) => string }[] = [
    { label: 'quantized shape (after transpose)', cell: (s) => `<td>${formatShape(s.shape)}</td>` },
    { label: 'padded shape', cell: (s) => `<td>${formatShape(s.paddedShape)}</td>` },
    { label: 'normconst', cell: (s) => numberCell(s.normconst, formatNumber(s.normconst, 8), `${s.side}.normconst`) },
    { label: 'block size', cell: (s) => `<td>${s.blocks.tileRows > 1 ? `${s.blocks.tileRows}x${s.blocks.blockSize} tiles` : `1x${s.blocks.blockSize}`}</td>` },
    { label: 'blocks', cell: (s) => numberCell(s.blocks.blocks, String(s.blocks.blocks), `${s.side}.blocks.blocks`) },
    { label: 'blocks choosing 4', cell: (s) => numberCell(s.blocks.choosing4, String(s.blocks.choosing4), `${s.side}.blocks.choosing4`) },
    { label: '% blocks choosing 4', cell: (s) => numberCell(s.blocks.percentChoosing4, formatPercent(s.blocks.percentChoosing4), `${s.side}.blocks.percentChoosing4`) },
    { label: 'time (quantize + analyse)', cell: (s) => `<td>${formatSeconds(s.seconds.quantize)} + ${formatSeconds(s.seconds.analyse)}</td>` },
  ];
  const head = `<tr><th></th>${sides.map((s) => `<th>${s.side.toUpperCase()}</th>`).join('')}</tr>`;
  return `<table class="blocks"><thead>${head}</thead><tbody>${rows.map((r) => `<tr><th>${escapeHtml(r.label)}</th>${sides.map(r.cell).join('')}</tr>`).join('')}</tbody></table>`;
}

function ruleTable(rows: readonly RuleComparisonRow[], s: SideAnalysis): string {
  const head = '<tr><th>fp4_format</th><th>scale_rule</th><th>SQNR (dB)</th><th>MSE</th><th>max |error|</th><th>% blocks choosing 4</th></tr>';
  const body = rows
    .map((r) => {
      const key = `${s.side}.rules.${r.fp4_format}.${r.scale_rule}`;
      const current = isAnalysedVariant(r, s.kwargs);
      return `<tr${current ? ' class="current" title="the kwargs of this analysis"' : ''}><td>${r.fp4_format}</td><td>${r.scale_rule}</td>${numberCell(r.metrics.sqnrDb, formatDb(r.metrics.sqnrDb), `${key}.sqnrDb`)}${numberCell(
        r.metrics.mse,
        formatNumber(r.metrics.mse),
        `${key}.mse`,
      )}${numberCell(r.metrics.maxAbsError, formatNumber(r.metrics.maxAbsError), `${key}.maxAbsError`)}${numberCell(r.percentChoosing4, formatPercent(r.percentChoosing4), `${key}.percentChoosing4`)}</tr>`;
    })
    .join('');
  return `<table class="rules sortable"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function card(label: string, value: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`;
}

function plotGrid(plots: readonly NamedPlot[]): string {
  return plots.length ? `<div class="plots">${plots.map(plotFigure).join('')}</div>` : '';
}

/**
 * The analysis as one self-contained HTML page: provenance, kwargs, metrics, block statistics,
 * the rule comparison, interactive plots (each can be saved as PNG from its toolbar) and the
 * Python that redoes it. Pure: the same string for the same result and plotly bundle.
 */
export function renderAnalysisReport(result: AnalysisResult, options: ReportOptions): string {
  const sides = analysisSides(result);
  const plots = analysisPlots(result);
  const bySide = (prefix: string): NamedPlot[] => plots.filter((p) => p.id.startsWith(prefix) && !p.id.endsWith('rule-comparison'));
  const title = options.title ?? `FP4 Lab report: ${sides.map((s) => s.provenance.tensor).join(' x ')}`;
  const cards = [
    ...sides.map((s) => card(`${s.side.toUpperCase()} SQNR`, formatDb(s.metrics.sqnrDb))),
    ...(result.matmul ? [card('A @ B.T SQNR', formatDb(result.matmul.metrics.sqnrDb))] : []),
    ...sides.map((s) => card(`${s.side.toUpperCase()} blocks choosing 4`, formatPercent(s.blocks.percentChoosing4))),
  ];
  const sections: string[] = [];
  sections.push(
    `<header class="report"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sides.map(sideLabel).join(', '))} · ${escapeHtml(result.options.fp4_format)} · backend ${escapeHtml(result.backend)}</p><p>Analysis <code>${escapeHtml(
      result.id,
    )}</code>, created ${escapeHtml(result.createdAt)}, took ${escapeHtml(formatSeconds(result.seconds))}</p></header>`,
    `<div class="cards">${cards.join('')}</div>`,
    '<h2>Inputs</h2>',
    provenanceRows(sides),
    '<h2>Settings</h2>',
    kwargsTable(result, sides),
    '<h2>Metrics</h2>',
    '<p class="note">Each side is measured against the matrix it quantized (after transpose and Hadamard rotation); the product against the high-precision product of the same inputs. Exact values are in each cell\u2019s data-value and in the JSON export.</p>',
    metricsTable(result, sides),
    '<h3>Blocks</h3>',
    blocksTable(sides),
  );
  if (result.ruleComparison) {
    sections.push('<h2>Scale rules compared</h2>', '<p class="note">The same input under every scale rule and format, all other kwargs unchanged. The highlighted row is this analysis.</p>');
    for (const { side, rows } of ruleComparisonsBySide(result)) sections.push(`<h3>${side.side.toUpperCase()}</h3>${ruleTable(rows, side)}`);
    sections.push(plotGrid(plots.filter((p) => p.id.endsWith('rule-comparison'))));
  }
  for (const s of sides) {
    sections.push(`<h2>${escapeHtml(sideLabel(s))}: maps and distributions</h2>`, '<p class="note">Heatmaps are pooled to at most ' + result.options.overviewSize + ' cells a side; hover a cell for its position. Every plot can be zoomed and saved as PNG from its toolbar.</p>', plotGrid(bySide(`${s.side}-`)));
  }
  if (result.matmul) {
    const m = result.matmul;
    sections.push(`<h2>A @ B.T (${formatShape(m.shape)}, ${escapeHtml(m.out_dtype)})</h2>`, plotGrid(bySide('out-')));
  }
  sections.push(
    '<h2>Reproduce with the reference library</h2>',
    '<p class="note">Python for <code>fouroversix</code> with every kwarg as set here; it prints the same metrics next to FP4 Lab\u2019s. <button class="copy" type="button" data-target="python-snippet">Copy</button></p>',
    `<pre class="code" id="python-snippet">${escapeHtml(pythonSnippet(result))}</pre>`,
    `<footer>${escapeHtml(options.generator ?? 'FP4 Lab')} · self-contained report: no network access, plots drawn with plotly.js (MIT) embedded in this file.</footer>`,
  );
  return renderReportPage({ title, bodyHtml: sections.join('\n'), plots, plotlySource: options.plotlySource, data: analysisSummaryForEmbedding(result) });
}

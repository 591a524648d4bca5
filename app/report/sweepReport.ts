import type { SweepResult } from '../sweep/model';
import { summarizeSweep, sweepRows, SWEEP_COLUMN_LABELS, variantLabel, type SweepColumn } from '../sweep/sweepTable';
import { hadText, numberCell, type ReportOptions } from './analysisReport';
import { escapeHtml } from './htmlText';
import { formatDb, formatNumber, formatPercent, formatSeconds, formatShape } from '../plots/numberFormat';
import { VARIANT_COLORS } from '../plots/theme';
import { sweepPlots } from './reportPlots';
import { plotFigure, renderReportPage } from './reportPage';

const NUMBER_COLUMNS: readonly { column: SweepColumn; format: (v: number) => string }[] = [
  { column: 'mse', format: (v) => formatNumber(v) },
  { column: 'sqnrDb', format: formatDb },
  { column: 'percentChoosing4', format: formatPercent },
  { column: 'maxAbsError', format: (v) => formatNumber(v) },
];

function settingsTable(result: SweepResult): string {
  const p = result.plan;
  const k = p.kwargs;
  const rows: [string, string][] = [
    ['checkpoint', `${p.checkpoint.file} (${p.checkpoint.format}, ${p.checkpoint.size.toLocaleString('en-US')} bytes)`],
    ['tensors', p.patterns.length ? `matching ${p.patterns.join(', ')}` : 'every 2-D floating-point tensor'],
    ['variants (fp4_format scale_rule)', p.variants.map(variantLabel).join(', ')],
    ['block_scale_2d', String(k.block_scale_2d)],
    ['had', hadText(k.had)],
    ['round_style', k.round_style + (k.round_style === 'stochastic' ? ` (seed ${k.seed})` : '')],
    ['transpose', String(k.transpose)],
    ['backend', result.backend],
  ];
  return `<table class="settings"><tbody>${rows.map(([a, b]) => `<tr><th>${escapeHtml(a)}</th><td class="mono">${escapeHtml(b)}</td></tr>`).join('')}</tbody></table>`;
}

function summaryTable(result: SweepResult): string {
  const head = '<tr><th>variant</th><th>tensors</th><th>mean MSE</th><th>mean SQNR (dB)</th><th>mean % blocks choosing 4</th><th>largest |error|</th><th>lowest MSE on</th></tr>';
  const body = summarizeSweep(result)
    .map(
      (s, k) =>
        `<tr><td><span style="color:${VARIANT_COLORS[k % VARIANT_COLORS.length]}">\u25A0</span> ${escapeHtml(variantLabel(s))}</td>${numberCell(s.tensors, String(s.tensors))}${numberCell(s.meanMse, formatNumber(s.meanMse), `summary.${s.fp4_format}.${s.scale_rule}.meanMse`)}${numberCell(
          s.meanSqnrDb,
          formatDb(s.meanSqnrDb),
        )}${numberCell(s.meanPercentChoosing4, formatPercent(s.meanPercentChoosing4))}${numberCell(s.maxAbsError, formatNumber(s.maxAbsError))}${numberCell(s.lowestMse, `${s.lowestMse} layers`)}</tr>`,
    )
    .join('');
  return `<table class="summary sortable"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function layerTable(result: SweepResult): string {
  const columns: SweepColumn[] = ['index', 'tensor', 'dtype', 'rows', 'cols', 'fp4_format', 'scale_rule', 'mse', 'sqnrDb', 'percentChoosing4', 'maxAbsError'];
  const head = `<tr>${columns.map((c) => `<th>${escapeHtml(SWEEP_COLUMN_LABELS[c])}</th>`).join('')}</tr>`;
  const body = sweepRows(result)
    .map((r) => {
      const key = `${r.index}.${r.fp4_format}.${r.scale_rule}`;
      const start = `<td class="num" data-value="${r.index}">${r.index}</td><td class="mono">${escapeHtml(r.tensor)}</td><td>${escapeHtml(r.dtype)}</td>${numberCell(r.rows, String(r.rows))}${numberCell(r.cols, String(r.cols))}`;
      if (r.error) return `<tr class="failed">${start}<td colspan="6">${escapeHtml(r.error)}</td></tr>`;
      const nums = NUMBER_COLUMNS.map((c) => numberCell(r[c.column] as number, c.format(r[c.column] as number), `layer.${key}.${c.column}`)).join('');
      return `<tr>${start}<td>${r.fp4_format}</td><td>${r.scale_rule}</td>${nums}</tr>`;
    })
    .join('');
  return `<div class="scroll"><table class="layers sortable"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/**
 * A checkpoint sweep as one self-contained HTML page: settings, a summary per variant, the
 * per-layer plots (one line per variant, layers in file order) and the sortable per-layer table.
 */
export function renderSweepReport(result: SweepResult, options: ReportOptions): string {
  const p = result.plan;
  const plots = sweepPlots(result);
  const title = options.title ?? `FP4 Lab sweep: ${p.checkpoint.file}`;
  const failed = result.tensors.filter((t) => t.error);
  const sections: string[] = [
    `<header class="report"><h1>${escapeHtml(title)}</h1><p>${result.tensors.length} of ${p.tensors.length} tensors${
      result.complete ? '' : ' <strong>(partial: the sweep was stopped; run it again to resume)</strong>'
    } · ${p.variants.length} variants · backend ${escapeHtml(result.backend)}</p><p>Created ${escapeHtml(result.createdAt)}, took ${escapeHtml(formatSeconds(result.seconds))}${
      result.resumed ? ` (${result.resumed} tensors from an earlier, interrupted run)` : ''
    }</p></header>`,
    '<h2>Settings</h2>',
    settingsTable(result),
    '<h2>Summary per variant</h2>',
    '<p class="note">Means over the swept tensors; each tensor counts once whatever its size. "Lowest MSE on" counts the layers where a variant had the smallest MSE of all.</p>',
    summaryTable(result),
    '<h2>Per layer</h2>',
    `<div class="plots">${plots.map(plotFigure).join('')}</div>`,
    '<h2>All layers</h2>',
    '<p class="note">Click a column to sort. Each row is one tensor quantized with one variant; the metrics compare the dequantized tensor with the input.</p>',
    layerTable(result),
  ];
  if (failed.length) {
    sections.push(`<h3>Tensors the engine refused (${failed.length})</h3><ul>${failed.map((t) => `<li><code>${escapeHtml(t.name)}</code>: ${escapeHtml(t.error!.message)}</li>`).join('')}</ul>`);
  }
  if (p.skipped.length) {
    sections.push(
      `<details><summary>${p.skipped.length} tensors not swept</summary><table><tbody>${p.skipped
        .map((s) => `<tr><td class="mono">${escapeHtml(s.name)}</td><td>${escapeHtml(s.reason)}</td></tr>`)
        .join('')}</tbody></table></details>`,
    );
  }
  const shapes = new Set(result.tensors.map((t) => formatShape(t.shape)));
  sections.push(`<footer>${escapeHtml(options.generator ?? 'FP4 Lab')} · ${shapes.size} distinct shapes · self-contained report: no network access, plots drawn with plotly.js (MIT) embedded in this file.</footer>`);
  return renderReportPage({ title, bodyHtml: sections.join('\n'), plots, plotlySource: options.plotlySource, data: result });
}

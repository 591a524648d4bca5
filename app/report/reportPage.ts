import { escapeHtml, inlineScriptSource, scriptJson } from './htmlText';
import type { NamedPlot } from './reportPlots';

/**
 * The page every report is: one self-contained HTML file (styles, plot data and plotly.js
 * inline), which works offline and from a file:// URL. Its Content-Security-Policy forbids
 * every network request, so a report cannot leak or fetch anything even if a library tries.
 * When all plots are drawn the page sets <html data-fp4lab-ready="true"> (or "error"): PDF and
 * PNG printers wait for it.
 */
export interface ReportPageOptions {
  readonly title: string;
  /** The body, already escaped HTML. Plots are placed with plotFigure(). */
  readonly bodyHtml: string;
  readonly plots: readonly NamedPlot[];
  /** plotly.js's bundle as text (main/ reads node_modules/plotly.js-dist-min/plotly.min.js). */
  readonly plotlySource: string;
  /** Machine-readable data embedded as <script type="application/json" id="fp4lab-data">. */
  readonly data?: unknown;
}

export const REPORT_READY_ATTRIBUTE = 'data-fp4lab-ready';

const CSP = [
  "default-src 'none'",
  // plotly.js probes for `new Function` inside a try; allowing eval keeps the console clean.
  "script-src 'unsafe-inline' 'unsafe-eval'",
  "style-src 'unsafe-inline'",
  'img-src data: blob:',
  'font-src data:',
  "connect-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

const STYLE = `
:root { --fg: #1d2330; --muted: #5b6372; --line: #dde1e8; --accent: #0072B2; --warn: #b3261e; --bg-soft: #f5f7fa; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 48px; }
header.report { border-bottom: 2px solid var(--fg); padding-bottom: 12px; margin-bottom: 20px; }
header.report h1 { margin: 0 0 4px; font-size: 22px; }
header.report p { margin: 2px 0; color: var(--muted); }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); break-after: avoid; }
h3 { font-size: 14px; margin: 18px 0 8px; break-after: avoid; }
p.note { color: var(--muted); margin: 6px 0 10px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.mono, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
td.hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; word-break: break-all; max-width: 34ch; }
tr.current td { background: #fff4e5; }
tr.failed td { color: var(--warn); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; background: var(--bg-soft); }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.plots { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px 22px; }
figure.plot { margin: 0; break-inside: avoid; }
figure.plot.wide { grid-column: 1 / -1; }
figure.plot .plot-area { width: 100%; height: 400px; }
figure.plot.wide .plot-area { height: 440px; }
figure.plot figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
pre.code { background: #0f1720; color: #e6edf3; padding: 12px 14px; border-radius: 6px; overflow-x: auto; font-size: 12px; line-height: 1.5; white-space: pre; }
button.copy { font: inherit; font-size: 12px; padding: 3px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 10px; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 10px; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--line); }
.scroll table { margin: 0; }
.scroll thead th { position: sticky; top: 0; }
details summary { cursor: pointer; color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 1000px) { .plots { grid-template-columns: minmax(0, 1fr); } }
@media print {
  main { max-width: none; padding: 0; }
  .plots { grid-template-columns: minmax(0, 1fr); }
  button.copy { display: none; }
  .scroll { max-height: none; overflow: visible; border: 0; }
  table, figure.plot, pre.code, .cards { break-inside: avoid; }
}
`;

/**
 * The page's own script: draw every plot from the embedded specs, keep them sized to the page
 * (also when printing), make tables sortable, and wire the copy buttons. Plain ES2017.
 */
const BOOT = `
(function () {
  'use strict';
  var root = document.documentElement;
  function finish(state) { root.setAttribute('${REPORT_READY_ATTRIBUTE}', state); }
  var plots = JSON.parse(document.getElementById('fp4lab-plots').textContent || '[]');
  var drawn = [];
  var config = { displaylogo: false, responsive: true, showLink: false, scrollZoom: false };
  var jobs = plots.map(function (p) {
    var el = document.getElementById('plot-' + p.id);
    if (!el) return Promise.resolve();
    var cfg = Object.assign({}, config, { toImageButtonOptions: { format: 'png', filename: p.id, scale: 2 } });
    return Plotly.newPlot(el, p.spec.data, p.spec.layout, cfg).then(function () { drawn.push(el); });
  });
  Promise.all(jobs).then(function () { finish('true'); }, function (e) { finish('error'); throw e; });
  function resizeAll() { drawn.forEach(function (el) { Plotly.Plots.resize(el); }); }
  window.addEventListener('beforeprint', resizeAll);
  window.fp4labPlots = { ids: plots.map(function (p) { return p.id; }), resize: resizeAll };

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var v = cell.getAttribute('data-value');
    if (v === null) return cell.textContent || '';
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    if (v === 'nan') return NaN;
    var n = Number(v);
    return v !== '' && !isNaN(n) ? n : v;
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return { r: r, i: i, v: cellValue(r, index) }; });
        var sign = dir === 'ascending' ? 1 : -1;
        rows.sort(function (a, b) {
          var an = typeof a.v === 'number' && isNaN(a.v), bn = typeof b.v === 'number' && isNaN(b.v);
          if (an !== bn) return an ? 1 : -1;
          if (typeof a.v === 'number' && typeof b.v === 'number') return sign * (a.v < b.v ? -1 : a.v > b.v ? 1 : 0) || a.i - b.i;
          return sign * String(a.v).localeCompare(String(b.v), undefined, { numeric: true }) || a.i - b.i;
        });
        rows.forEach(function (x) { body.appendChild(x.r); });
      });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (button) {
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-target'));
      if (!target) return;
      var text = target.textContent || '';
      var done = function () { button.textContent = 'Copied'; setTimeout(function () { button.textContent = 'Copy'; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
      } else {
        selectText(target);
      }
    });
  });
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
})();
`;

/** A figure placeholder for a plot; the boot script draws into it. */
export function plotFigure(plot: NamedPlot): string {
  return `<figure class="plot${plot.wide ? ' wide' : ''}" id="figure-${escapeHtml(plot.id)}"><div class="plot-area" id="plot-${escapeHtml(plot.id)}" role="img" aria-label="${escapeHtml(plot.title)}"></div><figcaption>${escapeHtml(plot.caption)}</figcaption></figure>`;
}

export function renderReportPage(options: ReportPageOptions): string {
  const plotData = options.plots.map((p) => ({ id: p.id, spec: p.spec }));
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="FP4 Lab">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main>${options.bodyHtml}</main>`,
    options.data === undefined ? '' : `<script type="application/json" id="fp4lab-data">${scriptJson(options.data)}</script>`,
    `<script type="application/json" id="fp4lab-plots">${scriptJson(plotData)}</script>`,
    `<script>${inlineScriptSource(options.plotlySource)}</script>`,
    `<script>${BOOT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../app/analysis/model';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { isFp4Error } from '../../app/errors';
import { renderAnalysisReport } from '../../app/report/analysisReport';
import { analysisToCsv, ANALYSIS_CSV_HEADER, sweepToCsv, SWEEP_CSV_HEADER } from '../../app/report/csvExport';
import { exportAnalysis } from '../../app/report/exportAnalysis';
import { exportSweep } from '../../app/report/exportSweep';
import { escapeHtml, inlineScriptSource } from '../../app/report/htmlText';
import { analysisToJson, parseAnalysisJson, parseSweepJson, sweepToJson } from '../../app/report/jsonExport';
import { parseWithNonFinite, stringifyWithNonFinite } from '../../app/report/nonFiniteJson';
import { formatNumber, formatSeconds } from '../../app/plots/numberFormat';
import { sweepLayerSpec } from '../../app/plots/sweepSpecs';
import { LIGHT_THEME } from '../../app/plots/theme';
import { analysisPlots, sweepPlots } from '../../app/report/reportPlots';
import { pythonSnippet } from '../../app/report/pythonSnippet';
import { quantizedTensorsExport } from '../../app/report/quantizedExport';
import { renderSweepReport } from '../../app/report/sweepReport';
import type { SweepResult } from '../../app/sweep/model';
import { planSweep } from '../../app/sweep/planSweep';
import { runSweep } from '../../app/sweep/runSweep';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { quantizedTensorNames, readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { concatChunks, openSafetensors } from '../../app/tensors/safetensors';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';
import { readPlotlySource } from '../../main/report/plotlyBundle';
import { csvNumber, parseCsv, smallAnalysis } from './reportFixtures';
import { SMALL_CHECKPOINT, testSeed, writeCheckpoint } from './sweepFixtures';

const seed = testSeed('report');
const dir = mkdtempSync(join(tmpdir(), 'fp4lab-report-'));
let ws: AnalysisWorkspace;
let exact: AnalysisWorkspace;
let sweep: SweepResult;
let plotly: string;

beforeAll(async () => {
  ws = await smallAnalysis({ seed, aKwargs: { scale_rule: 'l1_norm', block_scale_2d: true, had: 16, round_style: 'stochastic', seed: 77, transpose: false } });
  // All-zero A quantizes exactly: SQNR is +Infinity, the case JSON cannot hold.
  exact = await smallAnalysis({ seed, a: { rows: 40, cols: 96, data: new Float32Array(40 * 96), dtype: 'bfloat16' }, withB: false });
  const path = join(dir, 'model.safetensors');
  writeCheckpoint(path, SMALL_CHECKPOINT, seed);
  const opened = await openTensorFileAtPath(path);
  try {
    sweep = await runSweep(opened.file, planSweep(opened.file, { file: 'model.safetensors', format: 'safetensors', size: 1 }, { formats: ['nvfp4', 'mxfp4'], rules: ['always_6', 'mse'] }), { backend: referenceBackend });
  } finally {
    await opened.close();
  }
  plotly = await readPlotlySource();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every value the report exposes as data-key -> data-value. */
function dataValues(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/data-value="([^"]*)" data-key="([^"]*)"/g)) out.set(m[2], m[1]);
  return out;
}

function reportNumber(text: string): number {
  return csvNumber(text);
}

/** The HTML with <script> bodies removed: what the browser parses as markup. */
function markupOnly(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
}

describe('JSON with non-finite numbers', () => {
  it('spells Infinity/-Infinity/NaN out and reads them back, but leaves names alone', () => {
    const value = { sqnrDb: Infinity, low: -Infinity, nan: NaN, tensor: 'NaN', file: 'Infinity', list: [1, Infinity, -0.5], nested: [{ name: 'x', v: NaN }] };
    for (const text of [stringifyWithNonFinite(value), stringifyWithNonFinite(value, 2)]) {
      expect(text).toContain('"Infinity"');
      const back = parseWithNonFinite(text) as typeof value;
      expect(back).toEqual(value);
      expect(back.tensor).toBe('NaN');
      expect(back.file).toBe('Infinity');
    }
  });

  it('pretty-prints objects one member a line but keeps arrays of numbers on one line', () => {
    const text = stringifyWithNonFinite({ a: { data: [1, 2, 3] }, rows: [{ x: 1 }, { x: 2 }] }, 1);
    expect(text).toBe('{\n "a": {\n  "data": [1,2,3]\n },\n "rows": [\n  {\n   "x": 1\n  },\n  {\n   "x": 2\n  }\n ]\n}');
  });

  it('exports the whole result model and reads it back equal, Infinity included', () => {
    for (const w of [ws, exact]) {
      const text = analysisToJson(w.result, 'FP4 Lab test');
      const doc = JSON.parse(text);
      expect(doc.schema).toBe('fp4lab.analysis/1');
      expect(doc.generator).toBe('FP4 Lab test');
      expect(parseAnalysisJson(text)).toEqual(w.result);
    }
    const text = analysisToJson(exact.result);
    expect(exact.result.a.metrics.sqnrDb).toBe(Infinity);
    expect(JSON.parse(text).result.a.metrics.sqnrDb).toBe('Infinity');
    expect(parseAnalysisJson(text).a.metrics.sqnrDb).toBe(Infinity);
  });

  it('refuses other schemas and versions with a clear error', () => {
    const text = analysisToJson(ws.result);
    expect(() => parseAnalysisJson(text.replace('"fp4lab.analysis/1"', '"fp4lab.analysis/2"'), 'x.json')).toThrow(/x\.json uses schema 'fp4lab\.analysis\/2'; this version of FP4 Lab reads 'fp4lab\.analysis\/1'/);
    expect(() => parseAnalysisJson(sweepToJson(sweep), 's.json')).toThrow(/s\.json holds 'fp4lab\.sweep\/1', not 'fp4lab\.analysis\/1'/);
    expect(() => parseAnalysisJson('{oops', 'y.json')).toThrow(/y\.json is not JSON/);
    expect(parseSweepJson(sweepToJson(sweep))).toEqual(sweep);
  });
});

describe('CSV', () => {
  it('has a row per side, one for the product and one per compared rule, with the engine\u2019s numbers exactly', () => {
    const rows = parseCsv(analysisToCsv(ws.result));
    expect(rows[0]).toEqual(ANALYSIS_CSV_HEADER);
    const body = rows.slice(1).map((r) => Object.fromEntries(r.map((v, i) => [rows[0][i], v])));
    expect(body.map((r) => r.row)).toEqual(['side', 'side', 'matmul', ...Array(14).fill('rule_comparison')]);
    const r = ws.result;
    expect(csvNumber(body[0].mse)).toBe(r.a.metrics.mse);
    expect(csvNumber(body[0].sqnr_db)).toBe(r.a.metrics.sqnrDb);
    expect(csvNumber(body[0].percent_choosing_4)).toBe(r.a.blocks.percentChoosing4);
    expect(csvNumber(body[1].cosine)).toBe(r.b!.metrics.cosine);
    expect(csvNumber(body[2].max_abs_error)).toBe(r.matmul!.metrics.maxAbsError);
    const rc = body.filter((x) => x.row === 'rule_comparison' && x.target === 'b');
    expect(rc.map((x) => `${x.fp4_format} ${x.scale_rule}`)).toEqual(r.ruleComparison!.b!.map((x) => `${x.fp4_format} ${x.scale_rule}`));
    expect(rc.map((x) => csvNumber(x.mse))).toEqual(r.ruleComparison!.b!.map((x) => x.metrics.mse));
  });

  it('quotes names with commas and quotes, and writes non-finite values as pandas reads them', async () => {
    const w = await smallAnalysis({ seed, a: { rows: 8, cols: 32, data: new Float32Array(256), dtype: 'float32' }, aName: 'w,"odd" name', withB: false });
    const rows = parseCsv(analysisToCsv(w.result));
    expect(rows[1][3]).toBe('w,"odd" name');
    expect(rows[1][rows[0].indexOf('sqnr_db')]).toBe('inf');
  });

  it('sweep CSV: one row per tensor and variant, layers in file order', () => {
    const rows = parseCsv(sweepToCsv(sweep));
    expect(rows[0]).toEqual(SWEEP_CSV_HEADER);
    expect(rows).toHaveLength(1 + sweep.tensors.length * 3);
    expect(rows.slice(1).map((r) => r[1])).toEqual(sweep.tensors.flatMap((t) => [t.name, t.name, t.name]));
    const second = sweep.tensors[1].variants[2];
    expect([rows[6][6], rows[6][7], csvNumber(rows[6][9])]).toEqual([second.fp4_format, second.scale_rule, second.metrics.mse]);
  });
});

describe('Copy as Python', () => {
  it('writes every kwarg exactly as set, and the fp4_matmul call with the quantized operands', () => {
    const py = pythonSnippet(ws.result);
    const aCall = py.slice(py.indexOf('a_e2m1, a_sf, a_normconst = quantize_to_fp4('), py.indexOf('a_x = '));
    for (const line of [
      'backend=QuantizeBackend.pytorch,',
      'scale_rule=AdaptiveBlockScalingRule.l1_norm,',
      'block_scale_2d=True,',
      'had=sylvester_hadamard(16, a.dtype),',
      'fp4_format=FP4Format.nvfp4,',
      'round_style=RoundStyle.stochastic,',
      'transpose=False,',
    ]) {
      expect(aCall).toContain(`    ${line}\n`);
    }
    expect(py).toContain('seed 77');
    expect(py).toContain('block_scale_2d with an adaptive rule');
    const bCall = py.slice(py.indexOf('b_e2m1, b_sf, b_normconst = quantize_to_fp4('), py.indexOf('b_x = '));
    expect(bCall).toContain('scale_rule=AdaptiveBlockScalingRule.mse,');
    expect(bCall).toContain('had=None,');
    expect(bCall).toContain('round_style=RoundStyle.nearest,');
    expect(py).toContain('a = load_file("model.safetensors")["layers.0.mlp.input"]');
    expect(py).toMatch(/out = fp4_matmul\(\n {4}a_e2m1=a_e2m1,\n {4}a_sf=a_sf,\n {4}a_normconst=a_normconst,\n {4}b_e2m1=b_e2m1,\n {4}b_sf=b_sf,\n {4}b_normconst=b_normconst,\n/);
    expect(py).toContain('out_dtype=DataType.bfloat16,');
    expect(py).toContain('out_shape=(40, 24),');
    expect(py).toContain(`FP4 Lab: MSE ${formatNumber(ws.result.a.metrics.mse, 6)}`);
  });

  it('is valid Python, also for names that need escaping and files it cannot open', async () => {
    const w = await smallAnalysis({ seed, aName: 'x"\\\'\n.weight', aKwargs: { transpose: true, had: [[1, 1], [1, -1]] }, withB: false });
    const exotic = { ...w.result, a: { ...w.result.a, provenance: { ...w.result.a.provenance, file: 'weights.gguf' } } } as AnalysisResult;
    const sharded = { ...w.result, a: { ...w.result.a, provenance: { ...w.result.a.provenance, file: 'ckpt/model.safetensors.index.json' } } } as AnalysisResult;
    expect(pythonSnippet(sharded)).toContain('["weight_map"][');
    for (const [name, text] of [
      ['full', pythonSnippet(ws.result)],
      ['exotic', pythonSnippet(exotic)],
      ['sharded', pythonSnippet(sharded)],
    ]) {
      const path = join(dir, `${name}.py`);
      writeFileSync(path, text);
      const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', path], { encoding: 'utf8' });
      expect(r.error, 'python3 is needed to check the generated Python').toBeUndefined();
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
    const py = pythonSnippet(exotic);
    expect(py).toContain('a = load_tensor("weights.gguf", "x\\"\\\\\'\\n.weight")');
    expect(py).toContain('raise NotImplementedError');
    expect(py).toContain('had=torch.tensor([[1,1],[1,-1]], dtype=a.dtype),');
    expect(py).toContain('transpose=True,');
    expect(py).toContain('a_x = a.T\n');
  });
});

describe('HTML report (static checks; the browser checks are in test/e2e/report.test.ts)', () => {
  it('is self-contained: no external src/href, a CSP that forbids network access, plotly inline', () => {
    const html = renderAnalysisReport(ws.result, { plotlySource: plotly });
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(markup).not.toMatch(/<link\b/i);
    expect(markup).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'`);
    expect(html).toContain(plotly.slice(0, 2000));
    expect(html.length).toBeGreaterThan(plotly.length);
  });

  it('carries a figure for every plot spec, and the specs as JSON', () => {
    const html = renderAnalysisReport(ws.result, { plotlySource: plotly });
    const plots = analysisPlots(ws.result);
    expect(plots.length).toBe(6 + 3 + 6 + 3 + 2 + 2); // A, B: 6 maps + 3 histograms; output 2 maps; 2 rule charts
    const embedded = JSON.parse(/<script type="application\/json" id="fp4lab-plots">([\s\S]*?)<\/script>/.exec(html)![1]) as { id: string }[];
    expect(embedded.map((p) => p.id)).toEqual(plots.map((p) => p.id));
    for (const p of plots) expect(html).toContain(`id="plot-${p.id}"`);
  });

  it('shows the engine\u2019s numbers: every data-key cell equals the result model', () => {
    const r = ws.result;
    const values = dataValues(renderAnalysisReport(r, { plotlySource: plotly }));
    const expected: [string, number][] = [];
    for (const s of [r.a, r.b!]) {
      for (const [k, v] of Object.entries(s.metrics)) expected.push([`${s.side}.metrics.${k}`, v]);
      expected.push([`${s.side}.normconst`, s.normconst], [`${s.side}.blocks.percentChoosing4`, s.blocks.percentChoosing4], [`${s.side}.blocks.choosing4`, s.blocks.choosing4]);
    }
    for (const [k, v] of Object.entries(r.matmul!.metrics)) expected.push([`matmul.metrics.${k}`, v]);
    for (const row of r.ruleComparison!.a) expected.push([`a.rules.${row.fp4_format}.${row.scale_rule}.mse`, row.metrics.mse], [`a.rules.${row.fp4_format}.${row.scale_rule}.sqnrDb`, row.metrics.sqnrDb]);
    expect(expected.length).toBeGreaterThan(40);
    for (const [key, value] of expected) {
      expect(values.has(key), key).toBe(true);
      expect(reportNumber(values.get(key)!), key).toBe(value);
    }
    const exactValues = dataValues(renderAnalysisReport(exact.result, { plotlySource: plotly }));
    expect(exactValues.get('a.metrics.sqnrDb')).toBe('inf');
  });

  it('escapes names from files, so a tensor name cannot inject markup or end a script', async () => {
    const evil = '</script><img src=x onerror=alert(1)><!--';
    const w = await smallAnalysis({ seed, aName: evil, withB: false });
    const html = renderAnalysisReport(w.result, { plotlySource: plotly });
    expect(markupOnly(html)).not.toContain('<img');
    expect(markupOnly(html)).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--');
    // Inside the JSON data blocks the name is present but cannot close the element.
    const data = /<script type="application\/json" id="fp4lab-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(data).not.toContain('</');
    expect(JSON.parse(data).result.a.provenance.tensor).toBe(evil);
    expect(escapeHtml(`a&b"'<>`)).toBe('a&amp;b&quot;&#39;&lt;&gt;');
    expect(inlineScriptSource('var s = "</script>";')).toBe('var s = "<\\/script>";');
    expect(() => inlineScriptSource('x = "<!--"; y = "<script>"')).toThrow(/cannot be inlined/);
  });

  it('sweep report: settings, summary, a per-layer plot per metric and a sortable row per (tensor, variant)', () => {
    const html = renderSweepReport(sweep, { plotlySource: plotly });
    expect(markupOnly(html)).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    const plots = sweepPlots(sweep);
    expect(plots.map((p) => p.id)).toEqual(['sweep-mse', 'sweep-sqnrDb', 'sweep-percentChoosing4', 'sweep-maxAbsError', 'sweep-mseVsBaseline']);
    const table = /<table class="layers sortable">([\s\S]*?)<\/table>/.exec(html)![1];
    expect(table.match(/<tr>/g)!.length - 1).toBe(sweep.tensors.length * 3);
    const values = dataValues(html);
    const t = sweep.tensors[3];
    expect(reportNumber(values.get(`layer.${t.index}.mxfp4.always_6.mse`)!)).toBe(t.variants[2].metrics.mse);
    expect(reportNumber(values.get(`layer.${t.index}.nvfp4.mse.sqnrDb`)!)).toBe(t.variants[1].metrics.sqnrDb);
    expect(html).toContain('layers.1.conv.weight'); // listed among the tensors not swept
  });
});

describe('plot specs', () => {
  it('heatmaps: row 0 on top, one z row per pooled row, diverging fields centred on zero, 4/6 choices as shares', () => {
    const reportSpec = (result: AnalysisResult, id: string) => analysisPlots(result).find((p) => p.id === id)!.spec;
    const h = ws.result.a.overview.signed_error!;
    const spec = reportSpec(ws.result, 'a-signed_error');
    const trace = spec.data[0] as { z: (number | null)[][]; x: number[]; y: number[] };
    const colors = spec.layout.coloraxis as { cmin: number; cmax: number };
    expect(trace.z).toHaveLength(h.rows);
    expect(trace.z[0]).toHaveLength(h.cols);
    expect(colors.cmin).toBe(-colors.cmax);
    expect(colors.cmax).toBeGreaterThan(0);
    expect(trace.y[0]).toBe(0);
    expect((spec.layout.yaxis as { autorange: string }).autorange).toBe('reversed');
    const sel = reportSpec(ws.result, 'b-selection').data[0] as { z: (number | null)[][] };
    const shares = sel.z.flat().filter((v): v is number => v !== null);
    expect(shares.every((v) => v >= 0 && v <= 100)).toBe(true); // % of blocks scaled to 4, as the app draws it
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    expect(Math.abs(mean - ws.result.b!.blocks.percentChoosing4)).toBeLessThan(15); // pooled cells, same picture
    const mse = reportSpec(exact.result, 'a-block_mse').data[0] as { z: (number | null)[][] };
    expect(mse.z.flat().every((v) => v === null)).toBe(true); // log10(0): gaps, not -Infinity
  });

  it('sweep plots: a line per variant over the layers in file order; MSE vs always_6 is 1 for always_6', () => {
    const spec = sweepLayerSpec(sweep, 'mseVsBaseline', LIGHT_THEME);
    expect(spec.data.map((t) => t.name)).toEqual(['nvfp4 always_6', 'nvfp4 mse', 'mxfp4 always_6']);
    expect(spec.data[0].x).toEqual(sweep.tensors.map((t) => t.name));
    expect((spec.data[0].y as number[]).every((v) => v === 1)).toBe(true);
    expect(spec.data[1].y).toEqual(sweep.tensors.map((t) => Number((t.variants[1].metrics.mse / t.variants[0].metrics.mse).toPrecision(5))));
  });
});

describe('quantized tensors export', () => {
  it('writes both operands under their tensor names in the DESIGN.md layout, byte for byte', async () => {
    const file = await openSafetensors(memoryByteSource(concatChunks(quantizedTensorsExport(ws)), 'q.safetensors'));
    expect(quantizedTensorNames(file).sort()).toEqual(['layers.0.mlp.down_proj.weight', 'layers.0.mlp.input']);
    for (const [side, name] of [
      ['a', 'layers.0.mlp.input'],
      ['b', 'layers.0.mlp.down_proj.weight'],
    ] as const) {
      const q = ws.quantized(side);
      const back = await readQuantizedTensor(file, name);
      expect(back.quantized.e2m1).toEqual(q.e2m1);
      expect(back.quantized.sf).toEqual(q.sf);
      expect(back.quantized.normconst).toBe(q.normconst);
      expect(back.quantized.kwargs).toEqual(q.kwargs);
      expect(file.tensors.find((t) => t.name === `${name}.sf`)!.dtype).toBe('F8_E4M3');
      expect(file.tensors.find((t) => t.name === `${name}.e2m1`)!.shape).toEqual([q.paddedRows, q.paddedCols / 2]);
      expect(JSON.parse(file.metadata[`${name}.source`])).toMatchObject({ side, tensor: name, sha256: 'ab'.repeat(32) });
    }
  });

  it('falls back to a / b when both sides have the same tensor name', async () => {
    const w = await smallAnalysis({ seed, aName: 'w', bName: 'w' });
    const file = await openSafetensors(memoryByteSource(concatChunks(quantizedTensorsExport(w)), 'q.safetensors'));
    expect(quantizedTensorNames(file).sort()).toEqual(['a', 'b']);
  });
});

describe('exportAnalysis (what the service returns)', () => {
  it('gives bytes, a file name and a MIME type for every format app/ can make; PDF is the host\u2019s', () => {
    const expected = { html: 'text/html; charset=utf-8', json: 'application/json', csv: 'text/csv; charset=utf-8', safetensors: 'application/octet-stream', python: 'text/x-python; charset=utf-8' } as const;
    for (const [format, mime] of Object.entries(expected) as [keyof typeof expected, string][]) {
      const p = exportAnalysis(ws, format, { plotlySource: plotly });
      expect(p.mimeType).toBe(mime);
      expect(p.fileName).toMatch(new RegExp(`^layers\\.0\\.mlp\\.input_x_layers\\.0\\.mlp\\.down_proj\\.weight-(fp4lab|quantized)\\.${format === 'python' ? 'py' : format}$`));
      expect(p.data.length).toBeGreaterThan(100);
    }
    expect(new TextDecoder().decode(exportAnalysis(ws, 'json').data)).toBe(analysisToJson(ws.result));
    const pdf = (() => {
      try {
        exportAnalysis(ws, 'pdf');
      } catch (e) {
        return e;
      }
    })();
    expect(isFp4Error(pdf) && pdf.code).toBe('UNSUPPORTED');
    expect(() => exportAnalysis(ws, 'html')).toThrow(/plotly/);
  });
});

describe('exportSweep', () => {
  it('gives the sweep as html, json and csv with file names from the checkpoint; PDF is the host\u2019s', () => {
    expect(exportSweep(sweep, 'csv')).toMatchObject({ fileName: 'model.safetensors-sweep.csv', mimeType: 'text/csv; charset=utf-8' });
    expect(new TextDecoder().decode(exportSweep(sweep, 'csv').data)).toBe(sweepToCsv(sweep));
    expect(new TextDecoder().decode(exportSweep(sweep, 'json').data)).toBe(sweepToJson(sweep));
    expect(new TextDecoder().decode(exportSweep(sweep, 'html', { plotlySource: plotly }).data)).toContain('id="plot-sweep-mse"');
    expect(() => exportSweep(sweep, 'pdf')).toThrow(/printed by the host/);
  });
});

describe('number formatting', () => {
  it('formats for eyes without lying about magnitudes', () => {
    expect(formatNumber(Infinity)).toBe('\u221e');
    expect(formatNumber(1.23456e-5)).toBe('1.235e-5');
    expect(formatNumber(0.02234567)).toBe('0.02235');
    expect(formatNumber(262144)).toBe('262144');
    expect(formatSeconds(119.6)).toBe('2m00s');
    expect(formatSeconds(0.0421)).toBe('42 ms');
  });
});


import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { renderAnalysisReport } from '../../app/report/analysisReport';
import { analysisPlots, sweepPlots } from '../../app/report/reportPlots';
import { renderSweepReport } from '../../app/report/sweepReport';
import type { SweepResult } from '../../app/sweep/model';
import { planSweep } from '../../app/sweep/planSweep';
import { runSweep } from '../../app/sweep/runSweep';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';
import { exportAnalysisPayload, exportSweepPayload } from '../../main/report/exports';
import { printReportToPdf } from '../../main/report/pdf';
import { readPlotlySource } from '../../main/report/plotlyBundle';
import { renderReportPlotsToPng } from '../../main/report/png';
import { smallAnalysis } from '../unit/reportFixtures';
import { SMALL_CHECKPOINT, testSeed, writeCheckpoint } from '../unit/sweepFixtures';
import { hasPdftoppm, inkStatistics, launchChromium, openReport, pngSize, renderFirstPage } from './reportBrowser';

const seed = testSeed('report e2e');
const dir = mkdtempSync(join(tmpdir(), 'fp4lab-report-e2e-'));
let browser: Browser;
let ws: AnalysisWorkspace;
let sweep: SweepResult;
let analysisHtml: string;
let sweepHtml: string;

beforeAll(async () => {
  browser = await launchChromium();
  ws = await smallAnalysis({ seed, aName: 'layers.0 <input> & "x"', aKwargs: { had: 16, scale_rule: 'abs_max' } });
  const plotlySource = await readPlotlySource();
  analysisHtml = renderAnalysisReport(ws.result, { plotlySource, generator: 'FP4 Lab (test)' });
  writeFileSync(join(dir, 'analysis.html'), analysisHtml);
  const ckpt = join(dir, 'model.safetensors');
  writeCheckpoint(ckpt, SMALL_CHECKPOINT, seed);
  const opened = await openTensorFileAtPath(ckpt);
  try {
    sweep = await runSweep(opened.file, planSweep(opened.file, { file: 'model.safetensors', format: 'safetensors', size: 1 }, { rules: ['always_6', 'mse', 'l1_norm'] }), { backend: referenceBackend });
  } finally {
    await opened.close();
  }
  sweepHtml = renderSweepReport(sweep, { plotlySource });
  writeFileSync(join(dir, 'sweep.html'), sweepHtml);
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('analysis report in Chromium', () => {
  it('opens from a file:// URL offline, draws every plot, and logs no errors or warnings', async () => {
    const url = pathToFileURL(join(dir, 'analysis.html')).href;
    const { page, problems, requests } = await openReport(browser, url);
    try {
      expect(await page.getAttribute('html', 'data-fp4lab-ready')).toBe('true');
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      const ids = analysisPlots(ws.result).map((p) => p.id);
      const drawn = (await page.evaluate(`Array.from(document.querySelectorAll('.plot-area')).filter((el) => el.querySelector('svg.main-svg')).map((el) => el.id)`)) as string[];
      expect(drawn.sort()).toEqual(ids.map((id) => `plot-${id}`).sort());
      // Heatmaps are drawn as images with data inside the SVG, the bars as paths.
      expect(await page.locator('#plot-a-abs_error .heatmaplayer image').count()).toBe(1);
      expect(await page.locator('#plot-a-rule-comparison .bars path').count()).toBe(3 * 7); // the app's chart: 7 variants in each of its 3 panels
    } finally {
      await page.close();
    }
  });

  it('is parsed as expected by the browser: no external resources, the engine\u2019s numbers in the cells', async () => {
    const { page } = await openReport(browser, pathToFileURL(join(dir, 'analysis.html')).href);
    try {
      const external = (await page.evaluate(
        `Array.from(document.querySelectorAll('[src],[href],link,iframe,object,embed')).map((el) => el.getAttribute('src') || el.getAttribute('href') || el.tagName).filter((u) => !/^(data:|blob:|#)/.test(u))`,
      )) as string[];
      expect(external).toEqual([]);
      const cells = (await page.evaluate(`Object.fromEntries(Array.from(document.querySelectorAll('[data-key][data-value]')).map((el) => [el.dataset.key, el.dataset.value]))`)) as Record<string, string>;
      const r = ws.result;
      for (const [k, v] of Object.entries(r.a.metrics)) expect(Number(cells[`a.metrics.${k}`]), k).toBe(v);
      for (const [k, v] of Object.entries(r.matmul!.metrics)) expect(Number(cells[`matmul.metrics.${k}`]), k).toBe(v);
      expect(await page.textContent('[data-key="a.provenance.sha256"]')).toBe(r.a.provenance.sha256);
      expect(await page.textContent('[data-key="a.kwargs.had"]')).toBe('16x16 Sylvester / sqrt(16)');
      expect(await page.textContent('[data-key="a.kwargs.scale_rule"]')).toBe('abs_max');
      expect(await page.title()).toContain('layers.0 <input> & "x"');
      // Sorting a table by a column orders its rows by the exact values.
      await page.click('table.rules >> nth=0 >> th:has-text("MSE")');
      const mses = (await page.evaluate(`Array.from(document.querySelectorAll('table.rules')[0].tBodies[0].rows).map((r) => Number(r.cells[3].dataset.value))`)) as number[];
      expect(mses).toEqual([...mses].sort((a, b) => a - b));
      expect(mses.length).toBe(7);
    } finally {
      await page.close();
    }
  });

  it('prints to a non-blank A4 PDF through Chromium', async () => {
    const pdf = await printReportToPdf(analysisHtml);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(50_000);
    const path = join(dir, 'analysis.pdf');
    writeFileSync(path, pdf);
    if (!hasPdftoppm()) {
      process.stdout.write('[report e2e] pdftoppm is not installed (poppler-utils): page 1 was not rendered and inspected\n');
      return;
    }
    const page1 = renderFirstPage(path);
    expect(page1.width / page1.height).toBeCloseTo(210 / 297, 2);
    const { ink, colours } = inkStatistics(page1.rgb);
    expect(ink).toBeGreaterThan(0.03); // text, tables and rules: a blank page has none
    expect(colours).toBeGreaterThan(3);
  });

  it('renders each plot to PNG with plotly\u2019s own toImage', async () => {
    const images = await renderReportPlotsToPng(analysisHtml, { width: 500, height: 300 });
    expect(images.map((i) => i.id)).toEqual(analysisPlots(ws.result).map((p) => p.id));
    for (const img of images) expect(pngSize(img.png)).toEqual({ width: 1000, height: 600 }); // scale 2
  });
});

describe('exportAnalysisPayload / exportSweepPayload (what the service returns)', () => {
  it('prints PDF with the host\u2019s printer when given one (Electron), else with Chromium', async () => {
    let printed = '';
    const viaHost = await exportAnalysisPayload(ws, 'pdf', {
      printPdf: async (html) => {
        printed = html;
        return new TextEncoder().encode('%PDF-from-host');
      },
    });
    expect(new TextDecoder().decode(viaHost.data)).toBe('%PDF-from-host');
    expect(printed).toContain('<meta http-equiv="Content-Security-Policy"');
    expect(printed).toContain(await readPlotlySource());
    expect(viaHost).toMatchObject({ mimeType: 'application/pdf', fileName: expect.stringMatching(/-fp4lab\.pdf$/) });
    const viaChromium = await exportAnalysisPayload(ws, 'pdf');
    expect(Buffer.from(viaChromium.data.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const html = await exportAnalysisPayload(ws, 'html');
    expect(new TextDecoder().decode(html.data)).toContain('id="fp4lab-plots"');
    const sweepPdf = await exportSweepPayload(sweep, 'pdf', { printPdf: async (h) => new TextEncoder().encode(h.includes('id="plot-sweep-mse"') ? '%PDF-sweep' : 'wrong') });
    expect(sweepPdf).toMatchObject({ fileName: 'model.safetensors-sweep.pdf', mimeType: 'application/pdf' });
    expect(new TextDecoder().decode(sweepPdf.data)).toBe('%PDF-sweep');
  });
});

describe('sweep report in Chromium', () => {
  it('opens offline without errors, draws the per-layer plots and sorts its table', async () => {
    const url = pathToFileURL(join(dir, 'sweep.html')).href;
    const { page, problems, requests } = await openReport(browser, url);
    try {
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      for (const p of sweepPlots(sweep)) expect(await page.locator(`#plot-${p.id} svg.main-svg`).count(), p.id).toBeGreaterThan(0);
      // One line per variant in the per-layer MSE plot.
      expect(await page.locator('#plot-sweep-mse .scatterlayer .trace').count()).toBe(3);
      await page.click('table.layers th:has-text("SQNR")');
      await page.click('table.layers th:has-text("SQNR")'); // second click: descending
      const sqnr = (await page.evaluate(`Array.from(document.querySelector('table.layers').tBodies[0].rows).map((r) => Number(r.cells[8].dataset.value))`)) as number[];
      expect(sqnr).toHaveLength(sweep.tensors.length * 3);
      expect(sqnr).toEqual([...sqnr].sort((a, b) => b - a));
    } finally {
      await page.close();
    }
  });

  it('prints to PDF', async () => {
    const pdf = await printReportToPdf(sweepHtml);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const path = join(dir, 'sweep.pdf');
    writeFileSync(path, pdf);
    if (hasPdftoppm()) expect(inkStatistics(renderFirstPage(path).rgb).ink).toBeGreaterThan(0.03);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorMetrics } from '../../app/analysis/metrics';
import { runAnalysis, type AnalysisInput } from '../../app/analysis/runAnalysis';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { getBackend, initBackends } from '../../main/compute/backends';
import { sampleActivation, sampleWeight } from '../../app/samples/sampleData';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { openSafetensors, concatChunks, serializeSafetensors } from '../../app/tensors/safetensors';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { nodeInflater } from '../../main/io/nodeInflater';
import { findTensor } from '../../app/tensors/tensorFile';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import { REPO_ROOT, corpusDir } from '../helpers/paths';
import { launchChromium, watchPageErrors } from './support/browser';
import { buildRenderer } from './support/buildRenderer';
import { serveStatic } from './support/staticServer';
import { startWebMode, type WebMode } from './support/webMode';

/**
 * The renderer end to end in Debian's Chromium: the web mode as a user runs it (`fp4lab serve`,
 * the URL with its token, the server's CSP), then the same build as a static demo, where the
 * in-page engine answers the Api. Screenshots go to test-results/e2e/ for a person to look at.
 */

const SHOTS = join(REPO_ROOT, 'test-results', 'e2e');
const METRIC_KEYS: readonly (keyof ErrorMetrics)[] = ['mse', 'sqnrDb', 'maxAbsError', 'relFrobenius', 'cosine'];

let server: WebMode;
let rendererDir: string;
let browser: Browser;
let page: Page;
let errors: string[];
let scratch: string;
const sampleWorkspaces: Partial<Record<'server' | 'page', Promise<AnalysisWorkspace>>> = {};

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, name) });
}

/** Waits for an analysis other than `previous` to be on screen and finished; returns its id. */
async function waitForAnalysis(previous: string | null, timeout = 60_000): Promise<string> {
  const handle = await page.waitForFunction(
    (prev) => {
      const id = document.querySelector('[data-testid=metrics]')?.getAttribute('data-analysis-id');
      const outcome = document.querySelector('[data-testid=job-outcome]')?.getAttribute('data-outcome');
      return id && id !== prev && outcome === 'done' ? id : null;
    },
    previous,
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}

async function analysisId(): Promise<string | null> {
  return page.getByTestId('metrics').getAttribute('data-analysis-id');
}

/** The metrics row as the UI holds them (data-value carries the unrounded number). */
async function shownMetrics(row: 'a' | 'b' | 'out'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const k of METRIC_KEYS) out[k] = Number(await page.getByTestId(`metric-${row}-${k}`).getAttribute('data-value'));
  return out;
}

function expectSameMetrics(shown: Record<string, number>, engine: ErrorMetrics, what: string): void {
  for (const k of METRIC_KEYS) expect(shown[k], `${what} ${k}`).toBe(engine[k]);
}

/**
 * The engine's analysis of the same inputs on the backend the page used: the server's `auto`
 * (cpu when the addon is built), or the reference engine ('page': the static demo's in-page
 * engine, or backend 'reference' picked in the UI). The same backend gives the same numbers,
 * not merely close ones.
 */
async function engineAnalysis(
  a: AnalysisInput['matrix'],
  b: AnalysisInput['matrix'] | null,
  kwargs: { a: Partial<QuantizeKwargs>; b: Partial<QuantizeKwargs> },
  where: 'server' | 'page' = 'server',
): Promise<AnalysisWorkspace> {
  const side = (matrix: AnalysisInput['matrix'], k: Partial<QuantizeKwargs>, name: string): AnalysisInput => ({
    matrix,
    request: { provenance: { file: 'test', tensor: name, shape: [matrix.rows, matrix.cols], dtype: matrix.dtype }, kwargs: k },
  });
  await initBackends();
  const backend = where === 'page' ? referenceBackend : getBackend('auto');
  return runAnalysis({ a: side(a, kwargs.a, 'a'), b: b ? side(b, kwargs.b, 'b') : undefined, options: { compareRules: false } }, { backend });
}

/** The engine's own analysis of the built-in sample (what the app opens with), computed once. */
function sampleAnalysis(where: 'server' | 'page' = 'server'): Promise<AnalysisWorkspace> {
  sampleWorkspaces[where] ??= engineAnalysis(sampleWeight(), sampleActivation(), { a: {}, b: {} }, where);
  return sampleWorkspaces[where]!;
}

/** A plotly figure has been drawn inside the element (its main SVG exists). */
async function expectPlotted(el: Locator): Promise<void> {
  await expect.poll(() => el.locator('svg.main-svg').count(), { timeout: 20_000 }).toBeGreaterThan(0);
}

async function dragBox(target: Locator, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await target.locator('.nsewdrag').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 6 });
  await page.mouse.up();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  scratch = mkdtempSync(join(tmpdir(), 'fp4lab-e2e-'));
  rendererDir = buildRenderer();
  server = await startWebMode();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  errors = watchPageErrors(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('renderer in web mode (fp4lab serve)', () => {
  it('opens with the sample already analysed: metrics and the three heatmaps, no console errors', async () => {
    await page.goto(server.url);
    await waitForAnalysis(null);
    for (const id of ['heatmap-scales', 'heatmap-selection', 'heatmap-error']) await expectPlotted(page.getByTestId(id));
    await expect.poll(() => page.getByTestId('metrics-row-out').count()).toBe(1);
    // The sample is the app's own data: the metrics it shows are the engine's for the same inputs.
    const ws = await sampleAnalysis();
    expectSameMetrics(await shownMetrics('a'), ws.result.a.metrics, 'sample A');
    expectSameMetrics(await shownMetrics('b'), ws.result.b!.metrics, 'sample B');
    expectSameMetrics(await shownMetrics('out'), ws.result.matmul!.metrics, 'sample A @ B.T');
    // The native backend is built here: no fallback notice.
    expect(await page.getByTestId('backend-notice').count()).toBe(0);
    await page.waitForTimeout(300); // let the detail tiles land before the picture
    await shot('01-sample-analysed.png');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('labels every control for assistive technology', async () => {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea, [role=separator], [role=tab]'))
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const name = el.getAttribute('aria-label') || (labels && labels.length > 0 ? labels[0].textContent : '') || el.textContent || el.getAttribute('title');
          return !name?.trim();
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unlabelled).toEqual([]);
  });

  it('zooms into a region with finer tiles and explains a hovered block', async () => {
    const scales = page.getByTestId('heatmap-scales');
    const overviewCellRows = Number(await scales.getAttribute('data-cell-rows'));
    // Drag a box over a small region: every map of side A follows, and tiles become single rows.
    await dragBox(scales, [0.3, 0.3], [0.38, 0.36]);
    await expect.poll(() => scales.getAttribute('data-detail'), { timeout: 20_000 }).not.toBe('');
    await expect.poll(async () => Number(await scales.getAttribute('data-cell-rows')), { timeout: 20_000 }).toBe(1);
    expect(overviewCellRows).toBeGreaterThan(1);
    // The error map (element columns) covers the same rows and the same blocks' columns.
    const [r0, r1, b0, b1] = (await scales.getAttribute('data-detail'))!.split(',').map(Number);
    const errorWindow = async () => ((await page.getByTestId('heatmap-error').getAttribute('data-detail')) ?? '').split(',').map(Number);
    await expect.poll(async () => (await errorWindow()).slice(0, 2), { timeout: 20_000 }).toEqual([r0, r1]);
    const [, , c0, c1] = await errorWindow();
    expect(Math.floor(c0 / 16)).toBe(b0);
    expect(Math.ceil(c1 / 16)).toBe(b1);
    // Hover the middle of the zoomed scale map: the block card shows that block's two candidates.
    const box = (await scales.locator('.nsewdrag').first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const card = page.getByTestId('block-card');
    await expect.poll(() => card.getAttribute('data-block'), { timeout: 20_000 }).toMatch(/^a:\d+:\d+$/);
    await expect.poll(() => card.getByTestId('candidate-6').count()).toBe(1);
    const [, row, blockCol] = (await card.getAttribute('data-block'))!.split(':').map(Number);
    const ws = await sampleAnalysis();
    const detail = ws.blockDetail('a', row, blockCol);
    expect(await card.getByTestId('block-chosen').textContent()).toBe(String(detail.chosen));
    for (const c of detail.candidates) {
      const text = await card.getByTestId(`candidate-${c.target}`).textContent();
      expect(text).toContain(`0x${c.scaleByte.toString(16).padStart(2, '0')}`);
      expect(text!.includes('(chosen)')).toBe(c.target === detail.chosen);
    }
    await shot('02-zoomed-block-card.png');
    // Double-click resets the zoom (plotly's autorange) for every map of the side.
    await scales.locator('.nsewdrag').first().dblclick();
    await expect.poll(() => scales.getAttribute('data-detail'), { timeout: 20_000 }).toBe('0,512,0,64');
  });

  it('uploads a corpus file, picks tensors, changes scale_rule, runs: metrics equal the engine', async () => {
    const file = join(corpusDir(), 'torch_mixed.safetensors');
    await page.getByTestId('file-input').setInputFiles(file);
    const list = page.getByTestId('tensor-list');
    await expect.poll(() => list.locator('[data-tensor]').count(), { timeout: 20_000 }).toBe(7);
    // N-D tensors are offered flattened; integer tensors cannot be put in a slot.
    await expect.poll(() => list.locator('[data-tensor="conv.weight"]').textContent()).toContain('4×3×5 → 12×5');
    expect(await page.getByRole('button', { name: 'Use int.ids as A' }).isDisabled()).toBe(true);
    const before = await analysisId();
    await page.getByRole('button', { name: 'Use model.layers.0.self_attn.q_proj.weight as A' }).click();
    await page.getByRole('button', { name: 'Use lm_head.weight as B' }).click();
    await page.getByLabel('backend', { exact: true }).selectOption('reference');
    await page.getByLabel('A scale_rule').selectOption('abs_max');
    await page.getByLabel('B scale_rule').selectOption('l1_norm');
    await page.getByTestId('run').click();
    const id = await waitForAnalysis(before);
    for (const t of ['heatmap-scales', 'heatmap-selection', 'heatmap-error']) {
      await expect.poll(() => page.getByTestId(t).getAttribute('data-analysis-id')).toBe(id);
      await expectPlotted(page.getByTestId(t));
    }
    expect(await page.getByTestId('slot-a').textContent()).toContain('q_proj');
    expect(await page.getByTestId('slot-b').textContent()).toContain('lm_head');

    const f = await openSafetensors(memoryByteSource(new Uint8Array(readFileSync(file)), 'torch_mixed.safetensors'));
    const a = await readTensorAsMatrix(findTensor(f, 'model.layers.0.self_attn.q_proj.weight'), f.name);
    const b = await readTensorAsMatrix(findTensor(f, 'lm_head.weight'), f.name);
    const ws = await engineAnalysis(a, b, { a: { scale_rule: 'abs_max' }, b: { scale_rule: 'l1_norm' } }, 'page'); // backend 'reference' was chosen above
    expectSameMetrics(await shownMetrics('a'), ws.result.a.metrics, 'A');
    expectSameMetrics(await shownMetrics('b'), ws.result.b!.metrics, 'B');
    expectSameMetrics(await shownMetrics('out'), ws.result.matmul!.metrics, 'A @ B.T');
    await shot('03-corpus-file-analysed.png');
  });

  it('opens files dropped anywhere on the window, and says why a broken one cannot be opened', async () => {
    const drop = async (name: string) => {
      const bytes = [...readFileSync(join(corpusDir(), name))];
      const dataTransfer = await page.evaluateHandle(
        ([fileName, data]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(data)], fileName));
          return dt;
        },
        [name, bytes] as const,
      );
      const zone = page.getByTestId('drop-zone');
      await zone.dispatchEvent('dragenter', { dataTransfer });
      await zone.dispatchEvent('drop', { dataTransfer });
    };
    await drop('pair_compressed.npz');
    await expect.poll(() => page.getByRole('list', { name: 'Open files' }).textContent(), { timeout: 20_000 }).toContain('pair_compressed.npz');
    await expect.poll(() => page.getByTestId('tensor-list').locator('[data-tensor]').count()).toBe(2);
    await drop('bad_json.safetensors');
    await expect.poll(() => page.getByTestId('open-error').textContent(), { timeout: 20_000 }).toContain('bad_json.safetensors');
    await shot('04-drop-and-open-error.png');
    await page.getByRole('button', { name: 'Dismiss error' }).click();
  });

  it('flags a wrong kwarg next to the control that caused it', async () => {
    await page.getByLabel('fp4_format', { exact: true }).selectOption('mxfp4');
    const err = page.getByTestId('error-a-scale_rule');
    await expect.poll(() => err.textContent()).toContain('mxfp4');
    expect(await page.getByLabel('A scale_rule').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('run').isDisabled()).toBe(true);
    await shot('05-kwarg-error.png');
    await page.getByLabel('A scale_rule').selectOption('always_6');
    await page.getByLabel('B scale_rule').selectOption('always_4');
    await expect.poll(() => err.count()).toBe(0);
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
    await page.getByLabel('fp4_format', { exact: true }).selectOption('nvfp4');
  });

  it('cancels a long run and keeps the previous result', async () => {
    // A 2048x2048 fp32 tensor: the in-page engine needs seconds for it and its rule comparison.
    const rows = 2048;
    const data = new Float32Array(rows * rows);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
    const path = join(scratch, 'large.safetensors');
    writeFileSync(path, concatChunks(serializeSafetensors([{ name: 'big.weight', dtype: 'F32', shape: [rows, rows], data: new Uint8Array(data.buffer) }])));
    await page.getByTestId('file-input').setInputFiles(path);
    await page.getByRole('button', { name: 'Use big.weight as A' }).click();
    await page.getByRole('button', { name: 'Clear slot B' }).click();
    const before = await analysisId();
    await page.getByTestId('run').click();
    await page.getByTestId('progress').waitFor({ timeout: 20_000 });
    await shot('06-long-run-progress.png');
    await page.getByTestId('cancel').click();
    await expect.poll(() => page.getByTestId('job-outcome').getAttribute('data-outcome'), { timeout: 30_000 }).toBe('cancelled');
    expect(await analysisId()).toBe(before);
    expect(await page.getByTestId('progress').count()).toBe(0);
  });

  it('exports JSON and the HTML report as downloads, and copies the Python snippet', async () => {
    const download = async (item: string): Promise<string> => {
      await page.getByTestId('export').click();
      const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: item }).click()]);
      return readFileSync((await d.path())!, 'utf8');
    };
    const json = JSON.parse(await download('Result (JSON)'));
    expect(json.schema).toBe('fp4lab.analysis/1');
    expect(json.result.id).toBe(await analysisId());
    expect(json.result.a.metrics.mse).toBe((await shownMetrics('a')).mse);
    const html = await download('Report (HTML)');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('self_attn.q_proj.weight');
    // The snippet is shown whether or not the clipboard let us in (headless Chromium may not).
    await page.getByTestId('export').click();
    await page.getByRole('menuitem', { name: 'Copy as Python' }).click();
    const snippet = page.getByRole('dialog', { name: 'Python snippet' });
    await expect.poll(() => snippet.getByRole('textbox').inputValue(), { timeout: 20_000 }).toContain('quantize_to_fp4');
    await shot('07-python-snippet.png');
    await snippet.getByRole('button', { name: 'Close' }).click();
  });

  it('shows histograms, the rule comparison and the output error map', async () => {
    await page.getByRole('tab', { name: 'Histograms' }).click();
    await expect.poll(() => page.getByTestId('histograms').locator('svg.main-svg').count(), { timeout: 20_000 }).toBeGreaterThan(2);
    await shot('08-histograms.png');
    await page.getByRole('tab', { name: 'Scale rules' }).click();
    const rc = page.getByTestId('rule-comparison');
    await expectPlotted(rc);
    // 5 NVFP4 rules and MXFP4's two, for A and for B.
    expect(await rc.locator('tr[data-variant]').count()).toBe(14);
    await shot('09-rule-comparison.png');
    await page.getByRole('tab', { name: 'Output' }).click();
    await expectPlotted(page.getByTestId('heatmap-output'));
    await shot('10-output-error.png');
  });

  it('runs the same job on two backends and finds the quantized bytes identical', async () => {
    await page.getByRole('tab', { name: 'Backend diff' }).click();
    const diff = page.getByTestId('backend-diff');
    // Slot A holds the 2048x2048 tensor of the cancel test; a small pair keeps this quick.
    await page.getByRole('button', { name: 'Use big.weight as A' }).waitFor();
    await page.getByRole('list', { name: 'Open files' }).getByText('torch_mixed.safetensors').click();
    await page.getByRole('button', { name: 'Use model.layers.0.self_attn.q_proj.weight as A' }).click();
    await page.getByRole('button', { name: 'Use lm_head.weight as B' }).click();
    await diff.getByTestId('run-diff').click();
    await expect.poll(() => diff.getByTestId('diff-verdict').textContent(), { timeout: 60_000 }).toMatch(/^Quantized bytes identical on (cpu|cuda|reference) and (cpu|cuda|reference)/);
    await expectPlotted(diff);
    expect(await diff.locator('td.bad').count()).toBe(0);
    await shot('11-backend-diff.png');
  });

  it('answers the keyboard: shortcuts for export, run and help; panes resize with the arrow keys', async () => {
    await page.getByRole('tab', { name: 'Heatmaps' }).click();
    await page.locator('body').click({ position: { x: 5, y: 990 } });
    await page.keyboard.press('Control+e');
    await expect.poll(() => page.getByRole('menu', { name: 'Export' }).count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('menu', { name: 'Export' }).count()).toBe(0);
    const before = await analysisId();
    await page.keyboard.press('Control+Enter');
    await waitForAnalysis(before);
    await page.keyboard.press('?');
    await expect.poll(() => page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(1);
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByRole('button', { name: 'Close' }).click();
    const splitter = page.getByRole('separator', { name: 'Resize the files pane' });
    const width = Number(await splitter.getAttribute('aria-valuenow'));
    await splitter.focus();
    await page.keyboard.press('ArrowRight');
    expect(Number(await splitter.getAttribute('aria-valuenow'))).toBe(width + 16);
    await page.keyboard.press('ArrowLeft');
  });

  it('switches to the dark theme', async () => {
    await page.getByRole('tab', { name: 'Heatmaps' }).click();
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expectPlotted(page.getByTestId('heatmap-scales'));
    // plotly repaints with the dark paper colour
    await expect.poll(() => page.getByTestId('heatmap-scales').locator('svg.main-svg').first().evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(22, 27, 34)');
    await page.waitForTimeout(300);
    await shot('12-dark-theme.png');
    expect(errors, errors.join('\n')).toEqual([]);
  });

  it('ran under the strict CSP: an injected inline script does not run', async () => {
    // Last, because the refused script is itself reported on the console.
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; directive: string }>((resolve) => {
          let directive = '';
          document.addEventListener('securitypolicyviolation', (e) => (directive = e.effectiveDirective), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.__fp4labInlineRan = true';
          document.body.append(script);
          setTimeout(() => resolve({ ran: Boolean((window as unknown as { __fp4labInlineRan?: boolean }).__fp4labInlineRan), directive }), 50);
        }),
    );
    expect(outcome).toEqual({ ran: false, directive: 'script-src-elem' });
  });
});

describe('web mode where the native addon did not load', () => {
  it('runs on the reference backend and says why, next to the backend choice', async () => {
    const fallback = await startWebMode([], [], 60_000, { FP4LAB_NATIVE: 'off', FP4LAB_CUDA: 'off' });
    const p = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const pageErrors = watchPageErrors(p);
    try {
      await p.goto(fallback.url);
      await expect.poll(() => p.getByTestId('backend-notice').textContent(), { timeout: 30_000 }).toBe(
        'the native CPU backend is unavailable (disabled by FP4LAB_NATIVE=off); using the reference backend, which gives the same numbers but is much slower',
      );
      await expect.poll(() => p.getByRole('contentinfo').textContent(), { timeout: 60_000 }).toMatch(/analysis \S+ · reference · /);
      await p.getByTestId('backend-notice').screenshot({ path: join(SHOTS, '14-backend-notice.png') });
      expect(pageErrors, pageErrors.join('\n')).toEqual([]);
    } finally {
      await p.close();
      await fallback.close();
    }
  });
});

describe('the same build as a static demo (in-page engine, no server)', () => {
  it('analyses the sample and a compressed .npz in the page, with the engine\'s numbers and no console errors', async () => {
    const demo = await serveStatic(rendererDir);
    const demoPage = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const demoErrors = watchPageErrors(demoPage);
    try {
      page = demoPage; // the helpers above act on `page`
      await demoPage.goto(demo.url);
      await waitForAnalysis(null);
      expect(await demoPage.locator('.statusbar').textContent()).toContain('in-page engine');
      const ws = await sampleAnalysis('page');
      expectSameMetrics(await shownMetrics('out'), ws.result.matmul!.metrics, 'sample A @ B.T in the page');
      const file = join(corpusDir(), 'pair_compressed.npz');
      await demoPage.getByTestId('file-input').setInputFiles(file);
      await demoPage.getByRole('button', { name: 'Use A as A' }).click();
      await demoPage.getByRole('button', { name: 'Use B as B' }).click();
      const before = await analysisId();
      await demoPage.getByTestId('run').click();
      await waitForAnalysis(before);
      const f = await openTensorFile(memoryByteSource(new Uint8Array(readFileSync(file)), 'pair_compressed.npz'), { inflater: nodeInflater });
      const a = await readTensorAsMatrix(findTensor(f, 'A'), f.name);
      const b = await readTensorAsMatrix(findTensor(f, 'B'), f.name);
      const npz = await engineAnalysis(a, b, { a: {}, b: {} }, 'page');
      expectSameMetrics(await shownMetrics('a'), npz.result.a.metrics, 'npz A');
      expectSameMetrics(await shownMetrics('out'), npz.result.matmul!.metrics, 'npz A @ B.T');
      await demoPage.waitForTimeout(300);
      await shot('13-static-demo-npz.png');
      expect(demoErrors, demoErrors.join('\n')).toEqual([]);
    } finally {
      await demoPage.close();
      await demo.close();
    }
  });
});

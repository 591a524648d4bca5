import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, JobEvent } from '../../app/api/contract';
import { startWebApp, type WebApp } from '../../main/server/webApp';
import { randomMatrix, safetensorsBytes } from './apiTestKit';

/**
 * The web transport in a real browser (Debian's Chromium through playwright-core): the printed
 * URL's token becomes a cookie for the page's assets and a header for API calls, job events
 * stream over fetch, downloads happen, and the CSP lets all of it through. Skipped, with the
 * reason printed, where Chromium is not installed.
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (!existsSync(CHROMIUM)) console.log(`browser transport test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

let app: WebApp;
let work: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  work = mkdtempSync(join(tmpdir(), 'fp4lab-browser-test-'));
  const renderer = join(work, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  await build({ entryPoints: [fileURLToPath(new URL('./browserPage/entry.ts', import.meta.url))], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(renderer, 'assets', 'app.js'), logLevel: 'warning' });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>FP4 Lab transport test</title><script type="module" src="/assets/app.js"></script></head><body></body></html>');
  app = await startWebApp({ port: 0, rendererDir: renderer, tempRoot: work });
});

afterAll(async () => {
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('web transport in Chromium', () => {
  it('runs the Api from the page under the CSP, across a reload', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    try {
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto(app.server.url);
      await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
      // The token left the address bar once read (it lives on in sessionStorage).
      expect(page.url()).not.toContain('token=');

      const run = await page.evaluate(async () => {
        const api = (window as unknown as { fp4lab: Api }).fp4lab;
        const backends = await api.listBackends();
        const sample = await api.openSample();
        const events: JobEvent[] = [];
        const final = await new Promise<JobEvent>((resolve) => {
          void api.startAnalysis({ a: { fileId: sample.fileId, tensor: sample.tensors[0].name, kwargs: {} }, options: { compareRules: false, overviewSize: 16 } }, (e) => {
            events.push(e);
            if (e.type !== 'progress') resolve(e);
          });
        });
        const id = final.type === 'done' ? final.result.id : '';
        const heat = id ? await api.heatmap({ analysisId: id, target: 'a', field: 'scale', maxRows: 4, maxCols: 4 }) : null;
        return { backends: backends.map((b) => b.name), final: final.type, id, progress: events.filter((e) => e.type === 'progress').length, heatCells: heat?.data.length };
      });
      expect(run).toMatchObject({ backends: ['reference', 'cpu', 'cuda'], final: 'done', heatCells: 16 });
      expect(run.progress).toBeGreaterThan(0);

      const [download] = await Promise.all([page.waitForEvent('download'), page.evaluate((id) => (window as unknown as { fp4lab: Api }).fp4lab.saveExport(id, 'json'), run.id)]);
      expect(download.suggestedFilename()).toMatch(/\.json$/);

      // A picked/dropped File goes up as a streamed upload.
      const upload = Array.from(safetensorsBytes([{ name: 'w', matrix: randomMatrix(8, 32, 5) }]));
      const opened = await page.evaluate(async (bytes) => {
        const file = new File([new Uint8Array(bytes)], 'picked.safetensors');
        const summary = await (window as unknown as { fp4lab: Api }).fp4lab.openLocalFile(file);
        return { name: summary.name, tensors: summary.tensors.map((t) => t.name) };
      }, upload);
      expect(opened).toEqual({ name: 'picked.safetensors', tensors: ['w'] });

      await page.reload();
      await page.waitForSelector('body[data-ready="yes"]', { state: 'attached' });
      const files = await page.evaluate(async () => (await (window as unknown as { fp4lab: Api }).fp4lab.listFiles()).map((f) => f.format));
      expect(files).toEqual(['sample', 'safetensors']);
      expect(cspViolations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

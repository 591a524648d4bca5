/**
 * Renderer benchmark: time from pressing Run to the painted scale-factor heatmap, in web mode
 * (`fp4lab serve` + Debian Chromium), for 4096x4096 and 8192x8192 bf16 weights on the cpu
 * backend. Goal: <= 1.5 s for 8192x8192 (analysis without the rule comparison).
 *
 *   npx tsx test/bench/renderer.bench.ts [--runs 5] [--sizes 4096,8192] [--backend cpu]
 *
 * Needs the web server (main/server) and the native addon (the cpu backend); it says which is
 * missing instead of measuring something else. Prints medians of >= 5 runs per row and the
 * ratios between rows measured side by side in this one run. The timestamps are the page's
 * own performance marks: 'fp4lab:run' (Run pressed), 'fp4lab:result' (the result arrived) and
 * 'fp4lab:painted' (plotly drew the new result's scale map).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { float32ToBfloat16Bits } from '../../app/formats/bfloat16';
import { SeededRandom } from '../../app/samples/seededRandom';
import { concatChunks, serializeSafetensors } from '../../app/tensors/safetensors';
import { REPO_ROOT } from '../helpers/paths';
import { launchChromium } from '../e2e/support/browser';
import { productionEnv } from '../e2e/support/buildRenderer';
import { startWebMode } from '../e2e/support/webMode';
import { benchOptions } from './benchOptions';

const options = benchOptions();
const RUNS = options.runs;
const SIZES = options.sizes;
const BACKEND = options.value('backend', 'cpu');
const SEED = 20260612;

/** A weight-like bf16 matrix (outlier columns, as in the sample) written as safetensors. */
function writeWeight(dir: string, n: number): string {
  const rng = new SeededRandom(SEED + n);
  const bits = new Uint16Array(n * n);
  const outlier = new Uint8Array(n);
  for (let k = 0; k < n / 128; k++) outlier[rng.integer(0, n)] = 1;
  const std = 1 / Math.sqrt(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) bits[r * n + c] = float32ToBfloat16Bits(rng.normal() * (outlier[c] ? 12 * std : std));
  const path = join(dir, `weight_${n}x${n}.safetensors`);
  writeFileSync(path, concatChunks(serializeSafetensors([{ name: `bench.${n}.weight`, dtype: 'BF16', shape: [n, n], data: new Uint8Array(bits.buffer) }])));
  return path;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Timing {
  readonly toResult: number;
  readonly toPaint: number;
  /** Until every map of side A has drawn its screen-resolution tile of the new result. */
  readonly toSharp: number;
}

const MAPS = ['heatmap-scales', 'heatmap-selection', 'heatmap-error', 'heatmap-input'];

/** performance.now() once every map shows a tile of the analysis on screen (polled per frame). */
async function sharpAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    (ids) => {
      const id = document.querySelector('[data-testid=metrics]')?.getAttribute('data-analysis-id');
      const ready = ids.every((t) => {
        const el = document.querySelector(`[data-testid=${t}]`);
        return el && el.getAttribute('data-analysis-id') === id && el.getAttribute('data-detail') !== '';
      });
      return ready ? performance.now() : null;
    },
    MAPS,
    { timeout: 600_000, polling: 'raf' },
  );
  return (await handle.jsonValue()) as number;
}

/** Press Run once (with the page idle: the previous result's tiles are in) and read its marks. */
async function timeOneRun(page: Page): Promise<Timing> {
  if ((await page.getByTestId('metrics').getAttribute('data-analysis-id')) !== null) await sharpAt(page);
  const before = await page.evaluate(() => performance.getEntriesByName('fp4lab:painted').length);
  await page.getByTestId('run').click();
  await page.waitForFunction((n) => performance.getEntriesByName('fp4lab:painted').length > n, before, { timeout: 600_000, polling: 'raf' });
  const sharp = await sharpAt(page);
  // (No helper functions inside: tsx would wrap them in a __name() the page does not have.)
  const [run, result, painted] = await page.evaluate(() => ['fp4lab:run', 'fp4lab:result', 'fp4lab:painted'].map((name) => performance.getEntriesByName(name).at(-1)!.startTime));
  return { toResult: (result - run) / 1000, toPaint: (painted - run) / 1000, toSharp: (sharp - run) / 1000 };
}

async function main(): Promise<void> {
  const build = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], { cwd: REPO_ROOT, encoding: 'utf8', env: productionEnv() });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'fp4lab-bench-'));
  const browser = await launchChromium();
  const rows: { label: string; n: number; compare: boolean; timings: Timing[] }[] = [];
  try {
    for (const n of SIZES) {
      process.stdout.write(`writing ${n}x${n} bf16 weight (seed ${SEED + n})...\n`);
      const file = writeWeight(dir, n);
      const server = await startWebMode([file]);
      try {
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        await page.goto(server.url);
        await page.getByTestId('slot-a').getByText(`bench.${n}.weight`).waitFor({ timeout: 60_000 });
        const backendStatus = await page.locator('.backend-list').textContent({ timeout: 30_000 });
        const option = page.getByLabel('backend', { exact: true }).locator(`option[value="${BACKEND}"]`);
        if (await option.isDisabled()) throw new Error(`backend '${BACKEND}' is unavailable here: ${backendStatus}`);
        await page.getByLabel('backend', { exact: true }).selectOption(BACKEND);
        for (const compare of [false, true]) {
          const box = page.getByLabel('compare all scale rules');
          if ((await box.isChecked()) !== compare) await box.setChecked(compare);
          const timings: Timing[] = [];
          // one warm-up run (tensor decode, JIT, first plotly draw), then the measured ones
          await timeOneRun(page);
          for (let i = 0; i < RUNS; i++) timings.push(await timeOneRun(page));
          const label = `${n}x${n} ${BACKEND}${compare ? ' + rule comparison' : ''}`;
          rows.push({ label, n, compare, timings });
          process.stdout.write(`  ${label}: run->painted ${timings.map((t) => t.toPaint.toFixed(3)).join(' ')} s\n`);
        }
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }

  process.stdout.write(`\nRun -> painted scale heatmap, web mode, Chromium, medians of ${RUNS} runs (after one warm-up)\n`);
  process.stdout.write(`${'case'.padEnd(40)} ${'run->result s'.padStart(14)} ${'run->painted s'.padStart(15)} ${'paint s'.padStart(9)} ${'run->sharp s'.padStart(13)}\n`);
  for (const r of rows) {
    const res = median(r.timings.map((t) => t.toResult));
    const paint = median(r.timings.map((t) => t.toPaint));
    const sharp = median(r.timings.map((t) => t.toSharp));
    process.stdout.write(`${r.label.padEnd(40)} ${res.toFixed(3).padStart(14)} ${paint.toFixed(3).padStart(15)} ${(paint - res).toFixed(3).padStart(9)} ${sharp.toFixed(3).padStart(13)}\n`);
  }
  process.stdout.write('(painted: the scale map drawn from the result\'s overview; sharp: all four maps drawn with screen-resolution tiles)\n');
  const at = (n: number, compare: boolean) => rows.find((r) => r.n === n && r.compare === compare);
  const big = at(8192, false);
  const small = at(4096, false);
  if (big && small) {
    const ratio = median(big.timings.map((t) => t.toPaint)) / median(small.timings.map((t) => t.toPaint));
    process.stdout.write(`\nratio 8192² / 4096² (run->painted): ${ratio.toFixed(2)}x (4.00x = linear in elements)\n`);
  }
  if (big) {
    const m = median(big.timings.map((t) => t.toPaint));
    process.stdout.write(`goal 8192x8192 <= 1.5 s: ${m.toFixed(3)} s — ${m <= 1.5 ? 'met' : 'NOT met'}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`renderer bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

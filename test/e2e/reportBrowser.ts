import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../main/report/chromium';
import { REPORT_READY_ATTRIBUTE } from '../../app/report/reportPage';

/** Chromium for the report tests (the system's, as in CI: .ci/run installs it). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('the report browser tests need Chromium: apt-get install chromium (.ci/run installs it), or set FP4LAB_CHROMIUM');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

export interface OpenedReport {
  readonly page: Page;
  /** Console messages of type error/warning and uncaught page errors. */
  readonly problems: string[];
  /** Every request the page made other than its own file:// URL. */
  readonly requests: string[];
}

/**
 * Open a report from a file:// URL the way a colleague would, with every request other than
 * file:// refused (and recorded), then wait until it says its plots are drawn.
 */
export async function openReport(browser: Browser, url: string, width = 1280): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    requests.push(u);
    return route.abort('blockedbyclient');
  });
  await page.goto(url);
  await page.waitForFunction(`document.documentElement.getAttribute('${REPORT_READY_ATTRIBUTE}')`, undefined, { timeout: 60_000 });
  return { page, problems, requests };
}

export function hasPdftoppm(): boolean {
  return spawnSync('pdftoppm', ['-v'], { encoding: 'utf8' }).error === undefined;
}

/** Page 1 of a PDF rendered by pdftoppm as raw RGB (PPM), for asserting it is not blank. */
export function renderFirstPage(pdfPath: string, dpi = 40): { width: number; height: number; rgb: Uint8Array } {
  const r = spawnSync('pdftoppm', ['-r', String(dpi), '-f', '1', '-l', '1', pdfPath], { maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`pdftoppm failed: ${r.stderr?.toString()}`);
  const ppm = r.stdout as Buffer;
  // P6\n<width> <height>\n255\n<data>
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a PPM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, rgb: new Uint8Array(ppm.subarray(header[0].length, header[0].length + width * height * 3)) };
}

/** Share of pixels that are not (near) white, and how many distinct coarse colours there are. */
export function inkStatistics(rgb: Uint8Array): { ink: number; colours: number } {
  let ink = 0;
  const colours = new Set<number>();
  const pixels = rgb.length / 3;
  for (let i = 0; i < pixels; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    if (r < 235 || g < 235 || b < 235) ink++;
    colours.add(((r >> 5) << 6) | ((g >> 5) << 3) | (b >> 5));
  }
  return { ink: ink / pixels, colours: colours.size };
}

/** Width and height from a PNG's IHDR chunk (and a check that it is a PNG at all). */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((b, i) => png[i] === b)) throw new Error('not a PNG');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

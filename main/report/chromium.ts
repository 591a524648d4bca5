import { accessSync, constants } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { Fp4Error } from '../../app/errors';
import { REPORT_READY_ATTRIBUTE } from '../../app/report/reportPage';

/**
 * Headless Chromium for what needs a browser engine outside Electron: printing reports to PDF
 * and plots to PNG in the CLI and in web mode. We drive the system's Chromium through
 * playwright-core (never a downloaded browser). Chromium is started for one job and closed.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** $FP4LAB_CHROMIUM, else the usual install locations; undefined when there is none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.FP4LAB_CHROMIUM;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find(executable);
}

function noChromium(what: string): Fp4Error {
  const env = process.env.FP4LAB_CHROMIUM;
  const where = env ? `FP4LAB_CHROMIUM=${env} is not an executable` : `no Chromium or Chrome was found (looked in ${CANDIDATES.slice(0, 4).join(', ')}, ...)`;
  return new Fp4Error(
    'UNSUPPORTED',
    `${what} needs Chromium and ${where}; install it (Debian/Ubuntu: apt-get install chromium) or set FP4LAB_CHROMIUM to a Chrome/Chromium binary. The HTML report prints to PDF from any browser, and its plots save as PNG from their toolbars.`,
  );
}

async function launch(what: string): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw noChromium(what);
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new Fp4Error('UNSUPPORTED', `${what} needs the playwright-core package to drive Chromium, and it is not installed (run npm install in the FP4 Lab checkout)`);
  }
  try {
    return await playwright.chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  } catch (e) {
    throw new Fp4Error('UNSUPPORTED', `${what}: Chromium at ${executablePath} did not start (${(e as Error).message.split('\n')[0]})`);
  }
}

export interface BrowserPageOptions {
  /** CSS pixels; the report lays itself out for this width (plots are drawn at it). */
  readonly width: number;
  readonly height?: number;
  /** Lay out for print (single column) before the plots are drawn. */
  readonly print?: boolean;
  /** Ms to wait for the plots. */
  readonly timeoutMs?: number;
}

/**
 * Open a report in a fresh headless Chromium, wait until its plots are drawn, run `job`, close.
 * Every request other than the page itself is refused: a report needs none.
 */
export async function withReportPage<T>(html: string, what: string, options: BrowserPageOptions, job: (page: Page) => Promise<T>): Promise<T> {
  const browser = await launch(what);
  try {
    const page = await browser.newPage({ viewport: { width: options.width, height: options.height ?? 1000 }, deviceScaleFactor: 1 });
    await page.route('**/*', (route) => (/^(data|blob|about):/.test(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (options.print) await page.emulateMedia({ media: 'print' });
    await page.setContent(html, { waitUntil: 'load', timeout: options.timeoutMs ?? 60_000 });
    const state = await page
      .waitForFunction(`document.documentElement.getAttribute('${REPORT_READY_ATTRIBUTE}')`, undefined, { timeout: options.timeoutMs ?? 60_000 })
      .then((h) => h.jsonValue());
    if (state !== 'true') throw new Fp4Error('FORMAT', `${what}: the report's plots failed to draw (${errors.join('; ') || 'no message'})`);
    return await job(page);
  } finally {
    await browser.close();
  }
}

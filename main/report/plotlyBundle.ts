import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Fp4Error } from '../../app/errors';

let cached: Promise<string> | undefined;

/** Where plotly.js's self-contained bundle is (resolved like an import, so it works in a packaged app too). */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve('plotly.js-dist-min/plotly.min.js');
}

/**
 * plotly.js's bundle as text, for the reports to embed inline (app/report takes it as an
 * argument: app/ reads no files). Read once per process.
 */
export function readPlotlySource(): Promise<string> {
  cached ??= (async () => {
    let path: string;
    try {
      path = plotlyBundlePath();
    } catch {
      throw new Fp4Error('IO', 'plotly.js-dist-min is not installed, so reports cannot embed their plots (run npm install)');
    }
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      throw new Fp4Error('IO', `cannot read the plotly.js bundle at ${path}: ${(e as Error).message}`);
    }
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

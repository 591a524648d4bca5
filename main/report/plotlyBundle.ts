import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Fp4Error } from '../../app/errors';

let cached: Promise<string> | undefined;

/**
 * Where plotly.js's self-contained bundle is, resolved like an import so it is found in a
 * checkout and in a packaged app alike (when bundled to CommonJS, import.meta.url is empty and
 * the bundle's own require resolves it).
 */
export function plotlyBundlePath(): string {
  const id = 'plotly.js-dist-min/plotly.min.js';
  const here = typeof import.meta.url === 'string' && import.meta.url ? import.meta.url : undefined;
  if (here) return createRequire(here).resolve(id);
  return require.resolve(id);
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

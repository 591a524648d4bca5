import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiBridge, ApiResult } from '../../app/api/transport';
import { REPO_ROOT } from '../helpers/paths';

/**
 * The desktop app itself, driven by Playwright's Electron support: one sandboxed window on
 * app://fp4lab/ whose page sees exactly the Api bridge. Runs where Electron's binary is
 * installed (and, on Linux, a display exists); elsewhere it is skipped with the reason printed.
 */

/** The Electron binary, found the way the electron package does, without its download-on-require. */
function electronBinary(): { path?: string; reason?: string } {
  const dir = join(REPO_ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing; installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1?)' };
  const path = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(path)) return { reason: `the Electron binary is missing at ${path}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'there is no display (run the tests under xvfb-run)' };
  return { path };
}

const electron = electronBinary();
if (!electron.path) console.log(`electron smoke test skipped: ${electron.reason}`);

/** The Api as the contract defines it (app/api/contract.ts). */
const API_METHODS = ['blockDetail', 'cancelJob', 'closeFile', 'exportAnalysis', 'heatmap', 'listBackends', 'listFiles', 'onAppEvent', 'openLocalFile', 'openPath', 'openSample', 'openUpload', 'previewMatrix', 'releaseAnalysis', 'saveExport', 'startAnalysis'];

describe.skipIf(!electron.path)('desktop app (Electron)', () => {
  it('opens one locked-down window whose page sees exactly the Api', async () => {
    const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron-only'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const { _electron } = await import('playwright-core');
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const root = process.getuid?.() === 0 ? ['--no-sandbox'] : []; // Chromium refuses to run as root otherwise
    const app = await _electron.launch({ executablePath: electron.path!, args: [...root, REPO_ROOT], cwd: REPO_ROOT, env: env as Record<string, string> });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toBe('app://fp4lab/index.html');
      const surface = await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        return { keys: Object.keys(w.fp4lab as object).sort(), require: typeof w.require, process: typeof w.process, opened: window.open('https://example.com/') === null };
      });
      expect(surface).toEqual({ keys: API_METHODS, require: 'undefined', process: 'undefined', opened: true });
      const sample = await page.evaluate(() => (window as unknown as { fp4lab: ApiBridge }).fp4lab.openSample());
      expect(sample).toMatchObject({ ok: true, value: { format: 'sample' } });
      const denied = (await page.evaluate(() => (window as unknown as { fp4lab: ApiBridge }).fp4lab.openPath('/etc/passwd'))) as ApiResult<unknown>;
      expect(denied).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      // One window; the page's missing require/process above is what sandbox + no node integration mean.
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    } finally {
      await app.close();
    }
  });
});

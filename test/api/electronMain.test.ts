import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../app/api/contract';
import type { ApiResult } from '../../app/api/transport';
import { REPO_ROOT } from '../helpers/paths';
import { createFakeElectron, type FakeElectron } from './fakeElectron';

/**
 * The bundled main process (dist/electron/main.cjs) run in plain Node against a stand-in for
 * the electron module: what it configures (window, protocol, IPC, menu, navigation rules) and
 * that its IPC reaches a real compute host in a utility process. Where Electron itself can
 * run, electronSmoke.test.ts drives the real app.
 */

let electron: FakeElectron;
let bundleDir: string;

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  // Our own output folder: test files run in parallel and must not read each other's half-written bundles.
  bundleDir = mkdtempSync(join(tmpdir(), 'fp4lab-bundle-'));
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron-only', '--outdir', bundleDir], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  electron = createFakeElectron(REPO_ROOT);
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'electron' ? electron.module : load.call(this, request, ...rest);
  };
  createRequire(import.meta.url)(join(bundleDir, 'main.cjs'));
  await until(() => electron.windows.length === 1 && electron.ipcHandlers.size > 0, 'the window and IPC handlers');
});

afterAll(() => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

const trusted = (sent: { channel: string; args: unknown[] }[]) => ({
  senderFrame: { url: 'app://fp4lab/index.html', parent: null },
  sender: { send: (channel: string, ...args: unknown[]) => sent.push({ channel, args }), isDestroyed: () => false },
});

describe('Electron main process (bundle, stand-in electron)', () => {
  it('opens one locked-down window on app://fp4lab/ with the bundled preload', () => {
    const [win] = electron.windows;
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(existsSync(prefs.preload as string)).toBe(true);
    expect(win.url).toBe('app://fp4lab/index.html');
    expect(electron.schemes).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(electron.menuLabels).toEqual(expect.arrayContaining(['File', 'Edit', 'View']));
  });

  it('blocks navigation away from the page and every new window', () => {
    const wc = electron.windows[0].webContents;
    let prevented = false;
    wc.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(wc.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('serves the renderer over app:// with the CSP and refuses other hosts and traversal', async () => {
    const page = await electron.protocolHandler!({ url: 'app://fp4lab/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await electron.protocolHandler!({ url: 'app://elsewhere/index.html' })).status).toBe(404);
    const escape = await electron.protocolHandler!({ url: 'app://fp4lab/%2e%2e/%2e%2e/package.json' });
    expect(escape.status).not.toBe(200);
  });

  it('answers IPC from its page through a compute host in a utility process', async () => {
    expect(electron.ipcHandlers.size).toBe(15);
    const sent: { channel: string; args: unknown[] }[] = [];
    const call = (channel: string, ...args: unknown[]) => electron.ipcHandlers.get(channel)!(trusted(sent), ...args) as Promise<ApiResult<unknown>>;
    const sample = (await call('fp4lab:openSample')) as ApiResult<{ fileId: string; tensors: { name: string }[] }>;
    expect(sample.ok).toBe(true);
    if (!sample.ok) return;
    expect(electron.utilityProcesses.length).toBe(1);
    const started = await call('fp4lab:startAnalysis', { a: { fileId: sample.value.fileId, tensor: sample.value.tensors[1].name, kwargs: {} }, options: { compareRules: false, overviewSize: 8 } });
    expect(started.ok).toBe(true);
    await until(() => sent.some((s) => s.channel === 'fp4lab:job-event' && (s.args[0] as JobEvent).type !== 'progress'), 'the job to finish');
    expect((sent.at(-1)!.args[0] as JobEvent).type).toBe('done');
    const foreign = await electron.ipcHandlers.get('fp4lab:listFiles')!({ ...trusted(sent), senderFrame: { url: 'https://evil.example/', parent: null } });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('stops its compute host when the app quits', async () => {
    electron.app.emit('will-quit', { preventDefault: () => undefined });
    await expect(electron.utilityProcesses[0].exited).resolves.toBeDefined();
  });
});

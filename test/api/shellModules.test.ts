import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseByteSize } from '../../main/cli/serveCommand';
import { isTrustedSender, type InvokeEventLike } from '../../main/electron/ipcHandlers';
import { buildMenuModel, commandItems, type MenuItemSpec } from '../../main/electron/menuModel';
import { RecentFiles, withRecent } from '../../main/electron/recentFiles';
import { hostHeaderName, isLoopbackHost } from '../../main/server/security';
import { staticRelativePath } from '../../main/server/staticFiles';
import { startServer } from '../../main/server/server';
import type { Fp4Service } from '../../main/service/service';

/** The Electron layer's pure parts and the server's small helpers, as plain modules. */

function labels(items: readonly MenuItemSpec[]): string[] {
  return items.flatMap((i) => (i.type === 'submenu' ? [i.label, ...labels(i.items)] : i.type === 'command' ? [i.label] : i.type === 'role' ? [i.label ?? i.role] : []));
}

describe('menu model', () => {
  for (const platform of ['linux', 'win32', 'darwin']) {
    it(`has the app's commands on ${platform}`, () => {
      const menu = buildMenuModel({ platform, appName: 'FP4 Lab', recent: ['/data/a.safetensors', '/data/b.npz'] });
      const all = labels(menu);
      for (const label of ['Open…', 'Open Recent', 'Export Report…', 'Export Quantized Tensors…', 'Reload', 'Toggle Developer Tools', 'About FP4 Lab', 'Clear Recent']) expect(all).toContain(label);
      expect(menu[0].type === 'submenu' && menu[0].label).toBe(platform === 'darwin' ? 'FP4 Lab' : 'File');
      const recent = commandItems(menu).filter((c) => c.command === 'openRecent');
      expect(recent.map((c) => c.arg)).toEqual(['/data/a.safetensors', '/data/b.npz']);
      const accelerators = commandItems(menu).flatMap((c) => (c.accelerator ? [c.accelerator] : []));
      expect(new Set(accelerators).size).toBe(accelerators.length);
    });
  }

  it('shows a disabled placeholder when nothing was opened yet', () => {
    const items = commandItems(buildMenuModel({ platform: 'linux', appName: 'FP4 Lab', recent: [] }));
    expect(items.find((c) => c.command === 'openRecent')).toMatchObject({ enabled: false, label: 'No recent files' });
    expect(items.find((c) => c.command === 'clearRecent')).toMatchObject({ enabled: false });
  });
});

describe('recent files', () => {
  it('moves a reopened file to the front and keeps ten', () => {
    let list: string[] = [];
    for (let i = 0; i < 12; i++) list = withRecent(list, `/f${i}`);
    expect(list).toHaveLength(10);
    expect(list[0]).toBe('/f11');
    expect(withRecent(list, '/f5')).toEqual(['/f5', ...list.filter((p) => p !== '/f5')]);
  });

  it('persists across loads and survives a corrupt file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-recent-'));
    try {
      const file = join(dir, 'recent.json');
      const r = new RecentFiles(file);
      await r.load();
      await r.add('/x/a.safetensors');
      await r.add('/x/b.gguf');
      const again = new RecentFiles(file);
      await again.load();
      expect(again.paths).toEqual(['/x/b.gguf', '/x/a.safetensors']);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(['/x/b.gguf', '/x/a.safetensors']);
      writeFileSync(file, '{not json');
      const corrupt = new RecentFiles(file);
      await corrupt.load();
      expect(corrupt.paths).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('IPC sender check', () => {
  const event = (url: string, parent: unknown = null): InvokeEventLike => ({ senderFrame: { url, parent }, sender: { send: () => undefined, isDestroyed: () => false } });
  it('trusts only the app page in its top frame', () => {
    expect(isTrustedSender(event('app://fp4lab/index.html'))).toBe(true);
    expect(isTrustedSender(event('app://fp4lab/index.html', {}))).toBe(false);
    expect(isTrustedSender(event('app://fp4lab.evil/index.html'))).toBe(false);
    expect(isTrustedSender(event('https://fp4lab/index.html'))).toBe(false);
    expect(isTrustedSender(event('file:///home/u/index.html'))).toBe(false);
    expect(isTrustedSender({ senderFrame: null, sender: event('').sender })).toBe(false);
  });
});

describe('static paths', () => {
  it('maps clean paths and refuses the rest', () => {
    expect(staticRelativePath('/')).toEqual({ ok: true, relative: 'index.html' });
    expect(staticRelativePath('/assets/index-4f2a.js')).toEqual({ ok: true, relative: 'assets/index-4f2a.js' });
    expect(staticRelativePath('/assets/a%20b.css')).toEqual({ ok: true, relative: 'assets/a b.css' });
    for (const bad of ['/..', '/a/../b', '/%2e%2e/x', '/a%2f..%2f..%2fb', '/a\\b', '/a%5cb', '/%00', '//x', '/%E0%A4%A', 'relative', '/./x']) {
      expect(staticRelativePath(bad).ok, bad).toBe(false);
    }
  });
});

describe('server helpers', () => {
  it('knows loopback hosts and parses Host headers', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', '128.0.0.1', 'localhost.evil.com']) expect(isLoopbackHost(h), h).toBe(false);
    expect(hostHeaderName('127.0.0.1:8765')).toBe('127.0.0.1');
    expect(hostHeaderName('[::1]:80')).toBe('::1');
    expect(hostHeaderName('Example.COM')).toBe('example.com');
    expect(hostHeaderName('a b')).toBeNull();
    expect(hostHeaderName(undefined)).toBeNull();
  });

  it('parses --max-upload sizes', () => {
    expect(parseByteSize('4G', '--max-upload')).toBe(4 * 1024 ** 3);
    expect(parseByteSize('512MiB', '--max-upload')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('1000', '--max-upload')).toBe(1000);
    expect(() => parseByteSize('lots', '--max-upload')).toThrow(/--max-upload/);
  });

  it('will not listen beyond loopback unless told to', async () => {
    await expect(startServer({ service: {} as Fp4Service, host: '0.0.0.0', port: 0 })).rejects.toThrow(/--allow-remote/);
  });
});

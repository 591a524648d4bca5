import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, ExportPayload, LocalFile, SavedExport } from '../../app/api/contract';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { quantizedTensorNamesFor } from '../../app/report/quantizedExport';
import { openSafetensors } from '../../app/tensors/safetensors';
import { forkHostLauncher } from '../../main/compute/forkHostLauncher';
import { registerIpcHandlers, type DesktopShell, type IpcMainLike, type InvokeEventLike } from '../../main/electron/ipcHandlers';
import { createPreloadBridge, type IpcRendererLike } from '../../main/electron/preloadBridge';
import { writeFileAtomic } from '../../main/io/atomicWrite';
import { Fp4Service } from '../../main/service/service';
import { createIpcApi } from '../../renderer/api/ipcApi';
import { REPO_ROOT } from '../helpers/paths';
import { localAnalysis, randomMatrix, runJob, safetensorsBytes, type GeneratedTensor } from './apiTestKit';

/**
 * The desktop transport without Electron: an in-process fake of ipcMain/ipcRenderer (with
 * structured cloning, as the real IPC does) between the real handlers, the real preload bridge
 * and the page's ipcApi. The compute host is the bundled one the app ships (dist/electron/computeHost.cjs).
 */

class FakeIpc {
  private readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  private readonly rendererListeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  frame: { url: string; parent: unknown } = { url: 'app://fp4lab/index.html', parent: null };
  readonly sent: string[] = [];

  readonly ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, listener);
    },
    removeHandler: (channel) => this.handlers.delete(channel),
  };

  private readonly sender: InvokeEventLike['sender'] = {
    send: (channel, ...args) => {
      this.sent.push(channel);
      const copy = structuredClone(args);
      setImmediate(() => (this.rendererListeners.get(channel) ?? []).forEach((l) => l({}, ...copy)));
    },
    isDestroyed: () => false,
  };

  readonly ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const handler = this.handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return structuredClone(await handler({ senderFrame: { ...this.frame }, sender: this.sender }, ...structuredClone(args)));
    },
    on: (channel, listener) => this.rendererListeners.set(channel, [...(this.rendererListeners.get(channel) ?? []), listener]),
  };

  get channelCount(): number {
    return this.handlers.size;
  }
}

/** The desktop shell with the dialog answered by the test: saves go into `dir`. */
class TestShell implements DesktopShell {
  readonly granted = new Set<string>();
  readonly openedPaths: string[] = [];
  constructor(private readonly dir: string) {}
  isPathGranted(path: string): boolean {
    return this.granted.has(path);
  }
  grantPath(path: string): void {
    this.granted.add(path);
  }
  opened(path: string): void {
    this.openedPaths.push(path);
  }
  async save(payload: ExportPayload): Promise<SavedExport | null> {
    const path = join(this.dir, payload.fileName);
    await writeFileAtomic(path, [payload.data], { overwrite: false });
    return { savedAs: path };
  }
}

const FILE_PATHS = new WeakMap<object, string>();
/** Stand-in for webUtils.getPathForFile: a path only for files "from disk". */
const pathForFile = (file: LocalFile): string => FILE_PATHS.get(file) ?? '';

let ipc: FakeIpc;
let service: Fp4Service;
let shell: TestShell;
let api: Api;
let work: string;
let unregister: () => void;
let bundleDir: string;

beforeAll(async () => {
  // Our own output folder: test files run in parallel and must not read each other's half-written bundles.
  bundleDir = mkdtempSync(join(tmpdir(), 'fp4lab-bundle-'));
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron-only', '--outdir', bundleDir], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  const hostBundle = join(bundleDir, 'computeHost.cjs');
  expect(existsSync(hostBundle)).toBe(true);
  work = mkdtempSync(join(tmpdir(), 'fp4lab-ipc-test-'));
  ipc = new FakeIpc();
  // Plain Node runs the bundle as Electron's utility process would: no tsx, no TypeScript.
  service = new Fp4Service({ launcher: forkHostLauncher({ entry: hostBundle, execArgv: [] }), tempRoot: work });
  shell = new TestShell(work);
  unregister = registerIpcHandlers(ipc.ipcMain, service, shell);
  api = createIpcApi(createPreloadBridge(ipc.ipcRenderer, pathForFile).bridge);
});

afterAll(async () => {
  unregister?.();
  await service?.dispose();
  rmSync(work, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

describe('IPC transport', () => {
  const seed = (Date.now() % 1_000_000) + 7;
  const a: GeneratedTensor = { name: 'proj.weight', matrix: randomMatrix(40, 64, seed) };
  const b: GeneratedTensor = { name: 'proj.input', matrix: randomMatrix(24, 64, seed + 1) };

  it('registers one handler per Api method', () => {
    expect(ipc.channelCount).toBe(15);
  });

  it(`opens a dropped file, analyses it and saves an export (seed ${seed})`, async () => {
    console.log(`ipcTransport round trip: random tensors from seed ${seed}`);
    const path = join(work, 'dropped.safetensors');
    writeFileSync(path, safetensorsBytes([a, b]));
    const dropped: LocalFile = { name: 'dropped.safetensors', size: 0 };
    FILE_PATHS.set(dropped, path);

    // Not granted yet: the page cannot name a path by itself.
    await expect(api.openPath(path)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const file = await api.openLocalFile(dropped);
    expect(file.name).toBe('dropped.safetensors');
    expect(shell.openedPaths).toEqual([path]);
    // Once the user dropped it, reopening it by path is allowed (Open Recent does this).
    expect((await api.openPath(path)).fileId).toBe(file.fileId);

    const options = { compareRules: false, overviewSize: 16, fp4_format: 'mxfp4' as const };
    const kwargs = { scale_rule: 'always_6' as const };
    const job = await runJob(api, { a: { fileId: file.fileId, tensor: a.name, kwargs }, b: { fileId: file.fileId, tensor: b.name, kwargs }, options });
    expect(job.final.type, JSON.stringify(job.final)).toBe('done');
    if (job.final.type !== 'done') return;
    expect(ipc.sent).toContain('fp4lab:job-event');
    const oracle = await localAnalysis(a, b, 'dropped.safetensors', options, kwargs, job.final.result.backend);
    expect(job.final.result.matmul?.metrics).toEqual(oracle.result.matmul?.metrics);
    const heat = await api.heatmap({ analysisId: job.final.result.id, target: 'out', field: 'out_abs_error', maxRows: 5, maxCols: 5 });
    expect(heat.data).toEqual((await oracle.heatmap({ target: 'out', field: 'out_abs_error', maxRows: 5, maxCols: 5 })).data);

    const saved = await api.saveExport(job.final.result.id, 'safetensors');
    expect(saved?.savedAs.startsWith(work)).toBe(true);
    const written = await openSafetensors(memoryByteSource(new Uint8Array(readFileSync(saved!.savedAs)), 'saved'));
    const bName = quantizedTensorNamesFor(oracle).b!;
    const qb = await readQuantizedTensor(written, bName);
    expect(Buffer.from(qb.quantized.e2m1).equals(Buffer.from(oracle.quantized('b').e2m1))).toBe(true);
    expect(written.metadata[`${bName}.fp4_format`]).toBe('mxfp4');
    // The shell never overwrites: a second save of the same name is an error, not a silent replace.
    await expect(api.saveExport(job.final.result.id, 'safetensors')).rejects.toMatchObject({ code: 'IO' });
  });

  it('refuses a File without a path on disk', async () => {
    await expect(api.openLocalFile({ name: 'in-memory.safetensors', size: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'file' });
  });

  it('checks every argument and names the one at fault', async () => {
    await expect(api.previewMatrix({ fileId: 'file-1', tensor: 'x', maxRows: 0, maxCols: 4 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'query.maxRows' });
    await expect(api.blockDetail('analysis-1', 'c' as 'a', 0, 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'side' });
    await expect(api.exportAnalysis('analysis-1', 'exe' as 'json')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'format' });
    await expect(api.openUpload('a/b.safetensors', new Uint8Array(4))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'name' });
    await expect(api.startAnalysis({ a: { fileId: 'file-1', tensor: 'w', kwargs: {} }, options: { overviewSize: 1e6 } }, () => undefined)).rejects.toMatchObject({ detail: 'request.options.overviewSize' });
    // Raw IPC with an extra argument or a wrong type is refused before the service sees it.
    await expect(ipc.ipcRenderer.invoke('fp4lab:listFiles', 'extra')).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    await expect(ipc.ipcRenderer.invoke('fp4lab:openDroppedPath', 'relative/path.safetensors')).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', cause: 'path' } });
  });

  it('accepts calls only from the app page in its top frame', async () => {
    try {
      ipc.frame = { url: 'https://evil.example/', parent: null };
      await expect(api.listBackends()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      ipc.frame = { url: 'app://fp4lab/index.html', parent: {} };
      await expect(api.listFiles()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      ipc.frame = { url: 'file:///etc/passwd', parent: null };
      await expect(api.openSample()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    } finally {
      ipc.frame = { url: 'app://fp4lab/index.html', parent: null };
    }
    expect((await api.listBackends()).map((s) => s.name)).toEqual(['reference', 'cpu', 'cuda']);
  });

  it('reports a crash of the bundled compute host to the page and recovers', async () => {
    const sample = await api.openSample();
    const before = service.computePid!;
    let killed = false;
    const job = await runJob(api, { a: { fileId: sample.fileId, tensor: sample.tensors[0].name, kwargs: {} }, options: { compareRules: true } }, () => {
      // SIGKILL rather than SIGSEGV: same outcome for the service, and no core file on machines that keep them.
      if (!killed) process.kill(before, 'SIGKILL');
      killed = true;
    });
    expect(job.final).toMatchObject({ type: 'failed', error: { code: 'INTERNAL' } });
    expect(job.final.type === 'failed' && job.final.error.message).toMatch(/signal SIGKILL/);
    expect((await api.listFiles()).map((f) => f.fileId)).toContain(sample.fileId);
    const preview = await api.previewMatrix({ fileId: sample.fileId, tensor: sample.tensors[1].name, maxRows: 2, maxCols: 2 });
    expect(preview.rows).toBe(2);
    expect(service.computePid).not.toBe(before);
  });
});

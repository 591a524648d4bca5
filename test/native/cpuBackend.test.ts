import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendName } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { isFp4Error } from '../../app/errors';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import type { Matrix } from '../../app/tensors/matrix';
import { backendNotice, backendStatuses, getBackend, initBackends } from '../../main/compute/backends';
import { createCpuBackend } from '../../main/compute/cpuBackend';
import { loadNativeAddon, registerNativeBackends, type AddonLoad } from '../../main/compute/nativeAddon';
import { runFp4lab } from '../helpers/cli';
import { goldenDir } from '../helpers/paths';
import { edgeMatrix, firstDifference, nativeDisabled, quantizeDifference, refusedQuantizeRequests, requireAddon, rngFrom, testSeed } from './nativeKit';

// The `cpu` backend as the rest of the app sees it: registered by the one addon loader, picked by
// `auto`, the same errors as the reference for the same bad requests, progress, cancellation.
describe('native addon loader', () => {
  it('says why the addon is unavailable: disabled, missing, or not loadable', () => {
    const off = loadNativeAddon({ FP4LAB_NATIVE: 'off' });
    expect(off).toEqual({ ok: false, reasons: ['disabled by FP4LAB_NATIVE=off'] });

    const missing = loadNativeAddon({ FP4LAB_NATIVE_ADDON: '/nonexistent/fp4lab.node' });
    expect(missing.ok).toBe(false);
    expect((missing as { reasons: string[] }).reasons.join()).toMatch(/the native addon is not built \(looked for \/nonexistent\/fp4lab\.node; run npm run build:native\)/);

    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-addon-'));
    try {
      const garbage = join(dir, 'fp4lab.node');
      writeFileSync(garbage, 'not a shared library');
      const broken = loadNativeAddon({ FP4LAB_NATIVE_ADDON: garbage });
      expect(broken.ok).toBe(false);
      expect((broken as { reasons: string[] }).reasons.join()).toMatch(/fp4lab\.node failed to load: .+ \(rebuild it: npm run build:native\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('registers what loaded and marks the rest unavailable with the reasons', () => {
    const calls: string[] = [];
    const registry = {
      registerBackend: (b: Backend, detail?: string) => void calls.push(`register ${b.name} ${detail ?? ''}`),
      markBackendUnavailable: (name: BackendName, reason: string) => void calls.push(`unavailable ${name}: ${reason}`),
    };
    const failed: AddonLoad = { ok: false, reasons: ['a', 'b'] };
    registerNativeBackends(registry, failed);
    expect(calls).toEqual(['unavailable cpu: a; b', 'unavailable cuda: a; b']);
    if (nativeDisabled) return;
    calls.length = 0;
    const cpu = registerNativeBackends(registry, { ok: true, addon: requireAddon(), path: 'x' }, { threads: 1 });
    expect(cpu?.name).toBe('cpu');
    // Only cpu: the GPU library is opened when cuda is asked for (registerCudaBackend, test/native/cudaBackend.test.ts).
    expect(calls).toEqual([expect.stringMatching(/^register cpu .+, 1 thread$/)]);
    calls.length = 0;
    registerNativeBackends(registry, { ok: true, addon: requireAddon(), path: 'x' }, { threads: -3 });
    expect(calls[0]).toMatch(/^unavailable cpu: x: cpu backend threads must be an integer from 0/);
  });
});

describe.skipIf(nativeDisabled)('the cpu backend', () => {
  const addon = nativeDisabled ? null! : requireAddon();
  const cpu = nativeDisabled ? null! : createCpuBackend(addon.cpu).backend;
  const seed = testSeed('cpu backend');

  it('is registered and preferred by auto over the reference', async () => {
    await initBackends();
    expect(backendNotice('auto')).toBeNull();
    const status = backendStatuses().find((s) => s.name === 'cpu');
    expect(status).toMatchObject({ name: 'cpu', available: true });
    expect(status?.detail).toMatch(/thread/);
    // auto prefers cuda where a GPU is (FP4LAB_EXPECT_GPU=1 machines), else cpu.
    const cudaAvailable = backendStatuses().find((s) => s.name === 'cuda')?.available;
    expect(cudaAvailable).toBe(process.env.FP4LAB_EXPECT_GPU === '1');
    expect(getBackend('auto').name).toBe(cudaAvailable ? 'cuda' : 'cpu');
    expect(getBackend('pytorch').name).toBe('reference');
  });

  it('quantize, dequantize and matmul through the Backend interface equal the reference', async () => {
    const rng = rngFrom(seed);
    const x = edgeMatrix(rng, 100, 200, 'bfloat16');
    const kwargs: QuantizeKwargs = { fp4_format: 'nvfp4', scale_rule: 'mse', block_scale_2d: false, had: 16, round_style: 'stochastic', seed: 3, transpose: true };
    const ours = await cpu.quantize(x, kwargs);
    const ref = await referenceBackend.quantize(x, kwargs);
    expect(quantizeDifference(ours, ref)).toBeNull();
    for (const options of [{}, { crop: false }, { applyNormconst: false }]) {
      const d = await cpu.dequantize(ours, options);
      const e = await referenceBackend.dequantize(ref, options);
      expect([d.rows, d.cols]).toEqual([e.rows, e.cols]);
      expect(firstDifference('dequantized', d.data, e.data)).toBeNull();
    }
    const b = quantizeToFp4(edgeMatrix(rng, 60, 100, 'bfloat16'), { scale_rule: 'always_6' });
    const a = quantizeToFp4(edgeMatrix(rng, 70, 100, 'bfloat16'), { scale_rule: 'always_6' });
    const p = await cpu.matmul(a, b, { out_dtype: 'bfloat16', out_shape: [70, 60] });
    const q = await referenceBackend.matmul(a, b, { out_dtype: 'bfloat16', out_shape: [70, 60] });
    expect([p.rows, p.cols, p.dtype]).toEqual([q.rows, q.cols, q.dtype]);
    expect(firstDifference('bits', p.bits!, q.bits!)).toBeNull();
  });

  it('refuses the same requests as the reference, with the same code and message', async () => {
    const { fine, cases } = refusedQuantizeRequests();
    for (const [m, kw] of cases) {
      const outcome = async (backend: Backend): Promise<string> => {
        try {
          await backend.quantize(m, kw as unknown as QuantizeKwargs);
          return 'resolved';
        } catch (e) {
          return isFp4Error(e) ? `${e.code}: ${e.message}` : `not an Fp4Error: ${String(e)}`;
        }
      };
      const ref = await outcome(referenceBackend);
      expect(ref).not.toBe('resolved');
      expect(await outcome(cpu), JSON.stringify(kw)).toBe(ref);
    }
    const a = quantizeToFp4(fine, {});
    const b = quantizeToFp4({ rows: 2, cols: 70, data: new Float32Array(140).fill(1), dtype: 'float32' }, {});
    await expect(cpu.matmul(a, b, { out_dtype: 'bfloat16' })).rejects.toThrow(/need the same number of columns \(K\)/);
    await expect(cpu.matmul(a, a, { out_dtype: 'bfloat16', out_shape: [129, 1] })).rejects.toThrow(/out_shape \[129, 1\] must be positive and at most the padded product \[128, 128\]/);
  });

  it('reports progress, increasing, ending at 1', async () => {
    const x = edgeMatrix(rngFrom(seed ^ 1), 512, 1024, 'bfloat16');
    const seen: number[] = [];
    await cpu.quantize(x, { scale_rule: 'mse' } as QuantizeKwargs, { onProgress: (f) => seen.push(f) });
    await new Promise((r) => setTimeout(r, 20)); // a late report from the kernel must not arrive after the 1
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]))).toBe(true);
    const a = quantizeToFp4(edgeMatrix(rngFrom(seed ^ 2), 300, 512, 'bfloat16'), {});
    const last: number[] = [];
    await cpu.matmul(a, a, { out_dtype: 'float32' }, { onProgress: (f) => last.push(f) });
    await new Promise((r) => setTimeout(r, 20));
    expect(last.at(-1)).toBe(1);
  });

  it('stops when the AbortSignal fires: CANCELLED mid-run, AbortError before the start (as the reference)', async () => {
    const x: Matrix = { rows: 2048, cols: 4096, data: new Float32Array(2048 * 4096).fill(0.5), dtype: 'bfloat16' };
    const controller = new AbortController();
    // Aborted at its first progress report, i.e. while the kernel runs (a 256-point rotation makes it run long enough).
    const run = cpu.quantize(x, { had: 256, scale_rule: 'mse' } as unknown as QuantizeKwargs, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED', message: 'quantize was cancelled' });

    const aborted = AbortSignal.abort();
    const refError = await referenceBackend.quantize(x, {} as QuantizeKwargs, { signal: aborted }).catch((e: Error) => e.name);
    await expect(cpu.quantize(x, {} as QuantizeKwargs, { signal: aborted })).rejects.toMatchObject({ name: refError });
    const a = await cpu.quantize(x, {} as QuantizeKwargs);
    const c2 = new AbortController();
    const mm = cpu.matmul(a, a, { out_dtype: 'bfloat16' }, { signal: c2.signal, onProgress: () => c2.abort() });
    await expect(mm).rejects.toMatchObject({ code: 'CANCELLED', message: 'gemm was cancelled' });
  });

  it('rejects an isa this CPU lacks and bad thread counts when created', () => {
    expect(() => createCpuBackend(addon.cpu, { isa: 'sse' as never })).toThrow(/isa must be one of auto, portable, avx2, avx512, avx512_bf16; got "sse"/);
    expect(() => createCpuBackend(addon.cpu, { threads: 1.5 })).toThrow(/threads must be an integer from 0 \(every core\) to 1024/);
    const info = addon.cpu.info();
    expect(createCpuBackend(addon.cpu, { isa: 'portable', threads: 3 }).detail).toMatch(/^portable kernels \(forced; this CPU has .+\), 3 threads$/);
    expect(createCpuBackend(addon.cpu, { threads: 1 }).detail).toBe(`${info.description.split(',')[0]} (${info.isa}), 1 thread`);
    if (!info.isas.includes('avx512_bf16')) expect(() => createCpuBackend(addon.cpu, { isa: 'avx512_bf16' })).toThrow(/this CPU supports/);
  });
});

describe('without the native addon', () => {
  it('the CLI runs on the reference backend and notes why on stderr (JSON on stdout stays clean)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-fallback-'));
    try {
      const input = join(goldenDir(), 'x11_randn_100x200.safetensors');
      const env = { FP4LAB_NATIVE: 'off', FP4LAB_CUDA: 'off' };
      const auto = runFp4lab(['quantize', input, '--tensor', 'x', '-o', join(dir, 'q.safetensors'), '--json'], { env });
      expect(auto.status).toBe(0);
      expect(auto.stderr).toBe('fp4lab: note: the native CPU backend is unavailable (disabled by FP4LAB_NATIVE=off); using the reference backend, which gives the same numbers but is much slower\n');
      expect(JSON.parse(auto.stdout).backend).toBe('reference');
      const named = runFp4lab(['quantize', input, '--tensor', 'x', '-o', join(dir, 'q2.safetensors'), '--json', '--backend', 'reference'], { env });
      expect(named.status).toBe(0);
      expect(named.stderr).toBe('');
      const withNative = runFp4lab(['quantize', input, '--tensor', 'x', '-o', join(dir, 'q3.safetensors'), '--json'], { env: { FP4LAB_CUDA: 'off' } });
      expect(withNative.stderr).toBe('');
      expect(JSON.parse(withNative.stdout).backend).toBe(nativeDisabled ? 'reference' : 'cpu');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('auto runs on the reference backend and the notice says why', async () => {
    // A fresh module graph with the addon disabled, as on a machine where the build failed.
    const { vi } = await import('vitest');
    vi.resetModules();
    const before = process.env.FP4LAB_NATIVE;
    process.env.FP4LAB_NATIVE = 'off';
    try {
      const backends = await import('../../main/compute/backends');
      await backends.initBackends();
      expect(backends.getBackend('auto').name).toBe('reference');
      expect(backends.backendNotice('auto')).toBe('the native CPU backend is unavailable (disabled by FP4LAB_NATIVE=off); using the reference backend, which gives the same numbers but is much slower');
      expect(backends.backendNotice('reference')).toBeNull();
      expect(() => backends.getBackend('cpu')).toThrow("backend 'cpu' is unavailable: disabled by FP4LAB_NATIVE=off");
    } finally {
      if (before === undefined) delete process.env.FP4LAB_NATIVE;
      else process.env.FP4LAB_NATIVE = before;
      vi.resetModules();
    }
  });
});

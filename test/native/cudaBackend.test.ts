import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBackendName } from '../../app/backends/selection';
import { isFp4Error } from '../../app/errors';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { Matrix } from '../../app/tensors/matrix';
import { backendStatuses, getBackend, initBackends } from '../../main/compute/backends';
import { createCpuBackend } from '../../main/compute/cpuBackend';
import { createCudaBackend, cudaBackendDetail } from '../../main/compute/cudaBackend';
import { cudaLibraryCandidates, loadCudaLibrary, nativeAddon, type NativeCudaDeviceInfo } from '../../main/compute/nativeAddon';
import { runFp4lab } from '../helpers/cli';
import { goldenPath, loadGoldenManifest } from '../golden/goldenCases';
import { cudaParityChecks } from './cudaParity';
import { edgeMatrix, garbageArgument, nativeDisabled, requireAddon, rngFrom, testSeed } from './nativeKit';

// The `cuda` backend (main/compute/cudaBackend.ts over native/binding/cuda_binding.cc). Two modes:
// - everywhere (CI has nvcc but no GPU): the addon loads, cuda is unavailable with the reason
//   (library not built / no driver / no device), the CLI says so in one line and exits 1, and
//   the binding's argument checks and error mapping work without a device;
// - FP4LAB_EXPECT_GPU=1 (set on a GPU machine only): cuda must be available, and the parity
//   suite (test/native/cudaParity.ts, shared with the standalone runner) runs against the reference.
const expectGpu = process.env.FP4LAB_EXPECT_GPU === '1';

/** Why cuda is unavailable on a machine without a GPU: the library is not built, or there is no driver / device. */
const NO_GPU_REASON = /^(NO_DRIVER|NO_DEVICE): .{10,}$|^the CUDA library is not built \(looked for .+; run npm run build:cuda, which needs nvcc\)$/;

const H100: NativeCudaDeviceInfo = {
  name: 'NVIDIA H100 80GB HBM3',
  device: 0,
  ccMajor: 9,
  ccMinor: 0,
  multiprocessors: 132,
  globalMemoryBytes: 85_031_714_816,
  driverVersion: 13000,
  runtimeVersion: 13000,
  cublasltVersion: 130000,
  gemmPaths: ['wgmma_sm90', 'cublaslt_bf16'],
  gemmPathsUnverified: [],
  defaultGemmPath: 'wgmma_sm90',
  detail: 'NVIDIA H100 80GB HBM3 (sm_90, 132 SMs), fp4 GEMM: dequantize to bf16 + wgmma tensor cores (exact epilogue)',
};

function libraryBuilt(): boolean {
  const load = nativeAddon();
  return load.ok && cudaLibraryCandidates(load.path).some((p) => existsSync(p));
}

// One mode or the other, never a skipped suite.
if (!expectGpu) describe('the cuda backend on a machine without a GPU', () => {
  it('the loader says why the library cannot be used: not built, not the library, disabled, not this platform', () => {
    const load = nativeAddon();
    if (!load.ok) {
      expect(nativeDisabled).toBe(true);
      expect(loadCudaLibrary(load)).toEqual({ ok: false, reason: 'disabled by FP4LAB_NATIVE=' + process.env.FP4LAB_NATIVE });
      return;
    }
    expect(loadCudaLibrary(load, { FP4LAB_CUDA_LIBRARY: '/nonexistent/libfp4lab_cuda.so' })).toEqual({
      ok: false,
      reason: 'the CUDA library is not built (looked for /nonexistent/libfp4lab_cuda.so; run npm run build:cuda, which needs nvcc)',
    });
    // Any shared library that is not ours (the addon itself), before the real one is loaded in this process.
    expect(loadCudaLibrary(load, { FP4LAB_CUDA_LIBRARY: load.path })).toEqual({ ok: false, reason: `${load.path} is not a libfp4lab_cuda build (it exports no fp4lab_cuda_abi_version)` });
    expect(loadCudaLibrary(load, { FP4LAB_CUDA: 'off' })).toEqual({ ok: false, reason: 'disabled by FP4LAB_CUDA=off' });
    expect(loadCudaLibrary(load, {}, 'darwin')).toEqual({ ok: false, reason: 'CUDA does not run on darwin' });
    expect(loadCudaLibrary({ ok: false, reasons: ['a', 'b'] })).toEqual({ ok: false, reason: 'a; b' });
    // Beside the addon's Release folder first, also inside an unpacked asar.
    const packaged = '/opt/FP4 Lab/resources/app.asar.unpacked/native/build/Release/fp4lab.node';
    expect(cudaLibraryCandidates(packaged, {}, 'linux')[0]).toBe('/opt/FP4 Lab/resources/app.asar.unpacked/native/build/cuda/libfp4lab_cuda.so');
    expect(cudaLibraryCandidates(packaged, {}, 'darwin')).toEqual([]);
  });

  it('the addon loads with its cuda part, and cuda is unavailable with a reason naming the missing library, driver or device', async () => {
    await initBackends();
    const status = backendStatuses().find((s) => s.name === 'cuda');
    expect(status?.available).toBe(false);
    console.log(`cuda: ${status?.reason}`);
    if (nativeDisabled) {
      expect(status?.reason).toBe('disabled by FP4LAB_NATIVE=' + process.env.FP4LAB_NATIVE);
      return;
    }
    const addon = requireAddon();
    expect(typeof addon.cuda?.load).toBe('function');
    expect(addon.cuda?.abiVersion).toBe(1);
    expect(status?.reason).toMatch(NO_GPU_REASON);
    if (libraryBuilt()) expect(status?.reason).toMatch(/^(NO_DRIVER|NO_DEVICE): /);
    expect(getBackend('auto').name).toBe('cpu');
    for (const word of ['cuda', 'cutlass', 'gpu']) {
      expect(() => getBackend(word)).toThrow(`backend '${word}' is unavailable: ${status?.reason}`);
    }
  });

  it('the binding checks arguments without a device, and a call without one rejects with BACKEND_UNAVAILABLE and the reason', async () => {
    if (nativeDisabled) return;
    const raw = requireAddon().cuda!;
    const x = new Float32Array(6).fill(1);
    const out = { e2m1: new Uint8Array(4096), sf: new Uint8Array(512) };
    const params = { fp4_format: 'nvfp4', scale_rule: 'abs_max' } as const;
    if (!libraryBuilt()) {
      // Nothing loaded: every call says so.
      expect(() => raw.quantize(x, 2, 3, params, out)).toThrow('cuda.quantize: the CUDA library is not loaded (cuda.load(path) first)');
      return;
    }
    await initBackends('cuda'); // loads the library (the probe then fails)
    expect(() => raw.quantize(new Float64Array(6) as never, 2, 3, params, out)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'INVALID_ARGUMENT', message: 'cuda.quantize: x must be a Float32Array; got Float64Array' }));
    expect(() => raw.quantize(x, 2, 3, params, { ...out, sf: new Uint8Array(3) })).toThrow(expect.objectContaining({ name: 'RangeError', message: 'cuda.quantize: out.sf has 3 elements; the shapes need 512' }));
    expect(() => raw.probe(-1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'INVALID_ARGUMENT' }));
    expect(() => raw.load('libfp4lab_cuda.so')).toThrow("cuda.load: path must be absolute; got 'libfp4lab_cuda.so'"); // no library-path search
    await expect(raw.quantize(x, 2, 3, params, out)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/^cuda\.quantize: (NO_DRIVER|NO_DEVICE): .{10,}/) });

    // The Backend over it maps the codes to Fp4Errors; what runs on the host runs on the host backend.
    const cpu = createCpuBackend(requireAddon().cpu).backend;
    const { backend, detail } = createCudaBackend(raw, H100, cpu);
    expect(detail).toBe(cudaBackendDetail(H100, 'cpu'));
    const m: Matrix = edgeMatrix(rngFrom(testSeed('cuda backend without a GPU')), 40, 70, 'bfloat16');
    const e = await backend.quantize(m, {} as never).catch((err: unknown) => err);
    expect(isFp4Error(e) && e.code).toBe('BACKEND_UNAVAILABLE');
    expect((e as Error).message).toMatch(/^cuda\.quantize: (NO_DRIVER|NO_DEVICE): /);
    const q = quantizeToFp4(m, {});
    await expect(backend.dequantize(q)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/^cuda\.dequantize: /) });
    await expect(backend.matmul(q, q, { out_dtype: 'bfloat16' })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/^cuda\.gemm: /) });
    expect(await backend.matmulHighPrecision(m, m)).toEqual(await cpu.matmulHighPrecision(m, m));
    expect(typeof backend.reduceSide).toBe('function');
    expect(typeof backend.pool).toBe('function');
    expect(typeof backend.poolMany).toBe('function');
    expect(typeof backend.pairMetrics).toBe('function');
  });

  it('garbage arguments (seeded) to every cuda function never crash the process', async () => {
    if (nativeDisabled) return;
    await initBackends('cuda');
    const raw = requireAddon().cuda! as unknown as Record<string, (...args: unknown[]) => unknown>;
    const rng = rngFrom(testSeed('cuda binding garbage arguments'));
    const names = ['load', 'probe', 'quantize', 'dequantize', 'gemm'];
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const args = Array.from({ length: Math.floor(rng() * 7) }, () => garbageArgument(rng));
      try {
        await raw[names[Math.floor(rng() * names.length)]](...args);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as { code?: string }).code).toMatch(/^(INVALID_ARGUMENT|BACKEND_UNAVAILABLE)$/);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });

  it('the status detail names the device, compute capability and GEMM path, and flags the unverified FP4 tensor-core path', () => {
    expect(cudaBackendDetail(H100, 'cpu')).toBe(
      'NVIDIA H100 80GB HBM3, compute capability 9.0 (sm_90, 132 SMs, 79 GiB), GEMM: dequantize to bf16 + wgmma tensor cores (Hopper), exact epilogue; high-precision matmul and analysis passes on cpu',
    );
    const b200: NativeCudaDeviceInfo = { ...H100, name: 'NVIDIA B200', ccMajor: 10, ccMinor: 0, multiprocessors: 148, gemmPaths: ['cublaslt_bf16', 'cublaslt_fp4'], gemmPathsUnverified: ['cublaslt_fp4'], defaultGemmPath: 'cublaslt_fp4' };
    expect(cudaBackendDetail(b200, 'cpu')).toMatch(/^NVIDIA B200, compute capability 10\.0 \(sm_100, 148 SMs, 79 GiB\), GEMM: cuBLASLt block-scaled FP4 tensor cores \(FP4 tensor-core path unverified at run time\);/);
    expect(cudaBackendDetail({ ...H100, defaultGemmPath: 'none', gemmPaths: [] }, 'reference')).toMatch(/no GPU GEMM path \(cuBLASLt could not be loaded\): matmul runs on reference; /);
  });

  it('`fp4lab quantize --backend cuda` exits 1 with the reason in one line; `--backend cutlass` is the same backend', () => {
    expect(parseBackendName('cutlass')).toBe('cuda');
    const reason = backendStatuses().find((s) => s.name === 'cuda')?.reason;
    const input = goldenPath(loadGoldenManifest().quantize[0].input);
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-cuda-cli-'));
    try {
      for (const word of ['cuda', 'cutlass']) {
        const r = runFp4lab(['quantize', input, '--tensor', 'x', '-o', join(dir, 'q.safetensors'), '--backend', word]);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`fp4lab: error: backend '${word}' is unavailable: ${reason}\n`);
        expect(existsSync(join(dir, 'q.safetensors'))).toBe(false);
      }
      const list = runFp4lab(['backends']);
      expect(list.status).toBe(0);
      expect(list.stdout).toContain(`cuda       unavailable: ${reason}\n`);
      expect(list.stdout).toMatch(/\nauto {7}-> (cpu|reference)\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

if (expectGpu) describe('the cuda backend on a GPU (FP4LAB_EXPECT_GPU=1): parity with the reference', () => {
  const seed = testSeed('cuda parity');
  const checks = cudaParityChecks({
    get cuda() {
      return getBackend('cuda');
    },
    get raw() {
      return requireAddon().cuda!;
    },
    statuses: backendStatuses,
    pick: getBackend,
    seed,
    log: (line) => console.log(line),
  });
  for (const check of checks) it(check.name, check.run, check.timeoutMs);

  it('`fp4lab quantize --backend cuda` writes the same bytes as --backend reference', () => {
    const input = goldenPath(loadGoldenManifest().quantize[0].input);
    const dir = mkdtempSync(join(tmpdir(), 'fp4lab-cuda-cli-'));
    try {
      const files = ['cuda', 'reference'].map((word) => {
        const out = join(dir, `${word}.safetensors`);
        const r = runFp4lab(['quantize', input, '--tensor', 'x', '--scale-rule', 'mse', '-o', out, '--backend', word]);
        expect(r.status, r.stderr).toBe(0);
        return readFileSync(out);
      });
      expect(files[0].equals(files[1])).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

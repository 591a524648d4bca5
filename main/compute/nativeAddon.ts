import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendName } from '../../app/backends/backend';
import { createCpuBackend, type CpuBackendOptions } from './cpuBackend';
import { createCudaBackend } from './cudaBackend';
import type { ErrorSums } from '../../app/analysis/metrics';

/**
 * The one place the native addon (native/build/Release/fp4lab.node) is loaded. It tries
 * every candidate path, keeps every reason a candidate failed (not built, built for another
 * Node/Electron ABI, a missing shared library, an ABI version mismatch), and hands the result
 * to the backend registry: the backends that work, and for the others a sentence the UI and
 * CLI show ("cpu: the native addon is not built: ...; the reference backend is used").
 * The GPU library (native/build/cuda/libfp4lab_cuda.so) is opened through the addon only when
 * the registry asks for the cuda backend (loadCudaLibrary), with the same kind of reasons.
 */

/** The addon's ABI (native/include/fp4lab.h FP4LAB_ABI_VERSION) this loader speaks. */
export const EXPECTED_ABI_VERSION = 4;

export type NativeIsa = 'auto' | 'portable' | 'avx2' | 'avx512' | 'avx512_bf16';

/** The `job` argument of every native kernel call. */
export interface NativeJob {
  threads?: number;
  isa?: NativeIsa;
  /** Set element 0 to non-zero to cancel (an AbortSignal does, see cpuBackend). */
  cancel?: Int32Array;
  onProgress?: (fraction: number) => void;
}

export interface NativePacked {
  fp4_format: 'nvfp4' | 'mxfp4';
  paddedRows: number;
  paddedCols: number;
  e2m1: Uint8Array;
  sf: Uint8Array;
  normconst: number;
}

export interface NativeQuantizeParams {
  fp4_format: 'nvfp4' | 'mxfp4';
  scale_rule: 'abs_max' | 'always_4' | 'always_6' | 'l1_norm' | 'mse';
  block_scale_2d?: boolean;
  transpose?: boolean;
  round_style?: 'nearest' | 'stochastic';
  seed?: number;
  input_dtype?: 'float32' | 'bfloat16' | 'float16';
  /** n*n Hadamard entries, row-major, already rounded to input_dtype. */
  had?: Float32Array;
}

export type NativeGemmKernel = 'portable_fp32' | 'avx2_fp32' | 'avx512_fp32' | 'avx512_bf16';

/** The running sums of app/analysis/metrics.ts, from a native pass. */
export type NativeErrorSums = ErrorSums;

export interface NativeCpuInfo {
  abiVersion: number;
  /** Best level of this CPU; `isas` lists every level it can be forced to. */
  isa: Exclude<NativeIsa, 'auto'>;
  isas: Exclude<NativeIsa, 'auto'>[];
  hardwareThreads: number;
  description: string;
}

export type NativeField =
  | { kind: 'f32'; rows: number; cols: number; data: Float32Array; stride: number }
  | { kind: 'u8'; rows: number; cols: number; data: Uint8Array; stride: number }
  | { kind: 'pair'; rows: number; cols: number; ref: Float32Array; refStride: number; approx: Float32Array; approxStride: number; view: 'reference' | 'approximation' | 'signed' | 'abs' | 'rel'; relFloor: number };
export type NativeWindow = { r0: number; r1: number; c0: number; c1: number };
export type NativeReduce = 'max' | 'min' | 'mean' | 'max_abs' | 'extreme';

/** The addon's `cpu` part (native/binding/cpu_binding.cc). Outputs are caller-allocated. */
export interface NativeCpu {
  info(): NativeCpuInfo;
  quantize(
    x: Float32Array,
    rows: number,
    cols: number,
    params: NativeQuantizeParams,
    out: { e2m1: Uint8Array; sf: Uint8Array; blockScales?: Float32Array; blockSelection?: Uint8Array },
    job?: NativeJob,
  ): Promise<{ normconst: number }>;
  dequantize(packed: NativePacked, options: { applyNormconst: boolean; outRows: number; outCols: number }, out: Float32Array, job?: NativeJob): Promise<void>;
  gemm(
    a: NativePacked,
    b: NativePacked,
    params: { out_dtype: 'bfloat16' | 'float16' | 'float32'; outRows: number; outCols: number },
    out: { values: Float32Array; bits?: Uint16Array },
    job?: NativeJob,
  ): Promise<{ kernel: NativeGemmKernel }>;
  /** The high-precision product a @ b.T of fp32 matrices (a: aRows x k, b: bRows x k). */
  matmulF32(a: Float32Array, aRows: number, b: Float32Array, bRows: number, k: number, out: Float32Array, job?: NativeJob): Promise<{ kernel: NativeGemmKernel }>;
  /** app/analysis/sideReductions.ts in one native pass; the metrics come back as the accumulator's sums. */
  reduceSide(
    input: {
      ref: Float32Array;
      refStride: number;
      approx: Float32Array;
      approxStride: number;
      rows: number;
      cols: number;
      blockSize: number;
      blockScales: Float32Array;
      scaleStride: number;
      histogramLo: number;
      histogramHi: number;
      histogramBins: number;
      blockSelection?: Uint8Array;
      /** Log-bin thresholds (app/analysis/logBins.ts); their counts come back in scaleCounts / mseCounts. */
      scaleBins?: Float32Array;
      mseBins?: Float32Array;
    },
    out: { blockMse: Float32Array; blockMaxAbs: Float32Array; histogram: Float64Array; scaleCounts?: Float64Array; mseCounts?: Float64Array },
    job?: NativeJob,
  ): Promise<{ sums: NativeErrorSums; amax: number; choosing4?: number }>;
  /** app/analysis/metrics.ts pairMetrics as running sums (one memory-bound pass, no block maps). */
  metricSums(input: { ref: Float32Array; refStride: number; approx: Float32Array; approxStride: number; rows: number; cols: number }, job?: NativeJob): Promise<NativeErrorSums>;
  /** app/analysis/pooling.ts poolField over a raw field. */
  pool(field: NativeField, window: NativeWindow, outRows: number, outCols: number, reduce: NativeReduce, out: Float32Array, job?: NativeJob): Promise<void>;
  /** pool for several fields of one shape over one window, in one pass. */
  poolMany(requests: { field: NativeField; reduce: NativeReduce; out: Float32Array }[], window: NativeWindow, outRows: number, outCols: number, job?: NativeJob): Promise<void>;
  swizzleScales(rowMajor: Uint8Array, rows: number, scaleCols: number, out: Uint8Array): void;
  unswizzleScales(blocked: Uint8Array, rows: number, scaleCols: number, out: Uint8Array): void;
}

/** A packed operand as the cuda part takes it: also the logical shape (the library crops with it). */
export interface NativeCudaPacked extends NativePacked {
  rows: number;
  cols: number;
}

export type NativeCudaGemmPath = 'wgmma_sm90' | 'cublaslt_bf16' | 'cublaslt_fp4' | 'cutlass_fp4';

/** fp4lab_cuda_device_info (native/include/fp4lab_cuda.h) as the binding returns it. */
export interface NativeCudaDeviceInfo {
  name: string;
  device: number;
  ccMajor: number;
  ccMinor: number;
  multiprocessors: number;
  globalMemoryBytes: number;
  driverVersion: number;
  runtimeVersion: number;
  /** 0 when libcublasLt could not be loaded. */
  cublasltVersion: number;
  gemmPaths: NativeCudaGemmPath[];
  /** Paths never run on real hardware by our tests (the Blackwell FP4 ones). */
  gemmPathsUnverified: NativeCudaGemmPath[];
  defaultGemmPath: NativeCudaGemmPath | 'none';
  /** The library's own sentence about the device and its GEMM path. */
  detail: string;
}

/** fp4lab_cuda_status_name's words. */
export type NativeCudaStatus = 'OK' | 'NO_DRIVER' | 'NO_DEVICE' | 'UNSUPPORTED_ARCH' | 'INVALID_ARGUMENT' | 'CUDA_OOM' | 'NON_FINITE' | 'UNAVAILABLE' | 'CANCELLED' | 'CUDA_ERROR';

/**
 * The addon's `cuda` part (native/binding/cuda_binding.cc): libfp4lab_cuda opened at run time by
 * `load`; every other function throws BACKEND_UNAVAILABLE until it is. Outputs are caller-allocated.
 * Rejections carry code INVALID_ARGUMENT, NON_FINITE, CUDA_OOM, CANCELLED or BACKEND_UNAVAILABLE.
 */
export interface NativeCuda {
  /** FP4LAB_CUDA_ABI_VERSION the addon was built against. */
  abiVersion: number;
  load(path: string): { ok: true; path: string; abiVersion: number; buildArchs: string } | { ok: false; reason: string };
  probe(device?: number): { status: NativeCudaStatus; message: string; info?: NativeCudaDeviceInfo };
  quantize(
    x: Float32Array,
    rows: number,
    cols: number,
    params: NativeQuantizeParams,
    out: { e2m1: Uint8Array; sf: Uint8Array; blockScales?: Float32Array; blockSelection?: Uint8Array },
    job?: NativeJob,
  ): Promise<{ normconst: number; amax: number }>;
  dequantize(packed: NativeCudaPacked, options: { applyNormconst: boolean; crop: boolean }, out: Float32Array, job?: NativeJob): Promise<void>;
  /** bf16/fp16: `bits` are the output and `values` their exact fp32; float32: `values` only. */
  gemm(
    a: NativeCudaPacked,
    b: NativeCudaPacked,
    params: { out_dtype: 'bfloat16' | 'float16' | 'float32'; outRows: number; outCols: number },
    out: { values: Float32Array; bits?: Uint16Array },
    job?: NativeJob,
  ): Promise<void>;
}

export interface NativeAddon {
  abiVersion: number;
  cpu: NativeCpu;
  /**
   * The GPU part: built next to `cpu` on the same helpers (args.h, kernel_job.h); it opens
   * libfp4lab_cuda only when asked (registerCudaBackend), so a machine without CUDA still loads
   * the addon. Absent in an addon built before it existed.
   */
  cuda?: NativeCuda;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reasons: string[] };

const ADDON_RELATIVE_PATH = join('native', 'build', 'Release', 'fp4lab.node');

/**
 * Where the package's files may be: from source (main/compute/ is two levels down), from the
 * bundle (dist/electron/, two), a standalone bundle (one), or unpacked beside an asar
 * (electron-builder.yml's asarUnpack) — native code cannot be loaded from inside an asar.
 */
function packageRoots(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const roots = [resolve(here, '..', '..'), resolve(here, '..'), resolve(here, '..', '..', '..')];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) roots.push(join(resourcesPath, 'app.asar.unpacked'));
  return roots.map((root) => root.replace(/app\.asar(?!\.unpacked)/, 'app.asar.unpacked'));
}

/** Where the addon may be: $FP4LAB_NATIVE_ADDON, else native/build/Release under a package root. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.FP4LAB_NATIVE_ADDON) return [resolve(env.FP4LAB_NATIVE_ADDON)];
  return [...new Set(packageRoots().map((root) => join(root, ADDON_RELATIVE_PATH)))];
}

/** libfp4lab_cuda's file name on this platform (scripts/build-cuda.mjs), or null where CUDA does not run. */
export function cudaLibraryName(platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'linux') return 'libfp4lab_cuda.so';
  if (platform === 'win32') return 'fp4lab_cuda.dll';
  return null;
}

/**
 * Where libfp4lab_cuda may be: $FP4LAB_CUDA_LIBRARY, else native/build/cuda beside the loaded
 * addon's native/build/Release (also inside app.asar.unpacked), else under a package root.
 */
export function cudaLibraryCandidates(addonPath: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  if (env.FP4LAB_CUDA_LIBRARY) return [resolve(env.FP4LAB_CUDA_LIBRARY)];
  const name = cudaLibraryName(platform);
  if (!name) return [];
  const beside = join(dirname(resolve(addonPath)), '..', 'cuda', name);
  return [...new Set([beside, ...packageRoots().map((root) => join(root, 'native', 'build', 'cuda', name))])];
}

export type CudaLoad = { ok: true; cuda: NativeCuda; path: string; buildArchs: string; info: NativeCudaDeviceInfo } | { ok: false; reason: string };

/**
 * Open libfp4lab_cuda through the addon and probe device 0. Each failure is one sentence: the
 * addon did not load or has no CUDA part, the library is not built (or not for this platform),
 * could not be loaded or speaks another ABI, or the probe's status (NO_DRIVER, NO_DEVICE,
 * UNSUPPORTED_ARCH with the compute capability, ...) with the library's reason.
 */
export function loadCudaLibrary(load: AddonLoad, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): CudaLoad {
  if (!load.ok) return { ok: false, reason: load.reasons.join('; ') };
  if (env.FP4LAB_CUDA === 'off' || env.FP4LAB_CUDA === '0') return { ok: false, reason: `disabled by FP4LAB_CUDA=${env.FP4LAB_CUDA}` };
  const cuda = load.addon.cuda;
  if (typeof cuda?.load !== 'function') return { ok: false, reason: `${load.path} has no CUDA part (rebuild it: npm run build:native)` };
  const candidates = cudaLibraryCandidates(load.path, env, platform);
  if (candidates.length === 0) return { ok: false, reason: `CUDA does not run on ${platform}` };
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { ok: false, reason: `the CUDA library is not built (looked for ${candidates.join(', ')}; run npm run build:cuda, which needs nvcc)` };
  const opened = cuda.load(path);
  if (!opened.ok) return { ok: false, reason: opened.reason };
  const probe = cuda.probe(0);
  if (probe.status !== 'OK' || !probe.info) {
    const device = probe.info ? ` (${probe.info.name}, compute capability ${probe.info.ccMajor}.${probe.info.ccMinor})` : '';
    return { ok: false, reason: `${probe.status}: ${probe.message}${device}` };
  }
  return { ok: true, cuda, path: opened.path, buildArchs: opened.buildArchs, info: probe.info };
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Try each candidate in order; collect why each one could not be used. */
export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (env.FP4LAB_NATIVE === 'off' || env.FP4LAB_NATIVE === '0') {
    return { ok: false, reasons: ['disabled by FP4LAB_NATIVE=' + env.FP4LAB_NATIVE] };
  }
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  const missing: string[] = [];
  for (const path of addonCandidates(env)) {
    if (!existsSync(path)) {
      missing.push(path);
      continue;
    }
    try {
      const addon = require(path) as NativeAddon;
      if (addon.abiVersion !== EXPECTED_ABI_VERSION || typeof addon.cpu?.quantize !== 'function') {
        reasons.push(`${path} speaks ABI version ${String(addon.abiVersion)}, this app expects ${EXPECTED_ABI_VERSION} (rebuild it: npm run build:native)`);
        continue;
      }
      return { ok: true, addon, path };
    } catch (e) {
      // e.g. "was compiled against a different Node.js version", "undefined symbol", a missing .so
      reasons.push(`${path} failed to load: ${errorText(e)} (rebuild it: npm run build:native)`);
    }
  }
  if (reasons.length === 0) reasons.push(`the native addon is not built (looked for ${missing.join(', ')}; run npm run build:native)`);
  return { ok: false, reasons };
}

let cached: AddonLoad | undefined;

/** loadNativeAddon() once per process. */
export function nativeAddon(): AddonLoad {
  cached ??= loadNativeAddon();
  return cached;
}

/** CPU backend settings from the environment: FP4LAB_CPU_THREADS (0 = every core), FP4LAB_CPU_ISA. */
export function cpuOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CpuBackendOptions {
  const options: CpuBackendOptions = {};
  if (env.FP4LAB_CPU_THREADS) options.threads = Number(env.FP4LAB_CPU_THREADS);
  if (env.FP4LAB_CPU_ISA) options.isa = env.FP4LAB_CPU_ISA as NativeIsa;
  return options;
}

export interface BackendRegistry {
  registerBackend(backend: Backend, detail?: string): void;
  markBackendUnavailable(name: BackendName, reason: string): void;
}

/**
 * Register the addon's `cpu` backend (loading the addon once); whatever cannot be provided is
 * marked unavailable with the reasons — also `cuda` when there is no addon at all. The GPU
 * backend is registered separately (registerCudaBackend), only when it is asked for.
 * Returns the cpu backend when it was registered.
 */
export function registerNativeBackends(registry: BackendRegistry, load: AddonLoad = nativeAddon(), options: CpuBackendOptions = cpuOptionsFromEnv()): Backend | undefined {
  if (!load.ok) {
    const reason = load.reasons.join('; ');
    registry.markBackendUnavailable('cpu', reason);
    registry.markBackendUnavailable('cuda', reason);
    return undefined;
  }
  try {
    const backend = createCpuBackend(load.addon.cpu, options);
    registry.registerBackend(backend.backend, backend.detail);
    return backend.backend;
  } catch (e) {
    registry.markBackendUnavailable('cpu', `${load.path}: ${errorText(e)}`);
    return undefined;
  }
}

/**
 * Open the GPU library and register the `cuda` backend, or mark it unavailable with the reason
 * (library not built, no driver, no device, compute capability). `host` runs what the library
 * has no kernel for (cudaBackend.ts says which): the cpu backend, else the reference.
 */
export function registerCudaBackend(registry: BackendRegistry, host: Backend, load: AddonLoad = nativeAddon(), env: NodeJS.ProcessEnv = process.env): void {
  const opened = loadCudaLibrary(load, env);
  if (!opened.ok) {
    registry.markBackendUnavailable('cuda', opened.reason);
    return;
  }
  try {
    const backend = createCudaBackend(opened.cuda, opened.info, host);
    registry.registerBackend(backend.backend, backend.detail);
  } catch (e) {
    registry.markBackendUnavailable('cuda', `${opened.path}: ${errorText(e)}`);
  }
}

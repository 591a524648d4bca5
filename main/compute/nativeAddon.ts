import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendName } from '../../app/backends/backend';
import { createCpuBackend, type CpuBackendOptions } from './cpuBackend';

/**
 * The one place the native addon (native/build/Release/fp4lab.node) is loaded. It tries
 * every candidate path, keeps every reason a candidate failed (not built, built for another
 * Node/Electron ABI, a missing shared library, an ABI version mismatch), and hands the result
 * to the backend registry: the backends that work, and for the others a sentence the UI and
 * CLI show ("cpu: the native addon is not built: ...; the reference backend is used").
 */

/** The addon's ABI (native/include/fp4lab.h FP4LAB_ABI_VERSION) this loader speaks. */
export const EXPECTED_ABI_VERSION = 3;

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

/** ErrorMetricsAccumulator's running sums (app/analysis/metrics.ts), from a native pass. */
export interface NativeErrorSums {
  count: number;
  sumErr2: number;
  sumAbsErr: number;
  maxAbs: number;
  sumRef2: number;
  sumApprox2: number;
  sumDot: number;
}

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
  /** app/analysis/pooling.ts poolField over a raw field. */
  pool(field: NativeField, window: NativeWindow, outRows: number, outCols: number, reduce: NativeReduce, out: Float32Array, job?: NativeJob): Promise<void>;
  /** pool for several fields of one shape over one window, in one pass. */
  poolMany(requests: { field: NativeField; reduce: NativeReduce; out: Float32Array }[], window: NativeWindow, outRows: number, outCols: number, job?: NativeJob): Promise<void>;
  swizzleScales(rowMajor: Uint8Array, rows: number, scaleCols: number, out: Uint8Array): void;
  unswizzleScales(blocked: Uint8Array, rows: number, scaleCols: number, out: Uint8Array): void;
}

export interface NativeAddon {
  abiVersion: number;
  cpu: NativeCpu;
  /**
   * The GPU part, when the addon has one: native/binding builds it next to `cpu` on the same
   * helpers (args.h, kernel_job.h) and loads libfp4lab_cuda with dlopen on first use, so a
   * machine without CUDA still loads the addon. registerNativeBackends registers it.
   */
  cuda?: unknown;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reasons: string[] };

const ADDON_RELATIVE_PATH = join('native', 'build', 'Release', 'fp4lab.node');

/**
 * Where the addon may be: $FP4LAB_NATIVE_ADDON, else native/build/Release under the package root
 * — from source (main/compute/ is two levels down), from the bundle (dist/electron/, two), or
 * unpacked beside an asar (electron-builder.yml's asarUnpack).
 */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.FP4LAB_NATIVE_ADDON) return [resolve(env.FP4LAB_NATIVE_ADDON)];
  const here = dirname(fileURLToPath(import.meta.url));
  const roots = [resolve(here, '..', '..'), resolve(here, '..'), resolve(here, '..', '..', '..')];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) roots.push(join(resourcesPath, 'app.asar.unpacked'));
  return [...new Set(roots.map((root) => join(root.replace(/app\.asar(?!\.unpacked)/, 'app.asar.unpacked'), ADDON_RELATIVE_PATH)))];
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
 * Load the addon (once) and register what it provides: `cpu` (and, when the addon gains its
 * CUDA part, `cuda`). Whatever cannot be provided is marked unavailable with the reasons.
 */
export function registerNativeBackends(registry: BackendRegistry, load: AddonLoad = nativeAddon(), options: CpuBackendOptions = cpuOptionsFromEnv()): void {
  if (!load.ok) {
    const reason = load.reasons.join('; ');
    registry.markBackendUnavailable('cpu', reason);
    registry.markBackendUnavailable('cuda', reason);
    return;
  }
  try {
    const backend = createCpuBackend(load.addon.cpu, options);
    registry.registerBackend(backend.backend, backend.detail);
  } catch (e) {
    registry.markBackendUnavailable('cpu', `${load.path}: ${errorText(e)}`);
  }
  registry.markBackendUnavailable('cuda', 'this build of the native addon has no CUDA part');
}

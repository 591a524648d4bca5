import type { Backend, JobControl, MatmulOptions, MatmulProduct } from '../../app/backends/backend';
import { invalidArgument, type Fp4ErrorCode } from '../../app/errors';
import { planFp4Matmul } from '../../app/matmul/fp4Matmul';
import { checkOutDtype } from '../../app/matmul/outDtype';
import { checkQuantizedMatrix, type DequantizeOptions } from '../../app/quantize/dequantize';
import type { QuantizedMatrix, QuantizeResult } from '../../app/quantize/types';
import type { Matrix } from '../../app/tensors/matrix';
import type { NativeCuda, NativeCudaDeviceInfo, NativeCudaGemmPath, NativeCudaPacked, NativeJob } from './nativeAddon';
import { runNativeJob, uninitialized } from './nativeJob';
import { quantizeOnNative } from './nativeQuantize';

/**
 * The `cuda` backend: libfp4lab_cuda (native/cuda) through the addon's `cuda` part, behind
 * app/backends' Backend interface. Kwargs are resolved and checked by the same TypeScript the
 * reference uses, so a bad request fails with the same error on every backend; quantize and
 * dequantize are byte-identical to the reference, matmul equal up to fp32 accumulation order
 * (bit-equal bf16 on the golden set). Calls run on the addon's worker threads, report progress
 * and stop on the AbortSignal between the library's steps.
 *
 * What the library has no kernel for runs on `host` (the cpu backend, else the reference), on
 * the host arrays the caller already holds:
 * - matmulHighPrecision: the library's only non-FP4 GEMMs are bf16 (a benchmark diagnostic) and
 *   cuBLASLt, whose fp32 GEMM may use TF32 (10-bit mantissas). The high-precision product is the
 *   yardstick every FP4 error is measured against, so it must be true fp32; it stays on the host.
 * - reduceSide and pool: small passes over data that is on the host already (the analysis'
 *   device-side reductions, fp4lab_cuda_analyze_host, return a different result model; wiring
 *   them in is the analysis pipeline's job, not this backend's).
 */

const CUDA_CODES: Readonly<Record<string, Fp4ErrorCode>> = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NON_FINITE: 'NON_FINITE',
  CANCELLED: 'CANCELLED',
  CUDA_OOM: 'CUDA_OOM',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
};

function runJob<T>(control: JobControl | undefined, call: (job: NativeJob) => Promise<T>): Promise<T> {
  return runNativeJob(control, {}, CUDA_CODES, call);
}

function packedOf(q: QuantizedMatrix): NativeCudaPacked {
  return { fp4_format: q.fp4_format, rows: q.rows, cols: q.cols, paddedRows: q.paddedRows, paddedCols: q.paddedCols, e2m1: q.e2m1, sf: q.sf, normconst: q.normconst };
}

const GEMM_PATH_TEXT: Readonly<Record<NativeCudaGemmPath, string>> = {
  wgmma_sm90: 'GEMM: dequantize to bf16 + wgmma tensor cores (Hopper), exact epilogue',
  cublaslt_bf16: 'GEMM: dequantize to bf16 + cuBLASLt, exact epilogue',
  cublaslt_fp4: 'GEMM: cuBLASLt block-scaled FP4 tensor cores',
  cutlass_fp4: 'GEMM: CUTLASS block-scaled FP4 tensor cores',
};

/** The backend status line: device, compute capability, GEMM path, and what is unverified or on the host. */
export function cudaBackendDetail(info: NativeCudaDeviceInfo, hostName: string): string {
  const gib = (info.globalMemoryBytes / 2 ** 30).toFixed(0);
  const device = `${info.name}, compute capability ${info.ccMajor}.${info.ccMinor} (sm_${info.ccMajor}${info.ccMinor}, ${info.multiprocessors} SMs, ${gib} GiB)`;
  const path = info.defaultGemmPath;
  const gemm =
    path === 'none'
      ? `no GPU GEMM path (cuBLASLt could not be loaded): matmul runs on ${hostName}`
      : `${GEMM_PATH_TEXT[path]}${info.gemmPathsUnverified.includes(path) ? ' (FP4 tensor-core path unverified at run time)' : ''}`;
  return `${device}, ${gemm}; high-precision matmul and analysis passes on ${hostName}`;
}

export function createCudaBackend(cuda: NativeCuda, info: NativeCudaDeviceInfo, host: Backend): { backend: Backend; detail: string } {
  if (host.name === 'cuda') throw invalidArgument('the cuda backend needs a host backend (cpu or reference) for what runs on the host');
  const gemmOnDevice = info.defaultGemmPath !== 'none';

  const backend: Backend = {
    name: 'cuda',

    quantize(x, kwargsIn, control): Promise<QuantizeResult> {
      return quantizeOnNative(x, kwargsIn, control, (params, out, ctl) => runJob(ctl, (job) => cuda.quantize(x.data, x.rows, x.cols, params, out, job)));
    },

    async dequantize(q, options: DequantizeOptions = {}, control): Promise<Matrix> {
      checkQuantizedMatrix(q);
      const crop = options.crop ?? true;
      const [outRows, outCols] = crop ? [q.rows, q.cols] : [q.paddedRows, q.paddedCols];
      const data = uninitialized(Float32Array, outRows * outCols);
      await runJob(control, (job) => cuda.dequantize(packedOf(q), { applyNormconst: options.applyNormconst ?? true, crop }, data, job));
      return { rows: outRows, cols: outCols, data, dtype: 'float32' };
    },

    async matmul(a, b, options: MatmulOptions, control): Promise<MatmulProduct> {
      if (!gemmOnDevice) return host.matmul(a, b, options, control);
      const outDtype = checkOutDtype(options.out_dtype);
      if (a.fp4_format !== b.fp4_format) throw invalidArgument(`a is ${a.fp4_format} but b is ${b.fp4_format}; both sides need the same fp4_format`);
      const { outRows, outCols } = planFp4Matmul(a, b, options.out_shape);
      checkQuantizedMatrix(a);
      checkQuantizedMatrix(b);
      const values = uninitialized(Float32Array, outRows * outCols);
      const bits = outDtype === 'float32' ? null : uninitialized(Uint16Array, outRows * outCols);
      await runJob(control, (job) => cuda.gemm(packedOf(a), packedOf(b), { out_dtype: outDtype, outRows, outCols }, bits ? { values, bits } : { values }, job));
      return { rows: outRows, cols: outCols, dtype: outDtype, data: values, bits };
    },

    matmulHighPrecision: (a, b, control) => host.matmulHighPrecision(a, b, control),
    ...(host.reduceSide ? { reduceSide: host.reduceSide.bind(host) } : {}),
    ...(host.pairMetrics ? { pairMetrics: host.pairMetrics.bind(host) } : {}),
    ...(host.pool ? { pool: host.pool.bind(host) } : {}),
    ...(host.poolMany ? { poolMany: host.poolMany.bind(host) } : {}),
  };
  return { backend, detail: cudaBackendDetail(info, host.name) };
}

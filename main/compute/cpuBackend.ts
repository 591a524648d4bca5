import { errorMetricsFromSums, type ErrorMetrics } from '../../app/analysis/metrics';
import type { RawField } from '../../app/analysis/pooling';
import { BLOCK_MSE_LOG10_BINS, logBinGrid, SCALE_LOG2_BINS } from '../../app/analysis/logBins';
import type { SideReductions } from '../../app/analysis/sideReductions';
import { SCALED_HISTOGRAM } from '../../app/analysis/sideReductions';
import type { Backend, JobControl, MatmulOptions, MatmulProduct } from '../../app/backends/backend';
import { Fp4Error, invalidArgument, type Fp4ErrorCode } from '../../app/errors';
import { checkOutDtype } from '../../app/matmul/outDtype';
import { planFp4Matmul } from '../../app/matmul/fp4Matmul';
import { checkQuantizedMatrix, type DequantizeOptions } from '../../app/quantize/dequantize';
import type { QuantizedMatrix, QuantizeResult } from '../../app/quantize/types';
import type { Matrix } from '../../app/tensors/matrix';
import type { NativeCpu, NativeField, NativeIsa, NativeJob, NativePacked } from './nativeAddon';
import { runNativeJob, uninitialized } from './nativeJob';
import { quantizeOnNative } from './nativeQuantize';

/**
 * The `cpu` backend: the native kernels (native/cpu) behind app/backends' Backend interface.
 * Kwargs are resolved and checked by the same TypeScript the reference uses, so a bad request
 * fails with the same error on both; the numbers come from the addon, which runs on worker
 * threads (the JS thread never blocks), reports progress and stops on the AbortSignal.
 */
export interface CpuBackendOptions {
  /** Threads per call; 0 or absent = every core. */
  threads?: number;
  /** Force a lower instruction-set level (tests, benchmarks); default: the best this CPU has. */
  isa?: NativeIsa;
}

const ISAS: readonly NativeIsa[] = ['auto', 'portable', 'avx2', 'avx512', 'avx512_bf16'];

const NATIVE_CODES: Readonly<Record<string, Fp4ErrorCode>> = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NON_FINITE: 'NON_FINITE',
  CANCELLED: 'CANCELLED',
  OUT_OF_MEMORY: 'TOO_LARGE',
  UNSUPPORTED: 'UNSUPPORTED',
};

/** The job argument of one cpu call (threads, ISA, cancel flag, progress). */
function runJob<T>(options: CpuBackendOptions, control: JobControl | undefined, call: (job: NativeJob) => Promise<T>): Promise<T> {
  return runNativeJob(control, { threads: options.threads ?? 0, isa: options.isa ?? 'auto' }, NATIVE_CODES, call);
}

function nativeField(field: RawField, rows: number, cols: number): NativeField {
  if (field.kind === 'pair') {
    return { kind: 'pair', rows, cols, ref: field.ref, refStride: field.refStride, approx: field.approx, approxStride: field.approxStride, view: field.view, relFloor: field.relFloor };
  }
  return field.data instanceof Float32Array
    ? { kind: 'f32', rows, cols, data: field.data, stride: field.stride }
    : { kind: 'u8', rows, cols, data: field.data, stride: field.stride };
}

function packedOf(q: QuantizedMatrix): NativePacked {
  return { fp4_format: q.fp4_format, paddedRows: q.paddedRows, paddedCols: q.paddedCols, e2m1: q.e2m1, sf: q.sf, normconst: q.normconst };
}

export function createCpuBackend(cpu: NativeCpu, options: CpuBackendOptions = {}): { backend: Backend; detail: string } {
  if (options.isa !== undefined && !ISAS.includes(options.isa)) {
    throw invalidArgument(`cpu backend isa must be one of ${ISAS.join(', ')}; got ${JSON.stringify(options.isa)}`);
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 0 || options.threads > 1024)) {
    throw invalidArgument(`cpu backend threads must be an integer from 0 (every core) to 1024; got ${JSON.stringify(options.threads)}`);
  }
  const info = cpu.info();
  if (options.isa && options.isa !== 'auto' && !info.isas.includes(options.isa)) {
    throw new Fp4Error('UNSUPPORTED', `cpu backend isa '${options.isa}' was requested, but this CPU supports ${info.isas.join(', ')}`);
  }
  const forced = options.isa && options.isa !== 'auto' && options.isa !== info.isa ? options.isa : null;
  const threads = options.threads || info.hardwareThreads;
  const kernels = forced ? `${forced} kernels (forced; this CPU has ${info.description.split(',')[0]})` : `${info.description.split(',')[0]} (${info.isa})`;
  const detail = `${kernels}, ${threads} thread${threads === 1 ? '' : 's'}`;

  const backend: Backend = {
    name: 'cpu',

    quantize(x, kwargsIn, control): Promise<QuantizeResult> {
      return quantizeOnNative(x, kwargsIn, control, (params, out, ctl) => runJob(options, ctl, (job) => cpu.quantize(x.data, x.rows, x.cols, params, out, job)));
    },

    async dequantize(q, dequantizeOptions: DequantizeOptions = {}, control): Promise<Matrix> {
      checkQuantizedMatrix(q);
      const crop = dequantizeOptions.crop ?? true;
      const [outRows, outCols] = crop ? [q.rows, q.cols] : [q.paddedRows, q.paddedCols];
      const data = uninitialized(Float32Array, outRows * outCols);
      await runJob(options, control, (job) =>
        cpu.dequantize(packedOf(q), { applyNormconst: dequantizeOptions.applyNormconst ?? true, outRows, outCols }, data, job),
      );
      return { rows: outRows, cols: outCols, data, dtype: 'float32' };
    },

    async matmul(a, b, matmulOptions: MatmulOptions, control): Promise<MatmulProduct> {
      const outDtype = checkOutDtype(matmulOptions.out_dtype);
      if (a.fp4_format !== b.fp4_format) throw invalidArgument(`a is ${a.fp4_format} but b is ${b.fp4_format}; both sides need the same fp4_format`);
      const { outRows, outCols } = planFp4Matmul(a, b, matmulOptions.out_shape);
      checkQuantizedMatrix(a);
      checkQuantizedMatrix(b);
      const values = uninitialized(Float32Array, outRows * outCols);
      const bits = outDtype === 'float32' ? null : uninitialized(Uint16Array, outRows * outCols);
      await runJob(options, control, (job) =>
        cpu.gemm(packedOf(a), packedOf(b), { out_dtype: outDtype, outRows, outCols }, bits ? { values, bits } : { values }, job),
      );
      return { rows: outRows, cols: outCols, dtype: outDtype, data: values, bits };
    },

    async matmulHighPrecision(a: Matrix, b: Matrix, control): Promise<Float32Array> {
      if (a.cols !== b.cols) throw invalidArgument(`a @ b.T needs the same number of columns; got ${a.cols} and ${b.cols}`);
      if (a.rows * b.rows === 0 || a.cols === 0) {
        control?.signal?.throwIfAborted();
        return new Float32Array(a.rows * b.rows);
      }
      const out = uninitialized(Float32Array, a.rows * b.rows);
      await runJob(options, control, (job) => cpu.matmulF32(a.data, a.rows, b.data, b.rows, a.cols, out, job));
      return out;
    },

    async pairMetrics(pair, control): Promise<ErrorMetrics> {
      return errorMetricsFromSums(await runJob(options, control, (job) => cpu.metricSums(pair, job)));
    },

    async reduceSide(input, control): Promise<SideReductions> {
      const gridCols = Math.ceil(input.cols / input.blockSize);
      const blockMse = new Float32Array(input.rows * gridCols);
      const blockMaxAbs = new Float32Array(input.rows * gridCols);
      const histogram = new Float64Array(SCALED_HISTOGRAM.bins + 1);
      const scaleBins = logBinGrid(SCALE_LOG2_BINS).thresholds;
      const mseBins = logBinGrid(BLOCK_MSE_LOG10_BINS).thresholds;
      const scaleCounts = new Float64Array(scaleBins.length + 1);
      const mseCounts = new Float64Array(mseBins.length + 1);
      const { sums, amax, choosing4 } = await runJob(options, control, (job) =>
        cpu.reduceSide(
          { ...input, histogramLo: SCALED_HISTOGRAM.lo, histogramHi: SCALED_HISTOGRAM.hi, histogramBins: SCALED_HISTOGRAM.bins, scaleBins, mseBins },
          { blockMse, blockMaxAbs, histogram, scaleCounts, mseCounts },
          job,
        ),
      );
      return {
        metrics: errorMetricsFromSums(sums),
        amax,
        blockMse,
        blockMaxAbs,
        scaledCounts: Array.from(histogram.subarray(0, SCALED_HISTOGRAM.bins)),
        scaledOverflow: histogram[SCALED_HISTOGRAM.bins],
        choosing4: choosing4!,
        scaleLog2: { counts: scaleCounts.subarray(0, scaleBins.length), skipped: scaleCounts[scaleBins.length] },
        blockMseLog10: { counts: mseCounts.subarray(0, mseBins.length), skipped: mseCounts[mseBins.length] },
      };
    },

    async pool(field, rows, cols, window, outRows, outCols, reduce): Promise<Float32Array> {
      const out = new Float32Array(outRows * outCols);
      await runJob(options, undefined, (job) => cpu.pool(nativeField(field, rows, cols), window, outRows, outCols, reduce, out, job));
      return out;
    },

    async poolMany(requests, rows, cols, window, outRows, outCols): Promise<Float32Array[]> {
      const outs = requests.map(() => new Float32Array(outRows * outCols));
      await runJob(options, undefined, (job) =>
        cpu.poolMany(
          requests.map((r, i) => ({ field: nativeField(r.field, rows, cols), reduce: r.reduce, out: outs[i] })),
          window,
          outRows,
          outCols,
          job,
        ),
      );
      return outs;
    },
  };
  return { backend, detail };
}

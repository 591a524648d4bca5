import type { Fp4MatmulResult } from '../matmul/fp4Matmul';
import type { OutDType } from '../matmul/outDtype';
import type { DequantizeOptions } from '../quantize/dequantize';
import type { QuantizeKwargs } from '../quantize/kwargs';
import type { QuantizedMatrix, QuantizeResult } from '../quantize/types';
import type { Matrix } from '../tensors/matrix';
import type { PoolReduce, PoolRequest, PoolWindow, RawField } from '../analysis/pooling';
import type { SideReductionInput, SideReductions } from '../analysis/sideReductions';
import type { ErrorMetrics, MetricPair } from '../analysis/metrics';

/**
 * Where the numbers are computed (DESIGN.md "Backends"). Every backend gives the same
 * e2m1/sf/normconst bytes as `reference`; matmul agrees within fp32 accumulation order.
 */
export type BackendName = 'reference' | 'cpu' | 'cuda';

/** Names a user may type: the library's words map onto ours. */
export const BACKEND_ALIASES: Readonly<Record<string, BackendName | 'auto'>> = {
  auto: 'auto',
  reference: 'reference',
  pytorch: 'reference',
  cpu: 'cpu',
  cuda: 'cuda',
  cutlass: 'cuda',
  gpu: 'cuda',
};

/** Preference of `auto`, fastest first. */
export const AUTO_ORDER: readonly BackendName[] = ['cuda', 'cpu', 'reference'];

export interface BackendStatus {
  readonly name: BackendName;
  readonly available: boolean;
  /** Why it is unavailable (library not built, no device, ...), or a note (e.g. "unverified at run time"). */
  readonly reason?: string;
  /** e.g. "AVX-512 BF16, 16 threads" or "NVIDIA H100 (sm_90), cuBLASLt bf16 GEMM". */
  readonly detail?: string;
}

/** Progress (0..1) and cancellation for one job. */
export interface JobControl {
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
}

export interface MatmulOptions {
  readonly out_dtype: OutDType;
  readonly out_shape?: [number, number];
}

/** A product of two already-quantized operands (the backend-facing half of fp4_matmul). */
export type MatmulProduct = Omit<Fp4MatmulResult, 'a' | 'b'>;

export interface Backend {
  readonly name: BackendName;
  quantize(x: Matrix, kwargs: QuantizeKwargs, control?: JobControl): Promise<QuantizeResult>;
  dequantize(q: QuantizedMatrix, options?: DequantizeOptions, control?: JobControl): Promise<Matrix>;
  matmul(a: QuantizedMatrix, b: QuantizedMatrix, options: MatmulOptions, control?: JobControl): Promise<MatmulProduct>;
  /**
   * The high-precision product a @ b.T (fp32 inputs, at least fp32 accumulation) that the FP4
   * product is measured against. a.cols must equal b.cols. Returns a.rows x b.rows values.
   */
  matmulHighPrecision(a: Matrix, b: Matrix, control?: JobControl): Promise<Float32Array>;
  /**
   * Optional fast paths for the analysis reductions (app/analysis falls back to TypeScript):
   * one pass over a side (sideReductions.ts), and pooling of a raw field to a heatmap
   * (pooling.ts), one field or several of one shape over one window in one call (poolMany: the
   * overview's fields of a side share their arrays, which are then read once). Same numbers as
   * the TypeScript definitions.
   */
  reduceSide?(input: SideReductionInput, control?: JobControl): Promise<SideReductions>;
  /** The metrics alone of a pair (metrics.ts pairMetrics, within double-accumulation order): the scale-rule comparison's pass. */
  pairMetrics?(pair: MetricPair, control?: JobControl): Promise<ErrorMetrics>;
  pool?(field: RawField, rows: number, cols: number, window: PoolWindow, outRows: number, outCols: number, reduce: PoolReduce): Promise<Float32Array>;
  poolMany?(requests: readonly PoolRequest[], rows: number, cols: number, window: PoolWindow, outRows: number, outCols: number): Promise<Float32Array[]>;
}

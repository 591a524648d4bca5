import { invalidArgument } from '../errors';
import type { FieldSource } from './pooling';

/**
 * Error of an approximation against a reference, accumulated in double so the metric itself adds
 * no error worth mentioning. The one definition every view, report and CLI line uses.
 */
export interface ErrorMetrics {
  readonly count: number;
  readonly mse: number;
  readonly rmse: number;
  /** 10·log10(Σref² / Σerr²); +Infinity for an exact approximation, -Infinity for a zero reference. */
  readonly sqnrDb: number;
  readonly maxAbsError: number;
  readonly meanAbsError: number;
  /** ‖err‖_F / ‖ref‖_F (Infinity when the reference is zero and the error is not). */
  readonly relFrobenius: number;
  /** <ref, approx> / (‖ref‖ ‖approx‖); 1 when both are zero, 0 when only one is. */
  readonly cosine: number;
}

export const METRIC_LABELS: Readonly<Record<keyof ErrorMetrics, string>> = {
  count: 'values',
  mse: 'MSE',
  rmse: 'RMSE',
  sqnrDb: 'SQNR (dB)',
  maxAbsError: 'max |error|',
  meanAbsError: 'mean |error|',
  relFrobenius: 'rel. Frobenius error',
  cosine: 'cosine similarity',
};

/** The running sums every metric derives from (also what a native pass returns). */
export interface ErrorSums {
  readonly count: number;
  readonly sumErr2: number;
  readonly sumAbsErr: number;
  readonly maxAbs: number;
  readonly sumRef2: number;
  readonly sumApprox2: number;
  readonly sumDot: number;
}

/** The metrics of a (reference, approximation) pair from its running sums. */
export function errorMetricsFromSums(s: ErrorSums): ErrorMetrics {
  const n = s.count;
  const mse = n ? s.sumErr2 / n : 0;
  const normProduct = Math.sqrt(s.sumRef2) * Math.sqrt(s.sumApprox2);
  let cosine: number;
  if (s.sumRef2 === 0 && s.sumApprox2 === 0) cosine = 1;
  else if (normProduct === 0) cosine = 0;
  else cosine = s.sumDot / normProduct;
  return {
    count: n,
    mse,
    rmse: Math.sqrt(mse),
    sqnrDb: s.sumErr2 === 0 ? Infinity : s.sumRef2 === 0 ? -Infinity : 10 * Math.log10(s.sumRef2 / s.sumErr2),
    maxAbsError: s.maxAbs,
    meanAbsError: n ? s.sumAbsErr / n : 0,
    relFrobenius: s.sumErr2 === 0 ? 0 : s.sumRef2 === 0 ? Infinity : Math.sqrt(s.sumErr2 / s.sumRef2),
    cosine,
  };
}

/** Running sums, so metrics can be accumulated over strided views or chunks. */
export class ErrorMetricsAccumulator {
  private count = 0;
  private sumErr2 = 0;
  private sumAbsErr = 0;
  private maxAbs = 0;
  private sumRef2 = 0;
  private sumApprox2 = 0;
  private sumDot = 0;

  add(ref: number, approx: number): void {
    const e = approx - ref;
    const a = Math.abs(e);
    this.count++;
    this.sumErr2 += e * e;
    this.sumAbsErr += a;
    if (a > this.maxAbs) this.maxAbs = a;
    this.sumRef2 += ref * ref;
    this.sumApprox2 += approx * approx;
    this.sumDot += ref * approx;
  }

  sums(): ErrorSums {
    const { count, sumErr2, sumAbsErr, maxAbs, sumRef2, sumApprox2, sumDot } = this;
    return { count, sumErr2, sumAbsErr, maxAbs, sumRef2, sumApprox2, sumDot };
  }

  result(): ErrorMetrics {
    return errorMetricsFromSums(this.sums());
  }
}

/** Metrics of two equally long arrays (row-major matrices of the same shape). */
export function computeErrorMetrics(ref: ArrayLike<number>, approx: ArrayLike<number>): ErrorMetrics {
  if (ref.length !== approx.length) throw invalidArgument(`error metrics need arrays of one length; got ${ref.length} and ${approx.length}`);
  const acc = new ErrorMetricsAccumulator();
  for (let i = 0; i < ref.length; i++) acc.add(ref[i], approx[i]);
  return acc.result();
}

/** Metrics of two fields of one shape (e.g. the logical corners of padded matrices). */
export function computeFieldMetrics(ref: FieldSource, approx: FieldSource): ErrorMetrics {
  if (ref.rows !== approx.rows || ref.cols !== approx.cols) {
    throw invalidArgument(`error metrics need fields of one shape; got ${ref.rows}x${ref.cols} and ${approx.rows}x${approx.cols}`);
  }
  const acc = new ErrorMetricsAccumulator();
  const n = ref.rows * ref.cols;
  for (let i = 0; i < n; i++) acc.add(ref.at(i), approx.at(i));
  return acc.result();
}

/** A (reference, approximation) pair of strided row-major views over the same logical shape. */
export interface MetricPair {
  readonly ref: Float32Array;
  readonly refStride: number;
  readonly approx: Float32Array;
  readonly approxStride: number;
  readonly rows: number;
  readonly cols: number;
}

/** The metrics of a pair, row-major over its logical elements (the order reduceSideReference adds them in). */
export function pairMetrics(p: MetricPair): ErrorMetrics {
  const acc = new ErrorMetricsAccumulator();
  for (let r = 0; r < p.rows; r++) {
    const ro = r * p.refStride;
    const ao = r * p.approxStride;
    for (let c = 0; c < p.cols; c++) acc.add(p.ref[ro + c], p.approx[ao + c]);
  }
  return acc.result();
}

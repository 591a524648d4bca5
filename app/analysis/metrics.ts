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

/** Running sums, so metrics can be accumulated over strided views or chunks. */
export class ErrorMetricsAccumulator {
  private n = 0;
  private sumErr2 = 0;
  private sumAbsErr = 0;
  private maxAbs = 0;
  private sumRef2 = 0;
  private sumApprox2 = 0;
  private sumDot = 0;

  add(ref: number, approx: number): void {
    const e = approx - ref;
    const a = Math.abs(e);
    this.n++;
    this.sumErr2 += e * e;
    this.sumAbsErr += a;
    if (a > this.maxAbs) this.maxAbs = a;
    this.sumRef2 += ref * ref;
    this.sumApprox2 += approx * approx;
    this.sumDot += ref * approx;
  }

  result(): ErrorMetrics {
    const n = this.n;
    const mse = n ? this.sumErr2 / n : 0;
    const normProduct = Math.sqrt(this.sumRef2) * Math.sqrt(this.sumApprox2);
    let cosine: number;
    if (this.sumRef2 === 0 && this.sumApprox2 === 0) cosine = 1;
    else if (normProduct === 0) cosine = 0;
    else cosine = this.sumDot / normProduct;
    return {
      count: n,
      mse,
      rmse: Math.sqrt(mse),
      sqnrDb: this.sumErr2 === 0 ? Infinity : this.sumRef2 === 0 ? -Infinity : 10 * Math.log10(this.sumRef2 / this.sumErr2),
      maxAbsError: this.maxAbs,
      meanAbsError: n ? this.sumAbsErr / n : 0,
      relFrobenius: this.sumErr2 === 0 ? 0 : this.sumRef2 === 0 ? Infinity : Math.sqrt(this.sumErr2 / this.sumRef2),
      cosine,
    };
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

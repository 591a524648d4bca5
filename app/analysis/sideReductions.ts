import { ErrorMetricsAccumulator, type ErrorMetrics, type MetricPair } from './metrics';
import { BLOCK_MSE_LOG10_BINS, logBinGrid, logBinOf, SCALE_LOG2_BINS, type LogBinCounts } from './logBins';

/**
 * Everything an analysis needs from one full pass over a quantized side: the metrics, amax,
 * per-block error maps, the |x| / scale histogram, the share of blocks that chose 4, and the
 * log histograms of the block scales and block MSEs. One pass so a 100M-value tensor is read
 * once; backends may implement it natively (Backend.reduceSide) and must return the same numbers
 * (metrics within double-accumulation order, maps and counts exactly).
 */
export const SCALED_HISTOGRAM = { lo: 0, hi: 6.5, bins: 130 } as const;

/** ref: the quantized input (after transpose/had); approx: its dequantized values. */
export interface SideReductionInput extends MetricPair {
  readonly blockSize: number;
  /** Effective scale per block, row-major with scaleStride blocks per row (padded layout). */
  readonly blockScales: Float32Array;
  /** 4 or 6 per block (the scale's target), laid out like blockScales. */
  readonly blockSelection: Uint8Array;
  readonly scaleStride: number;
}

export interface SideReductions {
  readonly metrics: ErrorMetrics;
  readonly amax: number;
  /** rows x ceil(cols / blockSize): mean squared error and max |error| of each block's logical values. */
  readonly blockMse: Float32Array;
  readonly blockMaxAbs: Float32Array;
  /** Counts of |x| / scale in SCALED_HISTOGRAM's bins, with values beyond hi in overflow. */
  readonly scaledCounts: number[];
  readonly scaledOverflow: number;
  /** Logical blocks whose selection is 4. */
  readonly choosing4: number;
  /** The logical blocks' effective scales in SCALE_LOG2_BINS, and their MSEs (as stored in blockMse) in BLOCK_MSE_LOG10_BINS. */
  readonly scaleLog2: LogBinCounts;
  readonly blockMseLog10: LogBinCounts;
}

export function reduceSideReference(input: SideReductionInput): SideReductions {
  const { ref, refStride, approx, approxStride, rows, cols, blockSize, blockScales, blockSelection, scaleStride } = input;
  const gridCols = Math.ceil(cols / blockSize);
  const blockMse = new Float32Array(rows * gridCols);
  const blockMaxAbs = new Float32Array(rows * gridCols);
  const { lo, hi, bins } = SCALED_HISTOGRAM;
  const scaledCounts = new Array<number>(bins).fill(0);
  let scaledOverflow = 0;
  const perBin = bins / (hi - lo);
  const scaleGrid = logBinGrid(SCALE_LOG2_BINS);
  const mseGrid = logBinGrid(BLOCK_MSE_LOG10_BINS);
  const scaleCounts = new Float64Array(scaleGrid.thresholds.length);
  const mseCounts = new Float64Array(mseGrid.thresholds.length);
  let scaleSkipped = 0;
  let mseSkipped = 0;
  let choosing4 = 0;
  const acc = new ErrorMetricsAccumulator();
  let amax = 0;
  for (let r = 0; r < rows; r++) {
    const ro = r * refStride;
    const ao = r * approxStride;
    for (let b = 0; b < gridCols; b++) {
      const c0 = b * blockSize;
      const c1 = Math.min(cols, c0 + blockSize);
      const s = blockScales[r * scaleStride + b];
      let sum = 0;
      let max = 0;
      for (let c = c0; c < c1; c++) {
        const x = ref[ro + c];
        const d = approx[ao + c];
        acc.add(x, d);
        const e = d - x;
        sum += e * e;
        const ae = Math.abs(e);
        if (ae > max) max = ae;
        const ax = Math.abs(x);
        if (ax > amax) amax = ax;
        // fp32 quotient, then bin = floor(v * bins / 6.5) in double: the same bins on every backend.
        const v = s > 0 ? Math.fround(ax / s) : 0;
        if (v >= hi) {
          if (v === hi) scaledCounts[bins - 1]++;
          else scaledOverflow++;
        } else scaledCounts[Math.floor((v - lo) * perBin)]++;
      }
      const i = r * gridCols + b;
      blockMse[i] = sum / (c1 - c0);
      blockMaxAbs[i] = max;
      if (blockSelection[r * scaleStride + b] === 4) choosing4++;
      const sb = logBinOf(scaleGrid, s);
      if (sb < 0) scaleSkipped++;
      else scaleCounts[sb]++;
      const mb = logBinOf(mseGrid, blockMse[i]);
      if (mb < 0) mseSkipped++;
      else mseCounts[mb]++;
    }
  }
  return {
    metrics: acc.result(),
    amax,
    blockMse,
    blockMaxAbs,
    scaledCounts,
    scaledOverflow,
    choosing4,
    scaleLog2: { counts: scaleCounts, skipped: scaleSkipped },
    blockMseLog10: { counts: mseCounts, skipped: mseSkipped },
  };
}

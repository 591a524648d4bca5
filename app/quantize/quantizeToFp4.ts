import { e2m1Code, roundToE2M1Magnitude, stochasticRoundToE2M1Magnitude } from '../formats/e2m1';
import type { Matrix } from '../tensors/matrix';
import { LaneErrorAccumulator, type ErrorMetric } from './blockError';
import { swizzleScales } from './blockedLayout';
import { FORMAT_PARAMS } from './formatParams';
import { isAdaptiveRule, resolveQuantizeKwargs, type QuantizeKwargs } from './kwargs';
import { prepareQuantizeInput } from './prepare';
import { computeNormconst, mxfp4Candidate, nvfp4Candidate, type ScaleCandidate } from './scaleCandidates';
import { stochasticKey, stochasticUniform } from './stochasticRng';
import type { QuantizeResult } from './types';

/**
 * A scale group: the values that share one scale. 1-D: one row x one block; 2-D
 * (`block_scale_2d`): a square tile of block x block values. Elements are visited row-major,
 * which is also the lane order of the adaptive rules' error sums.
 */
export interface GroupShape {
  rows: number;
  cols: number;
}

/**
 * Stochastic rounding's counter is the value's index in the padded matrix; rowBase shifts the rows
 * when `x` holds only some rows of it (the block-detail view quantizes a copy of one group's rows).
 */
export interface StochasticIndexing {
  readonly key: number;
  readonly rowBase: number;
}

/** Quantize one scale group's values with a given scale into `codes` (row-major within the group). */
export function quantizeGroup(
  x: Float32Array,
  stride: number,
  r0: number,
  c0: number,
  g: GroupShape,
  scale: number,
  codes: Uint8Array,
  rng: StochasticIndexing | null,
  err: LaneErrorAccumulator | null,
): number {
  err?.reset();
  let t = 0;
  for (let r = r0; r < r0 + g.rows; r++) {
    for (let c = c0; c < c0 + g.cols; c++, t++) {
      const xv = x[r * stride + c];
      // scale == 0 only for an all-zero MXFP4 block (byte 0): every value is 0.
      const absV = scale === 0 ? 0 : Math.abs(Math.fround(xv / scale));
      const q = rng ? stochasticRoundToE2M1Magnitude(absV, stochasticUniform(rng.key, (rng.rowBase + r) * stride + c)) : roundToE2M1Magnitude(absV);
      codes[t] = e2m1Code(xv, q);
      if (err) {
        const d = Math.fround(q * scale);
        err.add(Math.fround((xv < 0 ? -d : d) - xv));
      }
    }
  }
  return err ? err.total() : 0;
}

export function groupAmax(x: Float32Array, stride: number, r0: number, c0: number, g: GroupShape): number {
  let amax = 0;
  for (let r = r0; r < r0 + g.rows; r++) {
    for (let c = c0; c < c0 + g.cols; c++) {
      const a = Math.abs(x[r * stride + c]);
      if (a > amax) amax = a;
    }
  }
  return amax;
}

/** 1-D: one row x one block; 2-D: a block x block tile (16x16 NVFP4, 32x32 MXFP4, golden-verified). */
export function scaleGroupShape(kwargs: Pick<QuantizeKwargs, 'fp4_format' | 'block_scale_2d'>): GroupShape {
  const { blockSize } = FORMAT_PARAMS[kwargs.fp4_format];
  return kwargs.block_scale_2d ? { rows: blockSize, cols: blockSize } : { rows: 1, cols: blockSize };
}

/** The candidate scale for target m (6 or 4) of a group with the given amax. */
export function candidateScale(format: QuantizeKwargs['fp4_format'], amax: number, target: number, normconst: number, out: ScaleCandidate): ScaleCandidate {
  if (format === 'nvfp4') nvfp4Candidate(amax, target, normconst, out);
  else mxfp4Candidate(amax, target, out);
  return out;
}

export function matrixAmax(x: Float32Array): number {
  let amax = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > amax) amax = a;
  }
  return amax;
}

/**
 * The reference backend's quantizer: `quantize_to_fp4(x, **kwargs)` bit for bit
 * (NUMERICS.md §2-§6). Plain loops by design: this is the oracle the native backends match.
 */
export function quantizeToFp4(x: Matrix, kwargsIn: Partial<QuantizeKwargs> = {}): QuantizeResult {
  const kwargs = resolveQuantizeKwargs(kwargsIn);
  const { logical, padded } = prepareQuantizeInput(x, kwargs);
  const format = kwargs.fp4_format;
  const { blockSize } = FORMAT_PARAMS[format];
  const rows = padded.rows;
  const cols = padded.cols;
  const data = padded.data;
  const scaleCols = cols / blockSize;

  const normconst = computeNormconst(format, kwargs.scale_rule, matrixAmax(data));
  const adaptive = isAdaptiveRule(kwargs.scale_rule);
  const targets = adaptive ? [6, 4] : [kwargs.scale_rule === 'always_4' ? 4 : 6];
  const group = scaleGroupShape(kwargs);
  const groupSize = group.rows * group.cols;
  const rng = kwargs.round_style === 'stochastic' ? { key: stochasticKey(kwargs.seed), rowBase: 0 } : null;
  const err = adaptive ? new LaneErrorAccumulator(kwargs.scale_rule as ErrorMetric) : null;

  const e2m1 = new Uint8Array((rows * cols) / 2);
  const scaleRowMajor = new Uint8Array(rows * scaleCols);
  const blockScales = new Float32Array(rows * scaleCols);
  const blockSelection = new Uint8Array(rows * scaleCols);
  const codes = targets.map(() => new Uint8Array(groupSize));
  const candidates: ScaleCandidate[] = targets.map(() => ({ byte: 0, scale: 0 }));

  for (let r0 = 0; r0 < rows; r0 += group.rows) {
    for (let c0 = 0; c0 < cols; c0 += group.cols) {
      const amax = groupAmax(data, cols, r0, c0, group);
      let best = 0;
      let bestError = Infinity;
      for (let i = 0; i < targets.length; i++) {
        candidateScale(format, amax, targets[i], normconst, candidates[i]);
        const e = quantizeGroup(data, cols, r0, c0, group, candidates[i].scale, codes[i], rng, err);
        // targets = [6, 4]: 4 wins only when strictly better; ties stay with 6.
        if (i === 0 || e < bestError) {
          best = i;
          bestError = e;
        }
      }
      const chosen = candidates[best];
      const chosenCodes = codes[best];
      let t = 0;
      for (let r = r0; r < r0 + group.rows; r++) {
        const sIndex = r * scaleCols + c0 / blockSize;
        scaleRowMajor[sIndex] = chosen.byte;
        blockScales[sIndex] = chosen.scale;
        blockSelection[sIndex] = targets[best];
        for (let c = c0; c < c0 + group.cols; c += 2, t += 2) {
          e2m1[(r * cols + c) >> 1] = chosenCodes[t] | (chosenCodes[t + 1] << 4);
        }
      }
    }
  }

  return {
    fp4_format: format,
    rows: logical.rows,
    cols: logical.cols,
    paddedRows: rows,
    paddedCols: cols,
    e2m1,
    sf: swizzleScales(scaleRowMajor, rows, scaleCols),
    normconst,
    kwargs,
    blockScales,
    blockSelection,
  };
}

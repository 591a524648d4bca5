import { E2M1_VALUES } from '../formats/e2m1';
import { LaneErrorAccumulator } from '../quantize/blockError';
import type { QuantizeKwargs } from '../quantize/kwargs';
import { candidateScale, groupAmax, quantizeGroup, scaleGroupShape } from '../quantize/quantizeToFp4';
import { stochasticKey } from '../quantize/stochasticRng';
import type { ScaleCandidate } from '../quantize/scaleCandidates';
import type { Matrix } from '../tensors/matrix';
import { invalidArgument } from '../errors';

/** One candidate of a block: what scaling its amax to 6 (or 4) would give. */
export interface BlockCandidate {
  readonly target: 4 | 6;
  readonly scaleByte: number;
  /** fp32 scale the values are divided by (normconst included for NVFP4). */
  readonly scale: number;
  readonly codes: number[];
  /** fp32(q · scale) with x's sign: the values the adaptive rules compare. */
  readonly values: number[];
  /** The three adaptive metrics, summed in the reference's lane order. */
  readonly mse: number;
  readonly l1: number;
  readonly maxAbs: number;
}

/** Everything the hover card shows for one block (a 16x16/32x32 tile when block_scale_2d). */
export interface BlockDetail {
  /** Position of the group in the quantized matrix and its size. */
  readonly row0: number;
  readonly col0: number;
  readonly rows: number;
  readonly cols: number;
  /** The group's input values, row-major (after transpose/had: what was quantized). */
  readonly input: number[];
  readonly amax: number;
  readonly candidates: readonly [BlockCandidate, BlockCandidate];
  /** The candidate the rule chose (always_4/always_6 take theirs; the adaptive rules the better). */
  readonly chosen: 4 | 6;
}

/**
 * Re-evaluate one block's two candidates from the prepared (padded) input, exactly as
 * quantizeToFp4 did: the card explains a choice the quantizer made, so it uses its code.
 */
export function blockDetail(prepared: Matrix, kwargs: QuantizeKwargs, normconst: number, chosen: 4 | 6, row: number, blockCol: number): BlockDetail {
  const group = scaleGroupShape(kwargs);
  const row0 = row - (row % group.rows);
  const col0 = blockCol * group.cols;
  if (row < 0 || row >= prepared.rows || col0 < 0 || col0 + group.cols > prepared.cols) {
    throw invalidArgument(`block (${row}, ${blockCol}) is outside the ${prepared.rows}x${prepared.cols / group.cols} block grid`);
  }
  const amax = groupAmax(prepared.data, prepared.cols, row0, col0, group);
  const rng = kwargs.round_style === 'stochastic' ? { key: stochasticKey(kwargs.seed) } : null;
  const size = group.rows * group.cols;
  const candidate = (target: 4 | 6): BlockCandidate => {
    const s: ScaleCandidate = candidateScale(kwargs.fp4_format, amax, target, normconst, { byte: 0, scale: 0 });
    const codes = new Uint8Array(size);
    const errors = { mse: new LaneErrorAccumulator('mse'), l1: new LaneErrorAccumulator('l1_norm'), max: new LaneErrorAccumulator('abs_max') };
    quantizeGroup(prepared.data, prepared.cols, row0, col0, group, s.scale, codes, rng, null);
    const values: number[] = [];
    let t = 0;
    for (let r = row0; r < row0 + group.rows; r++) {
      for (let c = col0; c < col0 + group.cols; c++, t++) {
        const d = Math.fround(E2M1_VALUES[codes[t]] * s.scale);
        values.push(d);
        const e = Math.fround(d - prepared.data[r * prepared.cols + c]);
        errors.mse.add(e);
        errors.l1.add(e);
        errors.max.add(e);
      }
    }
    return { target, scaleByte: s.byte, scale: s.scale, codes: Array.from(codes), values, mse: errors.mse.total(), l1: errors.l1.total(), maxAbs: errors.max.total() };
  };
  const input: number[] = [];
  for (let r = row0; r < row0 + group.rows; r++) for (let c = col0; c < col0 + group.cols; c++) input.push(prepared.data[r * prepared.cols + c]);
  return { row0, col0, rows: group.rows, cols: group.cols, input, amax, candidates: [candidate(6), candidate(4)], chosen };
}

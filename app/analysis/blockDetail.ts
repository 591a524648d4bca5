import { E2M1_VALUES } from '../formats/e2m1';
import { invalidArgument } from '../errors';
import { LaneErrorAccumulator } from '../quantize/blockError';
import type { QuantizeKwargs } from '../quantize/kwargs';
import { candidateScale, groupAmax, quantizeGroup, scaleGroupShape } from '../quantize/quantizeToFp4';
import type { ScaleCandidate } from '../quantize/scaleCandidates';
import { stochasticKey } from '../quantize/stochasticRng';

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
  /** The group's input values, row-major (after transpose/had: what was quantized; 0 in padding). */
  readonly input: number[];
  readonly amax: number;
  readonly candidates: readonly [BlockCandidate, BlockCandidate];
  /** The candidate the rule chose (always_4/always_6 take theirs; the adaptive rules the better). */
  readonly chosen: 4 | 6;
}

/** Where the quantized values live: logical rows x cols at a row stride, zero beyond (padding). */
export interface PreparedValues {
  readonly data: Float32Array;
  readonly stride: number;
  /** Rows and columns that hold data (the rest of the padded matrix is zero). */
  readonly rows: number;
  readonly cols: number;
  readonly paddedRows: number;
  readonly paddedCols: number;
}

/**
 * Re-evaluate one block's two candidates exactly as quantizeToFp4 did: the card explains a
 * choice the quantizer made, so it runs the quantizer's own code on a copy of the group's rows.
 */
export function blockDetail(values: PreparedValues, kwargs: QuantizeKwargs, normconst: number, chosen: 4 | 6, row: number, blockCol: number): BlockDetail {
  const group = scaleGroupShape(kwargs);
  const row0 = row - (row % group.rows);
  const col0 = blockCol * group.cols;
  if (row < 0 || row >= values.paddedRows || col0 < 0 || col0 + group.cols > values.paddedCols) {
    throw invalidArgument(`block (${row}, ${blockCol}) is outside the ${values.paddedRows}x${values.paddedCols / group.cols} block grid`);
  }
  // The group's rows at full padded width, zero-filled past the data.
  const width = values.paddedCols;
  const rows = new Float32Array(group.rows * width);
  for (let r = 0; r < group.rows && row0 + r < values.rows; r++) {
    const src = (row0 + r) * values.stride;
    rows.set(values.data.subarray(src, src + Math.min(values.cols, width)), r * width);
  }
  const amax = groupAmax(rows, width, 0, col0, group);
  const rng = kwargs.round_style === 'stochastic' ? { key: stochasticKey(kwargs.seed), rowBase: row0 } : null;
  const size = group.rows * group.cols;
  const candidate = (target: 4 | 6): BlockCandidate => {
    const s: ScaleCandidate = candidateScale(kwargs.fp4_format, amax, target, normconst, { byte: 0, scale: 0 });
    const codes = new Uint8Array(size);
    const errors = [new LaneErrorAccumulator('mse'), new LaneErrorAccumulator('l1_norm'), new LaneErrorAccumulator('abs_max')];
    quantizeGroup(rows, width, 0, col0, group, s.scale, codes, rng, null);
    const dequantized: number[] = [];
    let t = 0;
    for (let r = 0; r < group.rows; r++) {
      for (let c = col0; c < col0 + group.cols; c++, t++) {
        const d = Math.fround(E2M1_VALUES[codes[t]] * s.scale);
        dequantized.push(d);
        const e = Math.fround(d - rows[r * width + c]);
        for (const acc of errors) acc.add(e);
      }
    }
    const [mse, l1, maxAbs] = errors.map((e) => e.total());
    return { target, scaleByte: s.byte, scale: s.scale, codes: Array.from(codes), values: dequantized, mse, l1, maxAbs };
  };
  const input: number[] = [];
  for (let r = 0; r < group.rows; r++) for (let c = col0; c < col0 + group.cols; c++) input.push(rows[r * width + c]);
  return { row0, col0, rows: group.rows, cols: group.cols, input, amax, candidates: [candidate(6), candidate(4)], chosen };
}

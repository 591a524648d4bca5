import { describe, expect, it } from 'vitest';
import { blockDetail } from '../../app/analysis/blockDetail';
import { E2M1_VALUES } from '../../app/formats/e2m1';
import { blockedScaleIndex, swizzleScales, unswizzleScales } from '../../app/quantize/blockedLayout';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { FORMAT_PARAMS } from '../../app/quantize/formatParams';
import { resolveQuantizeKwargs, type QuantizeKwargs } from '../../app/quantize/kwargs';
import { prepareQuantizeInput } from '../../app/quantize/prepare';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { SeededRandom } from '../../app/samples/seededRandom';
import { transposeMatrix, type Matrix } from '../../app/tensors/matrix';
import { freshSeed, randomMatrix, type Distribution } from '../helpers/random';

const seed = freshSeed('quantize properties');
const rng = new SeededRandom(seed);
const SHAPES: [number, number][] = [
  [1, 16],
  [7, 33],
  [130, 70],
  [64, 200],
  [256, 96],
];
const KINDS: Distribution[] = ['normal', 'heavy', 'outlier_cols', 'tiny', 'huge', 'sparse', 'grid'];

function codeAt(e2m1: Uint8Array, paddedCols: number, r: number, c: number): number {
  const byte = e2m1[(r * paddedCols + c) >> 1];
  return c & 1 ? byte >>> 4 : byte & 0xf;
}

describe('layout', () => {
  it('blockedScaleIndex is a bijection onto the buffer, and swizzle/unswizzle invert each other', () => {
    for (const [rows, scaleCols] of [
      [128, 4],
      [256, 12],
      [384, 8],
    ]) {
      const seen = new Uint8Array(rows * scaleCols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < scaleCols; c++) seen[blockedScaleIndex(r, c, scaleCols)]++;
      expect(seen.every((n) => n === 1)).toBe(true);
      const rowMajor = Uint8Array.from({ length: rows * scaleCols }, () => rng.integer(0, 256));
      expect(unswizzleScales(swizzleScales(rowMajor, rows, scaleCols), rows, scaleCols)).toEqual(rowMajor);
    }
    // The formula of NUMERICS.md §5, spot-checked by hand: row 33, col 5 of a 4-column-tile matrix.
    expect(blockedScaleIndex(33, 5, 8)).toBe((0 * 2 + 1) * 512 + 1 * 16 + 1 * 4 + 1);
  });
});

describe('quantize properties on random inputs', () => {
  const formats: { kwargs: Partial<QuantizeKwargs> }[] = [
    ...(['always_6', 'always_4', 'mse', 'l1_norm', 'abs_max'] as const).map((scale_rule) => ({ kwargs: { fp4_format: 'nvfp4' as const, scale_rule } })),
    ...(['always_6', 'always_4'] as const).map((scale_rule) => ({ kwargs: { fp4_format: 'mxfp4' as const, scale_rule } })),
  ];

  for (const { kwargs } of formats) {
    for (const block_scale_2d of [false, true]) {
      it(`${kwargs.fp4_format} ${kwargs.scale_rule}${block_scale_2d ? ' 2d' : ''}: every value is within half a grid step of its scale, padding is zero`, () => {
        for (const [rows, cols] of SHAPES) {
          const kind = rng.pick(KINDS);
          const x = randomMatrix(rng, rows, cols, kind);
          const k = resolveQuantizeKwargs({ ...kwargs, block_scale_2d });
          const q = quantizeToFp4(x, k);
          const { padded } = prepareQuantizeInput(x, k);
          const d = dequantizeFromFp4(q, { crop: false });
          const { blockSize, rowMultiple, colMultiple } = FORMAT_PARAMS[k.fp4_format];
          expect(q.paddedRows % rowMultiple).toBe(0);
          expect(q.paddedCols % colMultiple).toBe(0);
          const scaleCols = q.paddedCols / blockSize;
          for (let r = 0; r < q.paddedRows; r++) {
            for (let c = 0; c < q.paddedCols; c++) {
              const s = q.blockScales[r * scaleCols + Math.floor(c / blockSize)];
              const xv = padded.data[r * q.paddedCols + c];
              const err = Math.abs(d.data[r * q.paddedCols + c] - xv);
              // Half the largest grid step (1 at |v| >= 4) times the scale, plus fp32 rounding slack.
              expect(err, `${kind} [${rows},${cols}] at (${r},${c}) x=${xv} s=${s}`).toBeLessThanOrEqual(s * 1.0000001 + Math.abs(xv) * 1e-6);
              if (r >= q.rows || c >= q.cols) expect(codeAt(q.e2m1, q.paddedCols, r, c)).toBe(0);
            }
          }
          // 2-D: one scale and one choice per tile, replicated on the tile's rows.
          if (block_scale_2d) {
            for (let r = 0; r < q.paddedRows; r++) {
              const top = r - (r % blockSize);
              for (let b = 0; b < scaleCols; b++) {
                expect(q.sf[blockedScaleIndex(r, b, scaleCols)]).toBe(q.sf[blockedScaleIndex(top, b, scaleCols)]);
                expect(q.blockSelection[r * scaleCols + b]).toBe(q.blockSelection[top * scaleCols + b]);
              }
            }
          }
        }
      });
    }
  }

  it('the adaptive rules pick the candidate that is better under their own metric (ties to 6), per 1-D block and 2-D tile, nearest and stochastic', () => {
    for (const rule of ['mse', 'l1_norm', 'abs_max'] as const) {
      for (const [block_scale_2d, round_style] of [[false, 'nearest'], [true, 'nearest'], [false, 'stochastic'], [true, 'stochastic']] as const) {
        const x = randomMatrix(rng, 128, 64, rng.pick(KINDS));
        const k = resolveQuantizeKwargs({ scale_rule: rule, block_scale_2d, round_style, seed: rng.integer(0, 1000) });
        const q = quantizeToFp4(x, k);
        const { padded } = prepareQuantizeInput(x, k);
        for (let trial = 0; trial < 40; trial++) {
          const row = rng.integer(0, 128);
          const col = rng.integer(0, 4);
          const chosen = q.blockSelection[row * 4 + col] as 4 | 6;
          const prepared = { data: padded.data, stride: padded.cols, rows: padded.rows, cols: padded.cols, paddedRows: padded.rows, paddedCols: padded.cols };
          const detail = blockDetail(prepared, k, q.normconst, chosen, row, col);
          const metric = (c: (typeof detail.candidates)[number]) => (rule === 'mse' ? c.mse : rule === 'l1_norm' ? c.l1 : c.maxAbs);
          const [six, four] = detail.candidates;
          expect(chosen).toBe(metric(four) < metric(six) ? 4 : 6);
          // The codes written are the chosen candidate's.
          const cand = chosen === 4 ? four : six;
          let t = 0;
          for (let r = detail.row0; r < detail.row0 + detail.rows; r++) {
            for (let c = detail.col0; c < detail.col0 + detail.cols; c++, t++) expect(codeAt(q.e2m1, q.paddedCols, r, c)).toBe(cand.codes[t]);
          }
        }
      }
    }
  });

  it('transpose quantizes x.T: same bytes as quantizing the transposed matrix', () => {
    const x = randomMatrix(rng, 100, 48, 'normal');
    for (const scale_rule of ['mse', 'always_6'] as const) {
      const a = quantizeToFp4(x, { scale_rule, transpose: true });
      const b = quantizeToFp4(transposeMatrix(x), { scale_rule });
      expect([a.rows, a.cols]).toEqual([48, 100]);
      expect(a.e2m1).toEqual(b.e2m1);
      expect(a.sf).toEqual(b.sf);
      expect(a.normconst).toBe(b.normconst);
    }
  });

  it('a zero tensor: normconst 1e-12, every scale byte 0x08 (2^-6), every code 0', () => {
    const x: Matrix = { rows: 5, cols: 20, data: new Float32Array(100), dtype: 'float32' };
    const q = quantizeToFp4(x, { scale_rule: 'mse' });
    expect(q.normconst).toBe(Math.fround(1e-12));
    expect(q.sf.every((b) => b === 0x08)).toBe(true);
    expect(q.e2m1.every((b) => b === 0)).toBe(true);
    const mx = quantizeToFp4(x, { fp4_format: 'mxfp4', scale_rule: 'always_6' });
    expect(mx.sf.every((b) => b === 0)).toBe(true);
  });

  it('stochastic rounding is reproducible per seed and unbiased on average', () => {
    const x = randomMatrix(rng, 4, 64, 'normal');
    const k = { scale_rule: 'always_6' as const, round_style: 'stochastic' as const };
    const once = quantizeToFp4(x, { ...k, seed: 7 });
    expect(quantizeToFp4(x, { ...k, seed: 7 }).e2m1).toEqual(once.e2m1);
    expect(quantizeToFp4(x, { ...k, seed: 8 }).e2m1).not.toEqual(once.e2m1);
    const draws = 1500;
    const sum = new Float64Array(x.rows * x.cols);
    let scaleOf: Float32Array | null = null;
    for (let s = 0; s < draws; s++) {
      const q = quantizeToFp4(x, { ...k, seed: (seed + s) >>> 0 });
      scaleOf ??= q.blockScales;
      const d = dequantizeFromFp4(q);
      for (let i = 0; i < sum.length; i++) sum[i] += d.data[i];
    }
    let worst = 0;
    let clamped = 0;
    for (let i = 0; i < sum.length; i++) {
      const s = scaleOf![Math.floor(i / x.cols) * (64 / 16) + Math.floor((i % x.cols) / 16)];
      // A block's largest value can land just above 6 when its E4M3 scale rounded down; it is
      // clamped to 6 (NUMERICS §4), so it cannot be unbiased. Everything else must be.
      if (Math.abs(x.data[i]) / s > 6) {
        clamped++;
        continue;
      }
      // The rounding noise of one draw is at most one grid step (<= 2s); its mean over n draws
      // has a standard deviation <= s / sqrt(n); allow 5 of them.
      const bias = Math.abs(sum[i] / draws - x.data[i]) / (s / Math.sqrt(draws));
      worst = Math.max(worst, bias);
    }
    console.log(`stochastic rounding: worst |mean - x| = ${worst.toFixed(2)} standard errors over ${sum.length - clamped} values (${clamped} clamped at 6 skipped)`);
    expect(worst).toBeLessThan(5);
  });

  it('stochastic rounding only ever rounds to one of the two neighbouring grid points', () => {
    const x = randomMatrix(rng, 8, 64, 'heavy');
    const k = resolveQuantizeKwargs({ scale_rule: 'always_6', round_style: 'stochastic', seed: rng.integer(0, 2 ** 31) });
    const q = quantizeToFp4(x, k);
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < x.cols; c++) {
        const s = q.blockScales[r * 4 + Math.floor(c / 16)];
        const v = Math.abs(Math.fround(x.data[r * x.cols + c] / s));
        const got = Math.abs(E2M1_VALUES[codeAt(q.e2m1, q.paddedCols, r, c)]);
        const grid = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
        const lo = Math.max(...grid.filter((g) => g <= v));
        const hi = Math.min(6, ...grid.filter((g) => g >= v));
        expect(got === lo || got === hi, `v=${v} got ${got}`).toBe(true);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { computeErrorMetrics } from '../../app/analysis/metrics';
import { arrayField, poolField } from '../../app/analysis/pooling';
import { compareScaleRules, runAnalysis } from '../../app/analysis/runAnalysis';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { fp4Matmul } from '../../app/matmul/fp4Matmul';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { resolveQuantizeKwargs } from '../../app/quantize/kwargs';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { SeededRandom } from '../../app/samples/seededRandom';
import { transposeMatrix } from '../../app/tensors/matrix';
import { freshSeed, randomMatrix } from '../helpers/random';

const seed = freshSeed('analysis');
const rng = new SeededRandom(seed);

describe('error metrics', () => {
  it('match their definitions on random data', () => {
    const n = 1000;
    const ref = Float64Array.from({ length: n }, () => rng.normal());
    const approx = ref.map((v) => v + 0.01 * rng.normal());
    const m = computeErrorMetrics(ref, approx);
    let se = 0, ae = 0, mx = 0, rr = 0, aa = 0, dot = 0;
    for (let i = 0; i < n; i++) {
      const e = approx[i] - ref[i];
      se += e * e; ae += Math.abs(e); mx = Math.max(mx, Math.abs(e)); rr += ref[i] ** 2; aa += approx[i] ** 2; dot += ref[i] * approx[i];
    }
    expect(m.mse).toBeCloseTo(se / n, 15);
    expect(m.rmse).toBeCloseTo(Math.sqrt(se / n), 15);
    expect(m.sqnrDb).toBeCloseTo(10 * Math.log10(rr / se), 10);
    expect(m.maxAbsError).toBe(mx);
    expect(m.meanAbsError).toBeCloseTo(ae / n, 15);
    expect(m.relFrobenius).toBeCloseTo(Math.sqrt(se / rr), 12);
    expect(m.cosine).toBeCloseTo(dot / Math.sqrt(rr * aa), 12);
  });

  it('an exact approximation has infinite SQNR, zero error and cosine 1', () => {
    const m = computeErrorMetrics([1, 2, 3], [1, 2, 3]);
    expect([m.sqnrDb, m.mse, m.relFrobenius, m.cosine]).toEqual([Infinity, 0, 0, 1]);
  });
});

describe('pooling', () => {
  it('pools max/min/mean/max_abs/extreme exactly like a brute force over each cell', () => {
    const rows = 37, cols = 53;
    const data = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const field = arrayField(data, rows, cols);
    const window = { r0: 3, r1: 34, c0: 5, c1: 50 };
    for (const reduce of ['max', 'min', 'mean', 'max_abs', 'extreme'] as const) {
      const p = poolField(field, window, 7, 9, reduce);
      expect([p.rows, p.cols]).toEqual([7, 9]);
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 9; j++) {
          const ra = 3 + Math.floor((i * 31) / 7), rb = 3 + Math.floor(((i + 1) * 31) / 7);
          const ca = 5 + Math.floor((j * 45) / 9), cb = 5 + Math.floor(((j + 1) * 45) / 9);
          const cell: number[] = [];
          for (let r = ra; r < rb; r++) for (let c = ca; c < cb; c++) cell.push(data[r * cols + c]);
          const byMag = cell.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
          const expected = { max: Math.max(...cell), min: Math.min(...cell), mean: cell.reduce((a, b) => a + b) / cell.length, max_abs: Math.abs(byMag), extreme: byMag }[reduce];
          expect(p.data[i * 9 + j]).toBeCloseTo(expected, 5);
        }
      }
    }
  });

  it('a window no larger than the output gives single elements', () => {
    const data = Float32Array.from({ length: 100 }, (_, i) => i);
    const p = poolField(arrayField(data, 10, 10), { r0: 2, r1: 5, c0: 4, c1: 8 }, 64, 64, 'max');
    expect([p.rows, p.cols, p.cellRows, p.cellCols]).toEqual([3, 4, 1, 1]);
    expect(Array.from(p.data)).toEqual([24, 25, 26, 27, 34, 35, 36, 37, 44, 45, 46, 47]);
  });

  it('rejects windows outside the field', () => {
    expect(() => poolField(arrayField(new Float32Array(4), 2, 2), { r0: 0, r1: 3, c0: 0, c1: 2 }, 4, 4, 'max')).toThrow(/must lie inside the 2x2 field/);
  });
});

describe('runAnalysis (one result model)', () => {
  it('its numbers equal the engine computed directly', async () => {
    const a = randomMatrix(rng, 96, 80, 'outlier_cols');
    const b = randomMatrix(rng, 40, 80, 'heavy');
    const prov = (t: string) => ({ file: 'mem', tensor: t, shape: [1], dtype: 'BF16' });
    const ws = await runAnalysis(
      { a: { matrix: a, request: { provenance: prov('a'), kwargs: { scale_rule: 'mse' } } }, b: { matrix: b, request: { provenance: prov('b'), kwargs: { scale_rule: 'l1_norm' } } }, options: { out_dtype: 'float32' } },
      { backend: referenceBackend },
    );
    const r = ws.result;
    const qa = quantizeToFp4(a, { scale_rule: 'mse' });
    expect(r.a.metrics).toEqual(computeErrorMetrics(a.data, dequantizeFromFp4(qa).data));
    const chose4 = Array.from(qa.blockSelection).filter((s, i) => Math.floor(i / (qa.paddedCols / 16)) < 96 && i % (qa.paddedCols / 16) < 5 && s === 4).length;
    expect(r.a.blocks.choosing4).toBe(chose4);
    expect(r.a.blocks.blocks).toBe(96 * 5);

    // The matmul: the FP4 product against the exact product of the inputs.
    const fp4 = fp4Matmul({ kind: 'matrix', matrix: a, quantizeKwargs: { scale_rule: 'mse' } }, { kind: 'matrix', matrix: b, quantizeKwargs: { scale_rule: 'l1_norm' } }, { out_dtype: 'float32', out_shape: [96, 40] });
    const exact = new Float64Array(96 * 40);
    for (let i = 0; i < 96; i++) for (let j = 0; j < 40; j++) { let s = 0; for (let k = 0; k < 80; k++) s += a.data[i * 80 + k] * b.data[j * 80 + k]; exact[i * 40 + j] = Math.fround(s); }
    expect(r.matmul!.metrics).toEqual(computeErrorMetrics(exact, fp4.data));

    // The comparison row of the side's own rule is the side's (not redone); every row equals a
    // fresh comparison that recomputes all seven.
    expect(r.ruleComparison!.a.find((x) => x.fp4_format === 'nvfp4' && x.scale_rule === 'mse')!.metrics).toEqual(r.a.metrics);
    expect(r.ruleComparison!.a).toHaveLength(7);
    expect(r.ruleComparison!.a).toEqual(await compareScaleRules(referenceBackend, a, r.a.kwargs));
    expect(r.ruleComparison!.b).toEqual(await compareScaleRules(referenceBackend, b, r.b!.kwargs));

    // Heatmap tiles at full resolution are the field values; block detail matches the bytes.
    const tile = await ws.heatmap({ target: 'a', field: 'input', window: { r0: 10, r1: 20, c0: 30, c1: 40 }, maxRows: 64, maxCols: 64 });
    expect(tile.data).toEqual(Array.from({ length: 100 }, (_, i) => a.data[(10 + Math.floor(i / 10)) * 80 + 30 + (i % 10)]));
    const detail = ws.blockDetail('a', 5, 2);
    expect(detail.input).toEqual(Array.from(a.data.subarray(5 * 80 + 32, 5 * 80 + 48)));
    expect(detail.chosen).toBe(qa.blockSelection[5 * (qa.paddedCols / 16) + 2]);
    expect(JSON.parse(JSON.stringify(r.a.histograms.scaledMagnitude)).counts.reduce((x: number, y: number) => x + y, 0)).toBe(96 * 80);
  });

  it('bins every logical block once in the log histograms: scales by eighth octave, MSEs by tenth decade', async () => {
    const a = randomMatrix(rng, 40, 150, 'outlier_cols');
    const ws = await runAnalysis({ a: { matrix: a, request: { provenance: { file: 'm', tensor: 'a', shape: [40, 150], dtype: 'BF16' }, kwargs: { scale_rule: 'mse' } } }, options: { compareRules: false } }, { backend: referenceBackend });
    const { scaleLog2, blockMseLog10 } = ws.result.a.histograms;
    const blocks = 40 * Math.ceil(150 / 16);
    const side = ws.side('a');
    const scales = side.blockField('scale');
    const mses = side.blockField('block_mse');
    const bruteForce = (values: number[], perUnit: number, log: (v: number) => number, edges: number[]): { counts: number[]; skipped: number } => {
      const counts = new Array<number>(edges.length - 1).fill(0);
      let skipped = 0;
      for (const v of values) {
        if (!(v > 0)) skipped++;
        // away from bin edges the logarithm decides the bin (the exact edges are pinned in logBins.test.ts)
        else counts[Math.floor(log(v) * perUnit + 1e-9) - edges[0] * perUnit]++;
      }
      return { counts, skipped };
    };
    const all = (f: { rows: number; cols: number; at(i: number): number }) => Array.from({ length: f.rows * f.cols }, (_, i) => f.at(i));
    for (const [h, values, perUnit, log] of [
      [scaleLog2, all(scales), 8, Math.log2],
      [blockMseLog10, all(mses), 10, Math.log10],
    ] as const) {
      expect(h.counts.reduce((x, y) => x + y, 0) + h.skipped).toBe(blocks);
      expect(h.edges).toHaveLength(h.counts.length + 1);
      expect(h.counts.length % perUnit).toBe(0);
      expect(Number.isInteger(h.edges[0]) && Number.isInteger(h.edges[h.edges.length - 1])).toBe(true);
      for (let i = 1; i < h.edges.length; i++) expect(h.edges[i] - h.edges[i - 1]).toBeCloseTo(1 / perUnit, 12);
      expect(bruteForce(values, perUnit, log, h.edges)).toEqual({ counts: h.counts, skipped: h.skipped });
    }
  });

  it('with transpose, the side is analysed as x.T', async () => {
    const a = randomMatrix(rng, 20, 64, 'normal');
    const ws = await runAnalysis({ a: { matrix: a, request: { provenance: { file: 'm', tensor: 'a', shape: [20, 64], dtype: 'BF16' }, kwargs: { transpose: true } } }, options: { compareRules: false } }, { backend: referenceBackend });
    expect(ws.result.a.shape).toEqual([64, 20]);
    const q = quantizeToFp4(transposeMatrix(a), {});
    expect(ws.result.a.metrics).toEqual(computeErrorMetrics(transposeMatrix(a).data, dequantizeFromFp4(q).data));
  });

  it('reports progress and honours cancellation', async () => {
    const a = randomMatrix(rng, 64, 64, 'normal');
    const controller = new AbortController();
    const stages: string[] = [];
    const job = runAnalysis(
      { a: { matrix: a, request: { provenance: { file: 'm', tensor: 'a', shape: [64, 64], dtype: 'BF16' }, kwargs: {} } } },
      { backend: referenceBackend, control: { signal: controller.signal }, onProgress: (p) => { stages.push(p.stage); if (p.stage.startsWith('comparing')) controller.abort(); } },
    );
    await expect(job).rejects.toThrow();
    expect(stages).toContain('quantizing A');
  });
});

describe('rule comparison', () => {
  it('quantizes each side once per variant it has not already analysed', async () => {
    const rng = new SeededRandom(freshSeed('rule comparison reuse'));
    const a = randomMatrix(rng, 40, 64, 'heavy');
    let quantizeCalls = 0;
    const counting = { ...referenceBackend, quantize: (...args: Parameters<typeof referenceBackend.quantize>) => (quantizeCalls++, referenceBackend.quantize(...args)) };
    const ws = await runAnalysis({ a: { matrix: a, request: { provenance: { file: 'mem', tensor: 'a', shape: [40, 64], dtype: 'F32' }, kwargs: { scale_rule: 'l1_norm' } } } }, { backend: counting });
    expect(ws.result.ruleComparison!.a).toHaveLength(7);
    expect(quantizeCalls).toBe(1 + 6);
  });

  it('each row is what a full analysis with that variant reports (metrics-only pass, 2-D blocks and transpose included)', async () => {
    const rng = new SeededRandom(freshSeed('rule comparison rows'));
    const a = randomMatrix(rng, 50, 96, 'heavy');
    const kwargs = { scale_rule: 'mse', block_scale_2d: true, transpose: true } as const;
    const rows = await compareScaleRules(referenceBackend, a, resolveQuantizeKwargs(kwargs));
    for (const row of rows) {
      const full = await runAnalysis(
        { a: { matrix: a, request: { provenance: { file: 'mem', tensor: 'a', shape: [50, 96], dtype: 'F32' }, kwargs: { ...kwargs, scale_rule: row.scale_rule } } }, options: { fp4_format: row.fp4_format, compareRules: false } },
        { backend: referenceBackend },
      );
      expect(row.metrics, `${row.fp4_format} ${row.scale_rule}`).toEqual(full.result.a.metrics);
      expect(row.percentChoosing4, `${row.fp4_format} ${row.scale_rule}`).toBe(full.result.a.blocks.percentChoosing4);
    }
  });
});

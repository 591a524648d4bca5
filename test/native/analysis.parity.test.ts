import { describe, expect, it } from 'vitest';
import { ErrorMetricsAccumulator, errorMetricsFromSums, pairMetrics, type ErrorMetrics } from '../../app/analysis/metrics';
import { roundToBfloat16 } from '../../app/formats/bfloat16';
import { arrayField, poolField, POOL_REDUCES, type FieldSource, type PairView, type PoolWindow } from '../../app/analysis/pooling';
import { pairField } from '../../app/analysis/fields';
import { runAnalysis } from '../../app/analysis/runAnalysis';
import { reduceSideReference, SCALED_HISTOGRAM, type SideReductionInput } from '../../app/analysis/sideReductions';
import { matmulHighPrecisionReference, referenceBackend } from '../../app/backends/referenceBackend';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { FORMAT_PARAMS } from '../../app/quantize/formatParams';
import { prepareQuantizeInput } from '../../app/quantize/prepare';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { resolveQuantizeKwargs, type QuantizeKwargs } from '../../app/quantize/kwargs';
import type { Matrix } from '../../app/tensors/matrix';
import { createCpuBackend } from '../../main/compute/cpuBackend';
import type { NativeField } from '../../main/compute/nativeAddon';
import { BLOCK_MSE_LOG10_BINS, logBinGrid, SCALE_LOG2_BINS } from '../../app/analysis/logBins';
import { edgeMatrix, firstDifference, nativeDisabled, requireAddon, rngFrom, testSeed, THREAD_COUNTS } from './nativeKit';

// The analysis fast paths against app/analysis's definitions: the side reduction's block maps,
// histogram and amax exactly (metrics within double-accumulation order), pooled heatmaps bit
// for bit, and the high-precision product within fp32 accumulation error of the double one.
describe.skipIf(nativeDisabled)('native analysis reductions = app/analysis', () => {
  const addon = nativeDisabled ? null! : requireAddon();
  const isas = nativeDisabled ? [] : addon.cpu.info().isas;
  const seed = testSeed('native analysis parity');

  function expectMetricsClose(ours: ErrorMetrics, ref: ErrorMetrics, label: string): void {
    for (const key of Object.keys(ref) as (keyof ErrorMetrics)[]) {
      const a = ours[key];
      const b = ref[key];
      if (key === 'count' || key === 'maxAbsError' || !Number.isFinite(b)) expect(a, `${label} ${key}`).toBe(b);
      else expect(Math.abs(a - b), `${label} ${key}: native ${a} reference ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
    }
  }

  /** A pooling field as the addon takes it. */
  function nativeFieldOf(field: FieldSource, rows: number, cols: number): NativeField {
    const raw = field.raw!;
    if (raw.kind === 'pair') return { kind: 'pair', rows, cols, ref: raw.ref, refStride: raw.refStride, approx: raw.approx, approxStride: raw.approxStride, view: raw.view, relFloor: raw.relFloor };
    return raw.data instanceof Float32Array ? { kind: 'f32', rows, cols, data: raw.data, stride: raw.stride } : { kind: 'u8', rows, cols, data: raw.data, stride: raw.stride };
  }

  /** What runAnalysis hands a backend for one side. */
  function sideInput(x: Matrix, kwargs: QuantizeKwargs): SideReductionInput {
    const q = quantizeToFp4(x, kwargs);
    const prepared = kwargs.transpose || kwargs.had !== null ? prepareQuantizeInput(x, kwargs).padded : x;
    const dq = dequantizeFromFp4(q, { applyNormconst: true, crop: false });
    const { blockSize } = FORMAT_PARAMS[q.fp4_format];
    return { ref: prepared.data, refStride: prepared.cols, approx: dq.data, approxStride: dq.cols, rows: q.rows, cols: q.cols, blockSize, blockScales: q.blockScales, blockSelection: q.blockSelection, scaleStride: q.paddedCols / blockSize };
  }

  it('metrics from running sums equal the accumulator result (native passes return sums)', () => {
    const acc = new ErrorMetricsAccumulator();
    for (const [r, a] of [
      [1, 1.5],
      [-2, -1],
      [0.25, 0],
    ]) acc.add(r, a);
    expect(acc.sums()).toEqual({ count: 3, sumErr2: 0.25 + 1 + 0.0625, sumAbsErr: 1.75, maxAbs: 1, sumRef2: 1 + 4 + 0.0625, sumApprox2: 2.25 + 1, sumDot: 1.5 + 2 });
    expect(errorMetricsFromSums(acc.sums())).toEqual(acc.result());
  });

  it('pairMetrics (native metricSums): the metrics of strided pairs within accumulation order, the same bits at any thread count', async () => {
    const rng = rngFrom(seed ^ 0x51ed270b);
    for (const [rows, cols, pad] of [
      [1, 1, 0],
      [3, 7, 5],
      [130, 70, 0],
      [37, 200, 24],
      [64, 1031, 1],
    ] as const) {
      const x = edgeMatrix(rng, rows, cols + pad, 'float32');
      const y = edgeMatrix(rng, rows, cols + 3, 'float32');
      const pair = { ref: x.data, refStride: cols + pad, approx: y.data, approxStride: cols + 3, rows, cols };
      const want = pairMetrics(pair);
      for (const isa of isas) {
        const runs = await Promise.all(THREAD_COUNTS.map((threads) => createCpuBackend(addon.cpu, { isa, threads }).backend.pairMetrics!(pair)));
        for (const got of runs) {
          expectMetricsClose(got, want, `[${rows}, ${cols}] isa=${isa} seed=${seed}`);
          expect(got).toEqual(runs[0]); // fixed order: the same bits at every thread count
        }
      }
    }
  });

  it('reduceSide: block maps, histogram and amax exactly; metrics within accumulation order', async () => {
    const rng = rngFrom(seed);
    const cases: [number, number, Partial<QuantizeKwargs>][] = [
      [130, 70, {}],
      [37, 200, { scale_rule: 'always_4', transpose: true }],
      [64, 256, { had: 16, scale_rule: 'l1_norm' }],
      [100, 300, { fp4_format: 'mxfp4', scale_rule: 'always_6' }],
      [1, 16, { block_scale_2d: true }],
      // wide rows: the AVX-512 loop takes whole groups of 16 blocks, the scalar path the rest
      [33, 1000, {}],
      [48, 512, { scale_rule: 'mse' }],
      [20, 1100, { fp4_format: 'mxfp4', scale_rule: 'always_6' }],
      [32, 1024, { fp4_format: 'mxfp4', scale_rule: 'always_4', block_scale_2d: true }],
    ];
    for (const [rows, cols, kw] of cases) {
      const kwargs = resolveQuantizeKwargs(kw);
      const input = sideInput(edgeMatrix(rng, rows, cols, 'bfloat16'), kwargs);
      const ref = reduceSideReference(input);
      for (const isa of isas) {
        for (const threads of THREAD_COUNTS) {
          const { backend } = createCpuBackend(addon.cpu, { isa, threads });
          const ours = await backend.reduceSide!(input);
          const label = `${JSON.stringify(kw)} [${rows}, ${cols}] isa=${isa} threads=${threads} seed=${seed}`;
          expect(firstDifference('blockMse', ours.blockMse, ref.blockMse), label).toBeNull();
          expect(firstDifference('blockMaxAbs', ours.blockMaxAbs, ref.blockMaxAbs), label).toBeNull();
          expect(ours.scaledCounts, label).toEqual(ref.scaledCounts);
          expect(ours.scaledOverflow, label).toBe(ref.scaledOverflow);
          expect(ours.amax, label).toBe(ref.amax);
          expect(ours.choosing4, label).toBe(ref.choosing4);
          expect(firstDifference('scaleLog2 counts', ours.scaleLog2.counts, ref.scaleLog2.counts), label).toBeNull();
          expect(ours.scaleLog2.skipped, label).toBe(ref.scaleLog2.skipped);
          expect(firstDifference('blockMseLog10 counts', ours.blockMseLog10.counts, ref.blockMseLog10.counts), label).toBeNull();
          expect(ours.blockMseLog10.skipped, label).toBe(ref.blockMseLog10.skipped);
          expectMetricsClose(ours.metrics, ref.metrics, label);
        }
      }
    }
  });

  it('reduceSide: tiny values (subnormal scales and MSEs) bin like the reference, every output written', async () => {
    const rng = rngFrom(seed ^ 0x7e1e);
    const wide = edgeMatrix(rng, 24, 800, 'float32');
    const subnormal = { scales: 0, mses: 0 };
    // At 2^-60 block MSEs go subnormal. The quantizer never makes a subnormal scale (NVFP4's
    // normconst and MXFP4's exponent have floors), so some scales are scaled down by hand: the
    // reduction takes whatever scales it is given.
    for (const kw of [{}, { fp4_format: 'mxfp4' as const, scale_rule: 'always_6' as const }]) {
      const tiny: Matrix = { ...wide, data: wide.data.map((v) => Math.fround(v * 2 ** -60)) };
      const quantized = sideInput(tiny, resolveQuantizeKwargs(kw));
      const input = { ...quantized, blockScales: quantized.blockScales.map((v, i) => (i % 3 === 0 ? Math.fround(v * 2 ** -90) : v)) };
      const ref = reduceSideReference(input);
      ref.blockMseLog10.counts.forEach((c, i) => (subnormal.mses += logBinGrid(BLOCK_MSE_LOG10_BINS).thresholds[i] < 2 ** -126 ? c : 0));
      ref.scaleLog2.counts.forEach((c, i) => (subnormal.scales += logBinGrid(SCALE_LOG2_BINS).thresholds[i] < 2 ** -126 ? c : 0));
      const gridCols = Math.ceil(input.cols / input.blockSize);
      const scaleBins = logBinGrid(SCALE_LOG2_BINS).thresholds;
      const mseBins = logBinGrid(BLOCK_MSE_LOG10_BINS).thresholds;
      for (const isa of isas) {
        for (const threads of THREAD_COUNTS) {
          const out = {
            blockMse: new Float32Array(input.rows * gridCols).fill(NaN),
            blockMaxAbs: new Float32Array(input.rows * gridCols).fill(NaN),
            histogram: new Float64Array(SCALED_HISTOGRAM.bins + 1).fill(NaN),
            scaleCounts: new Float64Array(scaleBins.length + 1).fill(NaN),
            mseCounts: new Float64Array(mseBins.length + 1).fill(NaN),
          };
          const { choosing4 } = await addon.cpu.reduceSide(
            { ...input, histogramLo: SCALED_HISTOGRAM.lo, histogramHi: SCALED_HISTOGRAM.hi, histogramBins: SCALED_HISTOGRAM.bins, scaleBins, mseBins },
            out,
            { isa, threads },
          );
          const label = `${JSON.stringify(kw)} isa=${isa} threads=${threads} seed=${seed}`;
          expect(firstDifference('blockMse', out.blockMse, ref.blockMse), label).toBeNull();
          expect(firstDifference('blockMaxAbs', out.blockMaxAbs, ref.blockMaxAbs), label).toBeNull();
          expect(firstDifference('histogram', out.histogram, [...ref.scaledCounts, ref.scaledOverflow]), label).toBeNull();
          expect(firstDifference('scaleCounts', out.scaleCounts, [...ref.scaleLog2.counts, ref.scaleLog2.skipped]), label).toBeNull();
          expect(firstDifference('mseCounts', out.mseCounts, [...ref.blockMseLog10.counts, ref.blockMseLog10.skipped]), label).toBeNull();
          expect(choosing4, label).toBe(ref.choosing4);
        }
      }
    }
    expect(subnormal.mses, 'blocks with a subnormal MSE').toBeGreaterThan(0);
    expect(subnormal.scales, 'blocks with a subnormal scale').toBeGreaterThan(0);
  });

  it('reduceSide repeats exactly: the same sums at every thread count', async () => {
    const input = sideInput(edgeMatrix(rngFrom(seed ^ 0x5eed5), 300, 1000, 'bfloat16'), resolveQuantizeKwargs({}));
    const runs = await Promise.all([1, 2, 3, 0, 7].map((threads) => createCpuBackend(addon.cpu, { threads }).backend.reduceSide!(input)));
    for (const r of runs.slice(1)) expect(r.metrics).toEqual(runs[0].metrics);
  });

  it('pool: every field kind, pair view and reduction, bit for bit', async () => {
    const rng = rngFrom(seed ^ 0x9001);
    const rows = 77;
    const cols = 131;
    const stride = 140;
    const refData = Float32Array.from({ length: rows * stride }, () => (rng() - 0.5) * 10 ** (rng() * 6 - 3));
    const approxData = refData.map((v, i) => (i % 17 === 0 ? 0 : Math.fround(v * (1 + (rng() - 0.5) * 0.1))));
    const bytes = Uint8Array.from({ length: rows * stride }, () => (rng() < 0.5 ? 4 : 6));
    const ref = arrayField(refData, rows, cols, stride);
    const approx = arrayField(approxData, rows, cols, stride);
    const fields: [string, FieldSource][] = [
      ['f32', ref],
      ['u8', arrayField(bytes, rows, cols, stride)],
      ...(['reference', 'approximation', 'signed', 'abs', 'rel'] as PairView[]).map((v): [string, FieldSource] => [`pair ${v}`, pairField(ref, approx, v, 3.5)]),
    ];
    const windows: PoolWindow[] = [
      { r0: 0, r1: rows, c0: 0, c1: cols },
      { r0: 5, r1: 6, c0: 100, c1: 131 },
      { r0: 10, r1: 70, c0: 3, c1: 64 },
    ];
    const { backend } = createCpuBackend(addon.cpu);
    for (const [name, field] of fields) {
      expect(field.raw, name).toBeDefined();
      for (const window of windows) {
        for (const reduce of POOL_REDUCES) {
          for (const [maxRows, maxCols] of [
            [1, 1],
            [7, 13],
            [64, 64],
            [2048, 2048],
          ]) {
            const expected = poolField(field, window, maxRows, maxCols, reduce);
            const ours = await backend.pool!(field.raw!, field.rows, field.cols, window, expected.rows, expected.cols, reduce);
            expect(firstDifference(`${name} ${reduce} ${JSON.stringify(window)} ${maxRows}x${maxCols}`, ours, expected.data)).toBeNull();
          }
        }
      }
    }
  });

  it('pool: ties and signed zeros keep poolField\'s first value (max, min, extreme of +m and -m)', async () => {
    const rng = rngFrom(seed ^ 0x7135);
    const rows = 40;
    const cols = 100;
    const pick = (): number => [-2, -1, -0, 0, 1, 2][Math.floor(rng() * 6)];
    // mostly +-0 with a few +-1 and +-2, so cells tie often
    const refData = Float32Array.from({ length: rows * cols }, () => (rng() < 0.7 ? (rng() < 0.5 ? 0 : -0) : pick()));
    const approxData = Float32Array.from({ length: rows * cols }, (_, i) => (rng() < 0.5 ? refData[i] : pick()));
    const ref = arrayField(refData, rows, cols);
    const approx = arrayField(approxData, rows, cols);
    const fields: [string, FieldSource][] = [['f32', ref], ...(['signed', 'abs', 'rel'] as PairView[]).map((v): [string, FieldSource] => [`pair ${v}`, pairField(ref, approx, v, 1)])];
    for (const isa of isas) {
      const { backend } = createCpuBackend(addon.cpu, { isa });
      for (const [name, field] of fields) {
        for (const reduce of POOL_REDUCES) {
          for (const [maxRows, maxCols] of [[20, 50], [8, 9], [3, 3], [1, 1]]) {
            const window = { r0: 0, r1: rows, c0: 0, c1: cols };
            const expected = poolField(field, window, maxRows, maxCols, reduce);
            const ours = await backend.pool!(field.raw!, rows, cols, window, expected.rows, expected.cols, reduce);
            expect(firstDifference(`${name} ${reduce} ${maxRows}x${maxCols} isa=${isa} seed=${seed}`, ours, expected.data)).toBeNull();
          }
        }
      }
    }
  });

  it('poolMany: fields of one shape in one pass, each equal to poolField, every output written, at any thread count', async () => {
    const rng = rngFrom(seed ^ 0x3a1d);
    const rows = 150;
    const cols = 300;
    const stride = 320;
    const refData = Float32Array.from({ length: rows * stride }, () => (rng() - 0.5) * 10 ** (rng() * 6 - 3));
    const approxData = refData.map((v, i) => (i % 13 === 0 ? -v : Math.fround(v * (1 + (rng() - 0.5) * 0.2))));
    const bytes = Uint8Array.from({ length: rows * cols }, () => (rng() < 0.3 ? 4 : 6));
    const ref = arrayField(refData, rows, cols, stride);
    const approx = arrayField(approxData, rows, cols, stride);
    const batch: { field: FieldSource; reduce: (typeof POOL_REDUCES)[number] }[] = [
      { field: pairField(ref, approx, 'reference', 2), reduce: 'extreme' },
      { field: pairField(ref, approx, 'abs', 2), reduce: 'max' },
      { field: pairField(ref, approx, 'signed', 2), reduce: 'extreme' },
      { field: pairField(ref, approx, 'rel', 2), reduce: 'mean' },
      { field: arrayField(bytes, rows, cols), reduce: 'mean' },
      { field: pairField(ref, approx, 'approximation', 2), reduce: 'min' },
      { field: pairField(ref, approx, 'signed', 2), reduce: 'max_abs' },
    ];
    const windows: PoolWindow[] = [
      { r0: 0, r1: rows, c0: 0, c1: cols },
      { r0: 7, r1: 140, c0: 13, c1: 299 },
    ];
    for (const window of windows) {
      for (const [maxRows, maxCols] of [[128, 128], [37, 200], [2048, 2048], [5, 3]]) {
        const expected = batch.map(({ field, reduce }) => poolField(field, window, maxRows, maxCols, reduce));
        const { rows: outRows, cols: outCols } = expected[0];
        for (const isa of isas) {
          for (const threads of THREAD_COUNTS) {
            const label = `window ${JSON.stringify(window)} ${maxRows}x${maxCols} isa=${isa} threads=${threads} seed=${seed}`;
            const outs = batch.map(() => new Float32Array(outRows * outCols).fill(NaN));
            await addon.cpu.poolMany(
              batch.map(({ field, reduce }, k) => ({ field: nativeFieldOf(field, rows, cols), reduce, out: outs[k] })),
              window,
              outRows,
              outCols,
              { isa, threads },
            );
            for (const [k, e] of expected.entries()) expect(firstDifference(`field ${k} ${label}`, outs[k], e.data)).toBeNull();
          }
        }
        const { backend } = createCpuBackend(addon.cpu);
        const viaBackend = await backend.poolMany!(batch.map(({ field, reduce }) => ({ field: field.raw!, reduce })), rows, cols, window, outRows, outCols);
        for (const [k, e] of expected.entries()) expect(firstDifference(`backend field ${k}`, viaBackend[k], e.data)).toBeNull();
      }
    }
  });

  it('matmulHighPrecision: bf16 products on bf16 inputs, fp32 otherwise, within fp32 accumulation error of double', async () => {
    const rng = rngFrom(seed ^ 0x4af);
    const best = isas[isas.length - 1];
    const cases: [string, Matrix, Matrix, string][] = [];
    const bf = (r: number, c: number): Matrix => {
      // bf16 values of moderate range (the edge generator's subnormals would route to fp32)
      const data = Float32Array.from({ length: r * c }, () => roundToBfloat16((rng() - 0.5) * 2 ** Math.floor(rng() * 20 - 10)));
      return { rows: r, cols: c, data, dtype: 'bfloat16' };
    };
    cases.push(['bf16', bf(70, 200), bf(45, 200), best === 'avx512_bf16' ? 'avx512_bf16' : `${best}_fp32`]);
    cases.push(['bf16 with subnormals', edgeMatrix(rng, 30, 64, 'bfloat16'), bf(20, 64), best === 'avx512_bf16' ? 'avx512_fp32' : `${best}_fp32`]);
    cases.push(['fp16', edgeMatrix(rng, 33, 64, 'float16'), edgeMatrix(rng, 20, 64, 'float16'), best === 'avx512_bf16' ? 'avx512_fp32' : `${best}_fp32`]);
    cases.push(['fp32, odd K', edgeMatrix(rng, 10, 37, 'float32'), edgeMatrix(rng, 9, 37, 'float32'), best === 'avx512_bf16' ? 'avx512_fp32' : `${best}_fp32`]);
    const tiny = (m: Matrix): Matrix => ({ ...m, data: m.data.map((v) => Math.fround(v * 2 ** -70)) });
    cases.push(['bf16 with products below 2^-126', tiny(bf(12, 64)), tiny(bf(8, 64)), best === 'avx512_bf16' ? 'avx512_fp32' : `${best}_fp32`]);
    for (const [name, a, b, expectedKernel] of cases) {
      const ref = matmulHighPrecisionReference(a, b);
      for (const isa of isas) {
        for (const threads of [1, 0]) {
          const out = new Float32Array(a.rows * b.rows).fill(NaN);
          const { kernel } = await addon.cpu.matmulF32(a.data, a.rows, b.data, b.rows, a.cols, out, { isa, threads });
          if (isa === best) expect(kernel, name).toBe(expectedKernel);
          for (let i = 0; i < a.rows; i++) {
            for (let j = 0; j < b.rows; j++) {
              let s = 0;
              for (let t = 0; t < a.cols; t++) s += Math.abs(a.data[i * a.cols + t] * b.data[j * a.cols + t]);
              const bound = a.cols * 2 ** -24 * s * 1.01 + 2 ** -24 * Math.abs(ref[i * b.rows + j]) + 2 ** -149 * a.cols;
              const d = Math.abs(out[i * b.rows + j] - ref[i * b.rows + j]);
              if (!(d <= bound)) expect.fail(`${name} isa=${isa} threads=${threads} [${i}, ${j}]: native ${out[i * b.rows + j]} reference ${ref[i * b.rows + j]} (bound ${bound})`);
            }
          }
        }
      }
    }
    const { backend } = createCpuBackend(addon.cpu);
    await expect(backend.matmulHighPrecision(bf(2, 3), bf(2, 4))).rejects.toThrow('a @ b.T needs the same number of columns; got 3 and 4');
    expect(await backend.matmulHighPrecision({ rows: 0, cols: 5, data: new Float32Array(0), dtype: 'float32' }, bf(2, 5))).toEqual(new Float32Array(0));
  });

  it('a whole analysis on the cpu backend matches the reference backend', async () => {
    const rng = rngFrom(seed ^ 0xa11);
    const provenance = { file: 'mem', tensor: 't', shape: [96, 200], dtype: 'BF16' };
    const a = edgeMatrix(rng, 96, 200, 'bfloat16');
    const b = edgeMatrix(rng, 50, 200, 'bfloat16');
    const job = { a: { matrix: a, request: { provenance, kwargs: { scale_rule: 'mse' as const, had: 16 } } }, b: { matrix: b, request: { provenance, kwargs: { scale_rule: 'always_6' as const } } }, options: { compareRules: true, overviewSize: 32 } };
    const { backend } = createCpuBackend(addon.cpu);
    const ours = (await runAnalysis(job, { backend, now: () => 0 })).result;
    const ref = (await runAnalysis(job, { backend: referenceBackend, now: () => 0 })).result;
    expectMetricsClose(ours.a.metrics, ref.a.metrics, 'a');
    expectMetricsClose(ours.b!.metrics, ref.b!.metrics, 'b');
    expect(ours.a.overview).toEqual(ref.a.overview);
    expect(ours.a.histograms).toEqual(ref.a.histograms);
    expect(ours.a.blocks).toEqual(ref.a.blocks);
    for (const [i, row] of ours.ruleComparison!.a.entries()) expect(row.percentChoosing4).toBe(ref.ruleComparison!.a[i].percentChoosing4);
    // The product and its yardstick: fp32 accumulation in another order on both.
    expect(Math.abs(ours.matmul!.metrics.sqnrDb - ref.matmul!.metrics.sqnrDb)).toBeLessThan(1e-3);
  });
});

import assert from 'node:assert/strict';
import type { Backend, BackendStatus } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { isFp4Error } from '../../app/errors';
import { float32ToBits } from '../../app/formats/float32';
import type { OutDType } from '../../app/matmul/outDtype';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { FP4_FORMATS, ROUND_STYLES, SCALE_RULES, type Fp4Format, type QuantizeKwargs } from '../../app/quantize/kwargs';
import { findNonFinite, prepareQuantizeInput } from '../../app/quantize/prepare';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { QuantizedMatrix, QuantizeResult } from '../../app/quantize/types';
import type { FloatDType, Matrix } from '../../app/tensors/matrix';
import type { NativeCuda } from '../../main/compute/nativeAddon';
import { goldenPath, loadGoldenManifest } from '../golden/goldenCases';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { edgeMatrix, firstDifference, poisonedQuantize, quantizeDifference, refusedQuantizeRequests, rngFrom } from './nativeKit';

/**
 * The `cuda` backend against the reference, as checks that need a GPU. Plain functions with
 * node:assert, so the same checks run under vitest (test/native/cudaBackend.test.ts with
 * FP4LAB_EXPECT_GPU=1) and as a standalone script on a GPU machine without node_modules
 * (test/native/cuda/parityRunner.ts, bundled by test/native/cuda/bundleForGpu.mjs).
 *
 * Byte-identical: quantize (e2m1, sf, block scales, 4/6 choices, normconst) on every golden case
 * and on fresh random odd-shape inputs for every kwarg combination, outputs poisoned first;
 * dequantize. Bit-equal: matmul's bf16/fp16 outputs on the golden set. Within the fp32
 * accumulation-order bound: matmul on random inputs (the reference sums in k order, the GPU in
 * tiles). Plus progress, cancellation, concurrent calls and argument errors.
 */

export interface ParityContext {
  /** The registered cuda backend (getBackend('cuda')). */
  readonly cuda: Backend;
  /** The addon's raw cuda part, loaded (for poisoned outputs and argument checks). */
  readonly raw: NativeCuda;
  readonly statuses: () => BackendStatus[];
  readonly pick: (word: string) => Backend;
  readonly seed: number;
  readonly log: (line: string) => void;
}

export interface ParityCheck {
  readonly name: string;
  readonly timeoutMs: number;
  readonly run: () => Promise<void>;
}

const DTYPES: readonly FloatDType[] = ['float32', 'bfloat16', 'float16'];

/** A rejection as "CODE: message" (or the error's name for non-Fp4Errors), for comparing backends. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isFp4Error(e) ? `${e.code}: ${e.message}` : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** The raw cuda binding's quantize with every output poisoned, as a QuantizeResult. */
function rawQuantize(raw: NativeCuda, x: Matrix, kwargs: QuantizeKwargs): Promise<QuantizeResult> {
  return poisonedQuantize(x, kwargs, (params, out) => raw.quantize(x.data, x.rows, x.cols, params, out));
}

/** Fails with the first `limit` failures listed, after counting all of them. */
function assertNoFailures(what: string, total: number, failures: string[], limit = 8): void {
  assert.ok(total > 0, `${what}: nothing was checked`);
  assert.equal(failures.length, 0, `${what}: ${failures.length} of ${total} failed:\n  ${failures.slice(0, limit).join('\n  ')}`);
}

function packedFromGolden(g: LoadedSafetensors, side: 'a' | 'b', shape: [number, number], format: Fp4Format): QuantizedMatrix {
  const [paddedRows, halfCols] = g.shape(`${side}_e2m1`);
  return { fp4_format: format, rows: shape[0], cols: shape[1], paddedRows, paddedCols: halfCols * 2, e2m1: g.raw(`${side}_e2m1`), sf: g.raw(`${side}_sf`), normconst: g.floats(`${side}_normconst`)[0] };
}

function outBytes(p: { bits: Uint16Array | null; data: Float32Array }): Uint8Array {
  return p.bits ? new Uint8Array(p.bits.buffer, p.bits.byteOffset, p.bits.byteLength) : new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
}

function ulpDistance(a: number, b: number): number {
  const ordered = (x: number): number => {
    const bits = float32ToBits(x);
    return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
  };
  return Math.abs(ordered(a) - ordered(b));
}

/**
 * Exact (fp64) a @ b.T of the dequantized operands and the sum of |products| per output: the
 * worst case of any fp32 summation order is about K * 2^-24 * sum|products| from the exact value.
 */
function exactProduct(a: QuantizedMatrix, b: QuantizedMatrix, outRows: number, outCols: number): { exact: Float64Array; absSum: Float64Array; k: number } {
  const ad = dequantizeFromFp4(a, { applyNormconst: false, crop: false });
  const bd = dequantizeFromFp4(b, { applyNormconst: false, crop: false });
  const k = Math.min(ad.cols, bd.cols);
  const a64 = Float64Array.from(ad.data);
  const b64 = Float64Array.from(bd.data);
  const exact = new Float64Array(outRows * outCols);
  const absSum = new Float64Array(outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    const ai = i * ad.cols;
    for (let j = 0; j < outCols; j++) {
      const bj = j * bd.cols;
      let s = 0;
      let m = 0;
      for (let t = 0; t < k; t++) {
        const p = a64[ai + t] * b64[bj + t];
        s += p;
        m += Math.abs(p);
      }
      exact[i * outCols + j] = s;
      absSum[i * outCols + j] = m;
    }
  }
  return { exact, absSum, k };
}

/**
 * How far a correct fp4_matmul output may be from the exact product e (absSum: the sum of the
 * products' magnitudes, both with the normconsts applied): fp32 summation in any order, the two
 * epilogue roundings, and the cast to the output type, whose rounding near zero is absolute (half
 * its smallest subnormal: bf16 keeps fp32's exponent range with 8 bits, so 2^-134).
 */
function matmulErrorBound(e: number, absSum: number, k: number, outDtype: OutDType): number {
  const castRelative = outDtype === 'bfloat16' ? 2 ** -8 : outDtype === 'float16' ? 2 ** -10 : 2 ** -23;
  const castAbsolute = outDtype === 'bfloat16' ? 2 ** -134 : outDtype === 'float16' ? 2 ** -25 : 2 ** -150;
  return 1.01 * k * 2 ** -24 * absSum + (3 * 2 ** -24 + castRelative) * Math.abs(e) + castAbsolute + 3 * 2 ** -150;
}

/**
 * How the outputs of a @ b.T (logical m x n; each backend's values by name) stand against the
 * exact product: how many are outside matmulErrorBound, the first such one, and the largest
 * share of the bound the first output uses.
 */
function againstExactProduct(
  a: QuantizedMatrix,
  b: QuantizedMatrix,
  m: number,
  n: number,
  outDtype: OutDType,
  outputs: readonly (readonly [string, Float32Array])[],
): { bad: number; firstBad: string; worstShare: number } {
  const { exact, absSum, k } = exactProduct(a, b, m, n);
  const nc = a.normconst * b.normconst;
  let bad = 0;
  let firstBad = '';
  let worstShare = 0;
  for (let t = 0; t < m * n; t++) {
    const e = exact[t] * nc;
    const bound = matmulErrorBound(e, absSum[t] * nc, k, outDtype);
    worstShare = Math.max(worstShare, Math.abs(outputs[0][1][t] - e) / bound);
    for (const [who, data] of outputs) {
      if (!(Math.abs(data[t] - e) <= bound)) {
        bad++;
        firstBad ||= `${who} out[${Math.floor(t / n)}][${t % n}] = ${data[t]}, exact ${e}, bound ${bound}`;
      }
    }
  }
  return { bad, firstBad, worstShare };
}

export function cudaParityChecks(ctx: ParityContext): ParityCheck[] {
  const { log, seed } = ctx;
  // Resolved when a check runs, not when the list is made.
  const cuda: Backend = {
    name: 'cuda',
    quantize: (...args) => ctx.cuda.quantize(...args),
    dequantize: (...args) => ctx.cuda.dequantize(...args),
    matmul: (...args) => ctx.cuda.matmul(...args),
    matmulHighPrecision: (...args) => ctx.cuda.matmulHighPrecision(...args),
  };
  const manifest = loadGoldenManifest();

  return [
    {
      name: 'cuda is available, picked by auto, cutlass names it, and its status names the device, compute capability and GEMM path',
      timeoutMs: 30_000,
      run: async () => {
        const status = ctx.statuses().find((s) => s.name === 'cuda');
        assert.ok(status?.available, `cuda is unavailable: ${status?.reason}`);
        log(`cuda status: ${status.detail}`);
        assert.match(status.detail ?? '', /, compute capability \d+\.\d+ \(sm_\d+, \d+ SMs, \d+ GiB\), (GEMM: .+|no GPU GEMM path .+); high-precision matmul and analysis passes on (cpu|reference)$/);
        assert.equal(ctx.pick('auto').name, 'cuda');
        assert.equal(ctx.pick('cutlass'), ctx.pick('cuda'));
        assert.equal(ctx.pick('gpu'), ctx.pick('cuda'));
      },
    },

    {
      name: 'quantize: every golden case byte-identical to the reference (e2m1, sf, block scales, 4/6 choices, normconst)',
      timeoutMs: 300_000,
      run: async () => {
        const failures: string[] = [];
        for (const c of manifest.quantize) {
          const x = (await LoadedSafetensors.load(goldenPath(c.input))).matrix('x');
          const kwargs = { ...c.kwargs, had: c.kwargs.had ? 16 : null } as QuantizeKwargs;
          const ref = await referenceBackend.quantize(x, kwargs);
          const ours = await cuda.quantize(x, kwargs);
          const diff = quantizeDifference(ours, ref);
          if (diff) failures.push(`${c.id}: ${diff}`);
        }
        log(`quantize golden: ${manifest.quantize.length - failures.length} of ${manifest.quantize.length} byte-identical`);
        assertNoFailures('golden quantize', manifest.quantize.length, failures);
      },
    },

    {
      name: 'quantize: fresh random odd shapes, every kwarg combination and dtype, poisoned outputs, every byte; refusals as the reference',
      timeoutMs: 600_000,
      run: async () => {
        const rng = rngFrom(seed);
        const failures: string[] = [];
        let identical = 0;
        let refused = 0;
        let overflowed = 0;
        let total = 0;
        for (const fp4_format of FP4_FORMATS)
          for (const scale_rule of SCALE_RULES)
            for (const block_scale_2d of [false, true])
              for (const had of [null, 16, 128])
                for (const round_style of ROUND_STYLES)
                  for (const transpose of [false, true])
                    for (const dtype of DTYPES) {
                      total++;
                      const rows = 1 + Math.floor(rng() * 200);
                      const cols = 1 + Math.floor(rng() * 300);
                      const x = edgeMatrix(rng, rows, cols, dtype, { huge: rng() < 0.2 });
                      const kwargs = { fp4_format, scale_rule, block_scale_2d, had, round_style, seed: Math.floor(rng() * 2 ** 32), transpose } as QuantizeKwargs;
                      const what = `${JSON.stringify(kwargs)} ${dtype} [${rows}, ${cols}]`;
                      let ref: QuantizeResult;
                      try {
                        ref = quantizeToFp4(x, kwargs);
                      } catch (e) {
                        // The reference refuses (mxfp4 with an adaptive rule, a rotation wider than the padded columns): so must cuda, with the same code.
                        refused++;
                        const theirs = isFp4Error(e) ? e.code : String(e);
                        const ours = await outcome(cuda.quantize(x, kwargs));
                        if (!ours.startsWith(`${theirs}: `)) failures.push(`${what}: reference refused (${theirs}: ${(e as Error).message}), cuda gave ${ours}`);
                        continue;
                      }
                      try {
                        const diff = quantizeDifference(await rawQuantize(ctx.raw, x, kwargs), ref);
                        if (diff) failures.push(`${what}: ${diff}`);
                        else identical++;
                      } catch (e) {
                        // A rotation of values near the fp32 limit can overflow to Inf: the reference
                        // quantizes the Inf, the library refuses it (NON_FINITE) — the one known difference.
                        if ((e as { code?: string }).code === 'NON_FINITE' && findNonFinite(prepareQuantizeInput(x, kwargs).padded).count > 0) overflowed++;
                        else failures.push(`${what}: cuda failed: ${(e as Error).message}`);
                      }
                    }
        log(`quantize random (seed ${seed}): ${identical} byte-identical, ${refused} refused as the reference, ${overflowed} refused because the rotation overflowed to Inf, ${failures.length} failed, of ${total} combinations`);
        assertNoFailures('random quantize', total, failures);
        assert.ok(identical > total / 2, `only ${identical} of ${total} combinations were quantized`);
      },
    },

    {
      // The odd shapes above rarely give whole 64-value rows (the vectorized loads of the 1-D
      // kernels, no column padding) or more blocks than one pass of the grid: every case here does.
      name: 'quantize: bf16/fp16 rows of whole 64-value groups and a tensor larger than one grid pass equal the reference (nvfp4 1-D nearest, every rule)',
      timeoutMs: 300_000,
      run: async () => {
        const rng = rngFrom(seed ^ 0x2545f491);
        const failures: string[] = [];
        let total = 0;
        for (const dtype of ['bfloat16', 'float16'] as const)
          for (const scale_rule of SCALE_RULES)
            for (let i = 0; i < 7; i++) {
              total++;
              const [rows, cols] = i === 6 ? [1100, 2048] : [1 + Math.floor(rng() * 300), 64 * (1 + Math.floor(rng() * 8))];
              const x = edgeMatrix(rng, rows, cols, dtype, { huge: i % 3 === 1 });
              const kwargs = { fp4_format: 'nvfp4', scale_rule, block_scale_2d: false, had: null, round_style: 'nearest', transpose: false } as QuantizeKwargs;
              const diff = quantizeDifference(await rawQuantize(ctx.raw, x, kwargs), quantizeToFp4(x, kwargs));
              if (diff) failures.push(`${scale_rule} ${dtype} [${rows}, ${cols}]: ${diff}`);
            }
        log(`quantize whole-row groups (seed ${seed}): ${total - failures.length} of ${total} byte-identical`);
        assertNoFailures('whole-row quantize', total, failures);
      },
    },

    {
      name: 'quantize through the Backend: random inputs equal the reference (fresh outputs, the registered path)',
      timeoutMs: 120_000,
      run: async () => {
        const rng = rngFrom(seed ^ 0x5bd1e995);
        const failures: string[] = [];
        const n = 40;
        for (let i = 0; i < n; i++) {
          const format = rng() < 0.5 ? 'nvfp4' : 'mxfp4';
          const rules = format === 'nvfp4' ? SCALE_RULES : (['always_4', 'always_6'] as const);
          const kwargs = { fp4_format: format, scale_rule: rules[Math.floor(rng() * rules.length)], block_scale_2d: rng() < 0.3, had: rng() < 0.3 ? 16 : null, round_style: rng() < 0.3 ? 'stochastic' : 'nearest', seed: i, transpose: rng() < 0.5 } as QuantizeKwargs;
          const x = edgeMatrix(rng, 1 + Math.floor(rng() * 400), 1 + Math.floor(rng() * 500), DTYPES[i % 3]);
          const diff = quantizeDifference(await cuda.quantize(x, kwargs), quantizeToFp4(x, kwargs));
          if (diff) failures.push(`${JSON.stringify(kwargs)} [${x.rows}, ${x.cols}]: ${diff}`);
        }
        assertNoFailures('Backend quantize', n, failures);
      },
    },

    {
      name: 'dequantize: bit-exact, cropped and padded, with and without the normconst',
      timeoutMs: 120_000,
      run: async () => {
        const rng = rngFrom(seed ^ 0x1b873593);
        const failures: string[] = [];
        let total = 0;
        for (let i = 0; i < 24; i++) {
          const format = i % 2 === 0 ? 'nvfp4' : 'mxfp4';
          const x = edgeMatrix(rng, 1 + Math.floor(rng() * 300), 1 + Math.floor(rng() * 400), DTYPES[i % 3], { huge: i % 5 === 0 });
          const q = quantizeToFp4(x, { fp4_format: format, scale_rule: format === 'nvfp4' && i % 4 === 0 ? 'mse' : 'always_6', transpose: i % 3 === 0 });
          for (const options of [{}, { crop: false }, { applyNormconst: false }, { crop: false, applyNormconst: false }]) {
            total++;
            const ours = await cuda.dequantize(q, options);
            const ref = dequantizeFromFp4(q, options);
            const diff = [ours.rows, ours.cols].join() !== [ref.rows, ref.cols].join() ? `shape ${ours.rows}x${ours.cols} vs ${ref.rows}x${ref.cols}` : firstDifference('values', ours.data, ref.data);
            if (diff) failures.push(`${format} [${q.rows}, ${q.cols}] ${JSON.stringify(options)}: ${diff}`);
          }
        }
        log(`dequantize: ${total - failures.length} of ${total} bit-exact`);
        assertNoFailures('dequantize', total, failures);
      },
    },

    {
      name: 'matmul: every golden case bit-equal in bf16/fp16 (fp32: within the accumulation bound), from packed operands and from high precision',
      timeoutMs: 300_000,
      run: async () => {
        const failures: string[] = [];
        let bitEqual = 0;
        let maxUlpF32 = 0;
        for (const c of manifest.matmul) {
          const g = await LoadedSafetensors.load(goldenPath(c.file));
          const a = packedFromGolden(g, 'a', c.a_shape, c.fp4_format);
          const b = packedFromGolden(g, 'b', c.b_shape, c.fp4_format);
          const options = { out_dtype: c.out_dtype, out_shape: c.out_shape };
          const fromPacked = await cuda.matmul(a, b, options);
          const aq = await cuda.quantize(g.matrix('a'), { fp4_format: c.fp4_format, ...c.a_quantize_kwargs } as QuantizeKwargs);
          const bq = await cuda.quantize(g.matrix('b'), { fp4_format: c.fp4_format, ...c.b_quantize_kwargs } as QuantizeKwargs);
          const fromHp = await cuda.matmul(aq, bq, options);
          if (!Object.is(aq.normconst, a.normconst) || !Object.is(bq.normconst, b.normconst)) failures.push(`${c.id}: normconsts ${aq.normconst}/${bq.normconst} vs golden ${a.normconst}/${b.normconst}`);
          for (const [how, r] of [
            ['packed', fromPacked],
            ['high precision', fromHp],
          ] as const) {
            if (r.rows !== c.out_shape[0] || r.cols !== c.out_shape[1]) {
              failures.push(`${c.id} (${how}): shape ${r.rows}x${r.cols}`);
              continue;
            }
            if (c.out_dtype === 'float32') {
              // fp32: the summation order is free; within the accumulation bound of the exact product.
              const ref = g.floats('out');
              const { exact, absSum, k } = exactProduct(a, b, c.out_shape[0], c.out_shape[1]);
              const nc = a.normconst * b.normconst;
              let ulp = 0;
              let outside = 0;
              for (let i = 0; i < ref.length; i++) {
                ulp = Math.max(ulp, ulpDistance(r.data[i], ref[i]));
                const e = exact[i] * nc;
                if (!(Math.abs(r.data[i] - e) <= matmulErrorBound(e, absSum[i] * nc, k, 'float32'))) outside++;
              }
              maxUlpF32 = Math.max(maxUlpF32, ulp);
              if (outside > 0) failures.push(`${c.id} (${how}): ${outside} fp32 outputs outside the accumulation bound (max ${ulp} ulp from the golden)`);
              if (ulp === 0) bitEqual++;
            } else {
              const diff = firstDifference(`${c.out_dtype} bytes`, outBytes(r), g.raw('out'));
              if (diff) failures.push(`${c.id} (${how}): ${diff}`);
              else bitEqual++;
            }
          }
        }
        log(`matmul golden: ${bitEqual} of ${2 * manifest.matmul.length} bit-equal (packed and from high precision); fp32 outputs at most ${maxUlpF32} ulp from the golden`);
        assertNoFailures('golden matmul', manifest.matmul.length, failures);
      },
    },

    {
      name: 'matmul: random odd shapes within the fp32 accumulation-order bound of the exact product (and of the reference)',
      timeoutMs: 600_000,
      run: async () => {
        const rng = rngFrom(seed ^ 0x27d4eb2f);
        const failures: string[] = [];
        // fp32 outputs: cuda against the reference, elementwise and normwise, and the share of the bound used.
        let maxRel = 0;
        let maxAbsOverScale = 0;
        let sumSqDiff = 0;
        let sumSqRef = 0;
        let worstBoundShare = 0;
        let bf16Outputs = 0;
        let bf16BitsDiffer = 0;
        const shapes: [number, number, number][] = [];
        for (let i = 0; i < 10; i++) shapes.push([1 + Math.floor(rng() * 300), 1 + Math.floor(rng() * 300), 1 + Math.floor(rng() * 900)]);
        shapes.push([257, 385, 4099], [640, 768, 1536]); // several tiles, a partial last wave, long K
        for (let i = 0; i < shapes.length; i++) {
          const [m, n, k] = shapes[i];
          const format = i % 2 === 0 ? 'nvfp4' : 'mxfp4';
          const outDtype: OutDType = i % 4 === 3 ? 'bfloat16' : 'float32';
          const a = quantizeToFp4(edgeMatrix(rng, m, k, 'bfloat16'), { fp4_format: format, scale_rule: format === 'nvfp4' ? 'mse' : 'always_6' });
          const b = quantizeToFp4(edgeMatrix(rng, n, k, 'bfloat16'), { fp4_format: format, scale_rule: format === 'nvfp4' ? 'abs_max' : 'always_4' });
          const options = { out_dtype: outDtype, out_shape: [m, n] as [number, number] };
          const ours = await cuda.matmul(a, b, options);
          const ref = await referenceBackend.matmul(a, b, options);
          const { bad, firstBad, worstShare } = againstExactProduct(a, b, m, n, outDtype, [
            ['cuda', ours.data],
            ['reference', ref.data],
          ]);
          let refScale = 0;
          let maxDiff = 0;
          if (outDtype === 'float32') {
            worstBoundShare = Math.max(worstBoundShare, worstShare);
            for (let t = 0; t < m * n; t++) {
              const d = Math.abs(ours.data[t] - ref.data[t]);
              if (ref.data[t] !== 0) maxRel = Math.max(maxRel, d / Math.abs(ref.data[t]));
              refScale = Math.max(refScale, Math.abs(ref.data[t]));
              maxDiff = Math.max(maxDiff, d);
              sumSqDiff += d * d;
              sumSqRef += ref.data[t] * ref.data[t];
            }
          } else {
            for (let t = 0; t < m * n; t++) {
              bf16Outputs++;
              if (ours.bits![t] !== ref.bits![t]) bf16BitsDiffer++;
            }
          }
          if (refScale > 0) maxAbsOverScale = Math.max(maxAbsOverScale, maxDiff / refScale);
          if (bad > 0) failures.push(`${format} ${outDtype} [${m}x${k}] @ [${n}x${k}].T: ${bad} outputs outside the bound; first: ${firstBad}`);
        }
        log(
          `matmul random (seed ${seed}): ${shapes.length - failures.length} of ${shapes.length} products within the fp32 accumulation bound. fp32 outputs vs the reference: ` +
            `max relative difference ${maxRel.toExponential(3)} (elementwise, |ref| > 0), max |diff| / max |ref| ${maxAbsOverScale.toExponential(3)}, ` +
            `||diff|| / ||ref|| ${(sumSqRef > 0 ? Math.sqrt(sumSqDiff / sumSqRef) : 0).toExponential(3)}, at most ${(100 * worstBoundShare).toFixed(2)}% of the bound used; ` +
            `bf16 outputs: ${bf16BitsDiffer} of ${bf16Outputs} differ from the reference's bits (each within the bound)`,
        );
        assertNoFailures('random matmul', shapes.length, failures);
      },
    },

    {
      // Tensor cores flush subnormal products and partial sums; the library sends MXFP4 operands
      // whose scale exponents could produce them (or overflow) to its CUDA-core GEMM. Each case
      // here is built to need it: tiny x moderate (subnormal products), subnormal bf16 operand
      // values, huge x huge (sums near the fp32 limit), one tiny row among normal ones.
      name: 'matmul: MXFP4 operands at the ends of the exponent range (subnormal products, sums near overflow) within the bound',
      timeoutMs: 120_000,
      run: async () => {
        const rng = rngFrom(seed ^ 0x165667b1);
        const failures: string[] = [];
        const scaled = (rows: number, cols: number, log2: (r: number) => number): Matrix => {
          const data = new Float32Array(rows * cols);
          for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = Math.fround((rng() * 2 - 1) * 2 ** log2(r));
          return { rows, cols, data, dtype: 'float32' };
        };
        const cases: { what: string; a: (m: number, k: number) => Matrix; b: (n: number, k: number) => Matrix }[] = [
          { what: 'tiny x moderate', a: (m, k) => scaled(m, k, () => -124), b: (n, k) => scaled(n, k, () => -9) },
          { what: 'subnormal operand values', a: (m, k) => scaled(m, k, () => -127), b: (n, k) => scaled(n, k, () => 20) },
          { what: 'huge x huge', a: (m, k) => scaled(m, k, () => 60), b: (n, k) => scaled(n, k, () => 52) },
          { what: 'one tiny row', a: (m, k) => scaled(m, k, (r) => (r === 3 ? -126 : 0)), b: (n, k) => scaled(n, k, () => -3) },
        ];
        let total = 0;
        for (const c of cases)
          for (const outDtype of ['float32', 'bfloat16'] as OutDType[]) {
            total++;
            const [m, n, k] = [1 + Math.floor(rng() * 150), 1 + Math.floor(rng() * 150), 32 + Math.floor(rng() * 600)];
            const a = quantizeToFp4(c.a(m, k), { fp4_format: 'mxfp4', scale_rule: 'always_6' });
            const b = quantizeToFp4(c.b(n, k), { fp4_format: 'mxfp4', scale_rule: 'always_6' });
            const options = { out_dtype: outDtype, out_shape: [m, n] as [number, number] };
            const ours = await cuda.matmul(a, b, options);
            const ref = await referenceBackend.matmul(a, b, options);
            const { bad, firstBad } = againstExactProduct(a, b, m, n, outDtype, [
              ['cuda', ours.data],
              ['reference', ref.data],
            ]);
            if (bad > 0) failures.push(`${c.what} ${outDtype} [${m}x${k}] @ [${n}x${k}].T: ${bad} outputs outside the bound; first: ${firstBad}`);
          }
        log(`matmul at the MXFP4 exponent extremes (seed ${seed}): ${total - failures.length} of ${total} within the bound`);
        assertNoFailures('exponent-extreme matmul', total, failures);
      },
    },

    {
      name: 'progress rises to 1; an abort stops quantize, dequantize and matmul with CANCELLED; the next call still works',
      timeoutMs: 120_000,
      run: async () => {
        const x: Matrix = edgeMatrix(rngFrom(seed ^ 7), 2048, 4096, 'bfloat16');
        const kwargs = { scale_rule: 'mse', had: 128 } as QuantizeKwargs;
        const seen: number[] = [];
        const q = await cuda.quantize(x, kwargs, { onProgress: (f) => seen.push(f) });
        await new Promise((r) => setTimeout(r, 20)); // a late report must not arrive after the 1
        assert.equal(seen.at(-1), 1, `progress ${seen.join(', ')}`);
        assert.ok(seen.length >= 2 && seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f > seen[i - 1])), `progress not increasing: ${seen.join(', ')}`);
        const mm: number[] = [];
        await cuda.matmul(q, q, { out_dtype: 'bfloat16' }, { onProgress: (f) => mm.push(f) });
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(mm.at(-1), 1);

        // The library checks the flag between its steps, the last one included: an abort that
        // lands while the job runs always cancels it.
        const cancelled = async (op: string, start: (signal: AbortSignal) => Promise<unknown>): Promise<void> => {
          const controller = new AbortController();
          const run = start(controller.signal);
          controller.abort();
          await assert.rejects(run, (e: unknown) => isFp4Error(e) && e.code === 'CANCELLED' && e.message === `${op} was cancelled`, `${op} was not cancelled`);
        };
        await cancelled('quantize', (signal) => cuda.quantize(x, kwargs, { signal }));
        await cancelled('dequantize', (signal) => cuda.dequantize(q, {}, { signal }));
        await cancelled('gemm', (signal) => cuda.matmul(q, q, { out_dtype: 'float32' }, { signal }));

        // Aborted before the start: the same error as the reference (the signal's own reason).
        const aborted = AbortSignal.abort();
        assert.equal(await outcome(cuda.quantize(x, kwargs, { signal: aborted })), await outcome(referenceBackend.quantize(x, kwargs, { signal: aborted })));

        // The contexts the cancelled jobs used are fine.
        const again = await cuda.quantize(x, kwargs);
        assert.equal(quantizeDifference(again, q), null);
        log(`progress: quantize reported ${seen.map((f) => f.toFixed(2)).join(' ')}; cancellation of quantize, dequantize and matmul: CANCELLED`);
      },
    },

    {
      name: 'concurrent calls (one library context per worker thread) give the same bytes as one at a time',
      timeoutMs: 120_000,
      run: async () => {
        const rng = rngFrom(seed ^ 11);
        const inputs = Array.from({ length: 8 }, (_, i) => edgeMatrix(rng, 300 + i * 37, 1000 + i * 13, DTYPES[i % 3]));
        const kwargs = { scale_rule: 'l1_norm', round_style: 'stochastic', seed: 5 } as QuantizeKwargs;
        const results = await Promise.all(inputs.map((x) => cuda.quantize(x, kwargs)));
        const failures = results.map((r, i) => quantizeDifference(r, quantizeToFp4(inputs[i], kwargs))).filter((d): d is string => d !== null);
        assertNoFailures('concurrent quantize', inputs.length, failures);
      },
    },

    {
      name: 'bad arguments: JS errors naming the argument; refusals with the reference code and message',
      timeoutMs: 60_000,
      run: async () => {
        const { withNaN: x, fine, cases } = refusedQuantizeRequests();
        for (const [m, kw] of cases) {
          const ref = await outcome(referenceBackend.quantize(m, kw as unknown as QuantizeKwargs));
          assert.notEqual(ref, 'resolved');
          assert.equal(await outcome(cuda.quantize(m, kw as unknown as QuantizeKwargs)), ref, JSON.stringify(kw));
        }
        // The library itself names the NaN (the backend rethrows the reference's sentence).
        await assert.rejects(rawQuantize(ctx.raw, x, quantizeToFp4(fine, {}).kwargs), (e: Error & { code?: string }) => e.code === 'NON_FINITE' && /NaN|non-finite|Inf/i.test(e.message));

        const a = quantizeToFp4(fine, {});
        const b = quantizeToFp4({ rows: 2, cols: 70, data: new Float32Array(140).fill(1), dtype: 'float32' }, {});
        assert.equal(await outcome(cuda.matmul(a, b, { out_dtype: 'bfloat16' })), await outcome(referenceBackend.matmul(a, b, { out_dtype: 'bfloat16' })));
        assert.match(await outcome(cuda.matmul(a, a, { out_dtype: 'bfloat16', out_shape: [129, 1] })), /^INVALID_ARGUMENT: out_shape \[129, 1\] must be positive and at most the padded product \[128, 128\]$/);
        assert.match(await outcome(cuda.matmul(a, a, { out_dtype: 'int8' as OutDType })), /^INVALID_ARGUMENT: /);

        // The binding's own checks: type and length of every array, shapes of packed operands.
        const packed = { fp4_format: 'nvfp4' as const, rows: a.rows, cols: a.cols, paddedRows: a.paddedRows, paddedCols: a.paddedCols, e2m1: a.e2m1, sf: a.sf, normconst: a.normconst };
        const throwsInvalid = (f: () => unknown, kind: typeof TypeError | typeof RangeError, message: RegExp): void =>
          assert.throws(f, (e: Error & { code?: string }) => e instanceof kind && e.code === 'INVALID_ARGUMENT' && message.test(e.message), `expected ${kind.name} ${message}`);
        throwsInvalid(() => ctx.raw.quantize(new Float64Array(6) as never, 2, 3, { fp4_format: 'nvfp4', scale_rule: 'abs_max' }, { e2m1: new Uint8Array(4096), sf: new Uint8Array(512) }), TypeError, /^cuda\.quantize: x must be a Float32Array; got Float64Array$/);
        throwsInvalid(() => ctx.raw.quantize(new Float32Array(6), 2, 3, { fp4_format: 'nvfp4', scale_rule: 'abs_max' }, { e2m1: new Uint8Array(10), sf: new Uint8Array(512) }), RangeError, /^cuda\.quantize: out\.e2m1 has 10 elements; the shapes need 4096$/);
        throwsInvalid(() => ctx.raw.quantize(new Float32Array(6), 2, 3, { fp4_format: 'fp8' as never, scale_rule: 'abs_max' }, { e2m1: new Uint8Array(4096), sf: new Uint8Array(512) }), RangeError, /params\.fp4_format must be one of nvfp4, mxfp4; got 'fp8'/);
        throwsInvalid(() => ctx.raw.dequantize({ ...packed, paddedRows: 200 }, { applyNormconst: true, crop: true }, new Float32Array(6)), RangeError, /packed: padded shape \[200, 64\] must be multiples of \[128, 64\]/);
        throwsInvalid(() => ctx.raw.dequantize({ ...packed, rows: 129 }, { applyNormconst: true, crop: true }, new Float32Array(6)), RangeError, /packed\.rows must be from 1 to 128; got 129/);
        throwsInvalid(() => ctx.raw.gemm(packed, packed, { out_dtype: 'bfloat16', outRows: 2, outCols: 2 }, { values: new Float32Array(4) }), TypeError, /out\.bits must be a Uint16Array; got undefined/);
        // Values the library refuses come back as a rejection with its sentence.
        await assert.rejects(ctx.raw.dequantize({ ...packed, normconst: 0 }, { applyNormconst: true, crop: true }, new Float32Array(6)), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /normconst must be a positive finite fp32 value/.test(e.message));
      },
    },
  ];
}

import { describe, expect, it } from 'vitest';
import { float32ToBfloat16Bits } from '../../app/formats/bfloat16';
import { float32ToFloat16Bits } from '../../app/formats/float16';
import { fp4Matmul, matmulQuantized } from '../../app/matmul/fp4Matmul';
import type { OutDType } from '../../app/matmul/outDtype';
import { swizzleScales, unswizzleScales } from '../../app/quantize/blockedLayout';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { FORMAT_PARAMS } from '../../app/quantize/formatParams';
import type { Fp4Format, QuantizeKwargs } from '../../app/quantize/kwargs';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { QuantizedMatrix } from '../../app/quantize/types';
import type { NativeIsa } from '../../main/compute/nativeAddon';
import { goldenPath, loadGoldenManifest } from '../golden/goldenCases';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { edgeMatrix, firstDifference, nativeDisabled, packedOf, requireAddon, rngFrom, testSeed, THREAD_COUNTS } from './nativeKit';

// Native fp4 GEMM against the reference: bf16 (and fp16) outputs bit-equal on the golden set;
// on random inputs within the error bound of fp32 accumulation in another order (the products
// are exact, only the sums round), with the largest relative difference printed.
describe.skipIf(nativeDisabled)('native gemm = reference fp4_matmul', () => {
  const addon = nativeDisabled ? null! : requireAddon();
  const isas = nativeDisabled ? [] : addon.cpu.info().isas;
  const seed = testSeed('native gemm parity');

  interface NativeProduct {
    values: Float32Array;
    bits: Uint16Array | null;
    kernel: string;
  }

  async function nativeGemm(a: QuantizedMatrix, b: QuantizedMatrix, outDtype: OutDType, outRows: number, outCols: number, isa: NativeIsa, threads: number): Promise<NativeProduct> {
    const values = new Float32Array(outRows * outCols).fill(NaN);
    const bits = outDtype === 'float32' ? null : new Uint16Array(outRows * outCols).fill(0xfbad);
    const { kernel } = await addon.cpu.gemm(packedOf(a), packedOf(b), { out_dtype: outDtype, outRows, outCols }, bits ? { values, bits } : { values }, { isa, threads });
    return { values, bits, kernel };
  }

  function packedSide(g: LoadedSafetensors, side: 'a' | 'b', shape: [number, number], format: Fp4Format): QuantizedMatrix {
    const [paddedRows, halfCols] = g.shape(`${side}_e2m1`);
    return { fp4_format: format, rows: shape[0], cols: shape[1], paddedRows, paddedCols: halfCols * 2, e2m1: g.raw(`${side}_e2m1`), sf: g.raw(`${side}_sf`), normconst: g.floats(`${side}_normconst`)[0] };
  }

  /** ulp distance between two fp32 values (through the ordered integer line, so signs are handled). */
  function ulpDistance(x: number, y: number): number {
    const ordered = (v: number): number => {
      const bits = new Int32Array(new Float32Array([v]).buffer)[0];
      return bits < 0 ? -(bits & 0x7fffffff) : bits;
    };
    return Math.abs(ordered(x) - ordered(y));
  }

  describe('golden set', () => {
    for (const c of loadGoldenManifest().matmul) {
      it(`${c.id}: ${c.out_dtype} output ${c.out_dtype === 'float32' ? 'within 4 ulp of' : 'bit-equal to'} the reference library's`, async () => {
        const g = await LoadedSafetensors.load(goldenPath(c.file));
        const a = packedSide(g, 'a', c.a_shape, c.fp4_format);
        const b = packedSide(g, 'b', c.b_shape, c.fp4_format);
        const golden = g.raw('out');
        let maxUlp = 0;
        for (const isa of isas) {
          for (const threads of THREAD_COUNTS) {
            const r = await nativeGemm(a, b, c.out_dtype, c.out_shape[0], c.out_shape[1], isa, threads);
            if (r.bits) {
              expect(firstDifference('out bytes', new Uint8Array(r.bits.buffer), golden), `${c.id} isa=${isa} threads=${threads}`).toBeNull();
            } else {
              const ref = g.floats('out');
              for (let i = 0; i < ref.length; i++) maxUlp = Math.max(maxUlp, ulpDistance(r.values[i], ref[i]));
            }
          }
        }
        if (c.out_dtype === 'float32') {
          console.log(`${c.id}: max fp32 ulp distance to the reference library ${maxUlp}`);
          expect(maxUlp).toBeLessThanOrEqual(4);
        }
      });
    }
  });

  /** sum_k |a_ik b_jk| over the padded product (fp64), the scale of the accumulation error, cached per pair. */
  const absSums = new WeakMap<QuantizedMatrix, WeakMap<QuantizedMatrix, { k: number; sums: Float64Array }>>();
  function absSumsOf(a: QuantizedMatrix, b: QuantizedMatrix): { k: number; sums: Float64Array } {
    let inner = absSums.get(a);
    if (!inner) absSums.set(a, (inner = new WeakMap()));
    let entry = inner.get(b);
    if (!entry) {
      const ad = dequantizeFromFp4(a, { applyNormconst: false, crop: false });
      const bd = dequantizeFromFp4(b, { applyNormconst: false, crop: false });
      const k = Math.min(ad.cols, bd.cols);
      const sums = new Float64Array(a.paddedRows * b.paddedRows);
      for (let i = 0; i < a.paddedRows; i++) {
        for (let j = 0; j < b.paddedRows; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += Math.abs(ad.data[i * ad.cols + t] * bd.data[j * bd.cols + t]);
          sums[i * b.paddedRows + j] = s;
        }
      }
      inner.set(b, (entry = { k, sums }));
    }
    return entry;
  }

  /** |ours - ref| <= 2 K u sum|a b| |nc_a nc_b| (two fp32 summation orders) + a few output roundings. */
  function compareWithBound(label: string, a: QuantizedMatrix, b: QuantizedMatrix, ours: Float32Array, ref: Float32Array, outRows: number, outCols: number): { normwise: number; elementwise: number } {
    const { k, sums } = absSumsOf(a, b);
    const u = 2 ** -24;
    const nc = Math.abs(a.normconst * b.normconst);
    let normwise = 0;
    let elementwise = 0;
    for (let i = 0; i < outRows; i++) {
      for (let j = 0; j < outCols; j++) {
        const s = sums[i * b.paddedRows + j];
        const r = ref[i * outCols + j];
        const o = ours[i * outCols + j];
        if (!Number.isFinite(r) || !Number.isFinite(o)) {
          expect(Object.is(o, r) || (Number.isNaN(o) && Number.isNaN(r)), `${label} [${i}, ${j}]: native ${o} reference ${r}`).toBe(true);
          continue;
        }
        const bound = (2 * k * u * s + 4 * u * Math.abs(r)) * nc * 1.01 + 2 ** -149 * (k + 4);
        const d = Math.abs(o - r);
        if (d > bound) expect.fail(`${label} [${i}, ${j}]: native ${o} reference ${r}, difference ${d} > bound ${bound}`);
        if (s > 0) normwise = Math.max(normwise, d / (s * nc));
        if (r !== 0) elementwise = Math.max(elementwise, d / Math.abs(r));
      }
    }
    return { normwise, elementwise };
  }

  function quantized(rng: () => number, rows: number, cols: number, kwargs: Partial<QuantizeKwargs>): QuantizedMatrix {
    return quantizeToFp4(edgeMatrix(rng, rows, cols, 'bfloat16'), kwargs);
  }

  it('random odd shapes, both formats, every out_dtype and out_shape crops', async () => {
    const rng = rngFrom(seed);
    let worst = { normwise: 0, elementwise: 0 };
    const shapes: [number, number, number][] = [
      [1, 1, 16],
      [37, 83, 200],
      [130, 70, 1000],
      [257, 129, 64],
      [20, 300, 333],
    ];
    for (const format of ['nvfp4', 'mxfp4'] as const) {
      for (const [m, n, k] of shapes) {
        const a = quantized(rng, m, k, { fp4_format: format, scale_rule: format === 'nvfp4' ? 'mse' : 'always_6' });
        const b = quantized(rng, n, k, { fp4_format: format, scale_rule: 'always_6' });
        const crops: [number, number][] = [
          [a.paddedRows, b.paddedRows],
          [m, n],
          [Math.max(1, m - 1), Math.min(b.paddedRows, n + 3)],
        ];
        for (const [outRows, outCols] of crops) {
          const ref = matmulQuantized(a, b, { out_dtype: 'float32', out_shape: [outRows, outCols] });
          for (const isa of isas) {
            for (const threads of THREAD_COUNTS) {
              const label = `${format} [${m}x${k}]@[${n}x${k}]^T crop [${outRows}, ${outCols}] isa=${isa} threads=${threads} seed=${seed}`;
              const f32 = await nativeGemm(a, b, 'float32', outRows, outCols, isa, threads);
              const diff = compareWithBound(label, a, b, f32.values, ref.data, outRows, outCols);
              worst = { normwise: Math.max(worst.normwise, diff.normwise), elementwise: Math.max(worst.elementwise, diff.elementwise) };
              // The 16-bit outputs are the fp32 result cast once, nearest even (same accumulation order).
              for (const dtype of ['bfloat16', 'float16'] as const) {
                const h = await nativeGemm(a, b, dtype, outRows, outCols, isa, threads);
                const encode = dtype === 'bfloat16' ? float32ToBfloat16Bits : float32ToFloat16Bits;
                for (let i = 0; i < f32.values.length; i++) {
                  if (h.bits![i] !== encode(f32.values[i])) expect.fail(`${label} ${dtype}[${i}]: bits 0x${h.bits![i].toString(16)} but the fp32 value ${f32.values[i]} casts to 0x${encode(f32.values[i]).toString(16)}`);
                }
              }
            }
          }
        }
      }
    }
    console.log(`native gemm vs reference on random inputs (seed ${seed}): max relative difference ${worst.elementwise.toExponential(2)} elementwise, ${worst.normwise.toExponential(2)} normwise (|diff| / sum|a b|)`);
  }, 300_000); // minutes under AddressSanitizer

  it('uses bf16 products where they are exact and fp32 at MXFP4 exponent extremes', async () => {
    const rng = rngFrom(seed ^ 0xb16);
    const best = isas[isas.length - 1];
    const nv = [quantized(rng, 64, 256, {}), quantized(rng, 32, 256, {})] as const;
    const mx = [quantized(rng, 64, 256, { fp4_format: 'mxfp4', scale_rule: 'always_6' }), quantized(rng, 32, 256, { fp4_format: 'mxfp4', scale_rule: 'always_6' })] as const;
    const expectedFast = best === 'avx512_bf16' ? 'avx512_bf16' : `${best}_fp32`;
    expect((await nativeGemm(nv[0], nv[1], 'bfloat16', 64, 32, best, 0)).kernel).toBe(expectedFast);
    expect((await nativeGemm(mx[0], mx[1], 'bfloat16', 64, 32, best, 0)).kernel).toBe(expectedFast);

    // Scale bytes 1..3 on blocks that hold nonzero codes: values near 2^-126, products subnormal.
    const rowMajor = unswizzleScales(mx[0].sf, mx[0].paddedRows, mx[0].paddedCols / 32);
    for (let i = 0; i < rowMajor.length; i += 3) rowMajor[i] = 1 + (i % 3);
    const tiny: QuantizedMatrix = { ...mx[0], sf: swizzleScales(rowMajor, mx[0].paddedRows, mx[0].paddedCols / 32) };
    const fallback = best === 'portable' ? 'portable_fp32' : best === 'avx2' ? 'avx2_fp32' : 'avx512_fp32';
    const ref = matmulQuantized(tiny, mx[1], { out_dtype: 'float32', out_shape: [64, 32] });
    for (const isa of isas) {
      const r = await nativeGemm(tiny, mx[1], 'float32', 64, 32, isa, 0);
      if (isa === best) expect(r.kernel).toBe(fallback);
      compareWithBound(`mxfp4 tiny exponents isa=${isa}`, tiny, mx[1], r.values, ref.data, 64, 32);
    }
  });

  it('NaN scale bytes give NaN where the reference gives NaN', async () => {
    const rng = rngFrom(seed ^ 0x7f);
    for (const [format, nanByte] of [
      ['nvfp4', 0x7f],
      ['mxfp4', 0xff],
    ] as const) {
      const a = quantized(rng, 40, 128, { fp4_format: format, scale_rule: 'always_6' });
      const b = quantized(rng, 20, 128, { fp4_format: format, scale_rule: 'always_6' });
      const sf = a.sf.slice();
      sf[5] = nanByte;
      const bad = { ...a, sf };
      const ref = matmulQuantized(bad, b, { out_dtype: 'bfloat16', out_shape: [40, 20] });
      for (const isa of isas) {
        const r = await nativeGemm(bad, b, 'bfloat16', 40, 20, isa, 0);
        for (let i = 0; i < ref.data.length; i++) expect(Number.isNaN(r.values[i]), `${format} isa=${isa} [${i}]`).toBe(Number.isNaN(ref.data[i]));
        expect(Array.from(r.bits!).filter((v, i) => Number.isNaN(ref.data[i]) && v !== 0x7fc0)).toEqual([]);
      }
    }
  });

  it("skips the longer operand's extra padded columns (K = the shorter padded K)", async () => {
    const rng = rngFrom(seed ^ 0x4b);
    const a = quantized(rng, 50, 100, {});
    const b0 = quantized(rng, 30, 100, {});
    // b packed with 64 more columns of garbage (as the reference library's over-padding leaves them).
    const extra = 64;
    const cols = b0.paddedCols + extra;
    const e2m1 = new Uint8Array((b0.paddedRows * cols) / 2);
    for (let r = 0; r < b0.paddedRows; r++) {
      e2m1.set(b0.e2m1.subarray((r * b0.paddedCols) / 2, ((r + 1) * b0.paddedCols) / 2), (r * cols) / 2);
      for (let c = b0.paddedCols / 2; c < cols / 2; c++) e2m1[(r * cols) / 2 + c] = Math.floor(rng() * 256);
    }
    const block = FORMAT_PARAMS.nvfp4.blockSize;
    const oldScales = unswizzleScales(b0.sf, b0.paddedRows, b0.paddedCols / block);
    const newScales = new Uint8Array((b0.paddedRows * cols) / block);
    for (let r = 0; r < b0.paddedRows; r++) {
      for (let c = 0; c < cols / block; c++) newScales[r * (cols / block) + c] = c < b0.paddedCols / block ? oldScales[r * (b0.paddedCols / block) + c] : 0x30 + (c % 16);
    }
    const b: QuantizedMatrix = { ...b0, paddedCols: cols, e2m1, sf: swizzleScales(newScales, b0.paddedRows, cols / block) };
    const ref = matmulQuantized(a, b, { out_dtype: 'float32', out_shape: [50, 30] });
    for (const isa of isas) {
      for (const [x, y, refData] of [
        [a, b, ref.data],
        [b, a, matmulQuantized(b, a, { out_dtype: 'float32', out_shape: [30, 50] }).data],
      ] as const) {
        const r = await nativeGemm(x, y, 'float32', x === a ? 50 : 30, x === a ? 30 : 50, isa, 0);
        compareWithBound(`K mismatch isa=${isa}`, x, y, r.values, refData, x === a ? 50 : 30, x === a ? 30 : 50);
      }
    }
  });

  it('high-precision operands through the cpu backend reproduce the golden outputs', async () => {
    const { createCpuBackend } = await import('../../main/compute/cpuBackend');
    const { runFp4Matmul } = await import('../../app/backends/runFp4Matmul');
    const { backend } = createCpuBackend(addon.cpu);
    for (const c of loadGoldenManifest().matmul.filter((m) => m.out_dtype !== 'float32')) {
      const g = await LoadedSafetensors.load(goldenPath(c.file));
      const options = { fp4_format: c.fp4_format, out_dtype: c.out_dtype, out_shape: c.out_shape };
      const ours = await runFp4Matmul(backend, { kind: 'matrix', matrix: g.matrix('a'), quantizeKwargs: c.a_quantize_kwargs }, { kind: 'matrix', matrix: g.matrix('b'), quantizeKwargs: c.b_quantize_kwargs }, options);
      expect(firstDifference('out bytes', new Uint8Array(ours.bits!.buffer), g.raw('out')), c.id).toBeNull();
      const ref = fp4Matmul({ kind: 'matrix', matrix: g.matrix('a'), quantizeKwargs: c.a_quantize_kwargs }, { kind: 'matrix', matrix: g.matrix('b'), quantizeKwargs: c.b_quantize_kwargs }, options);
      expect(firstDifference('a.e2m1', ours.a.e2m1, ref.a.e2m1)).toBeNull();
      expect(firstDifference('b.sf', ours.b.sf, ref.b.sf)).toBeNull();
    }
  });
});

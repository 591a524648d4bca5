import { describe, expect, it } from 'vitest';
import type { NativeCpu } from '../../main/compute/nativeAddon';
import { garbageArgument, nativeDisabled, requireAddon, rngFrom, testSeed } from './nativeKit';

// The binding turns every bad argument into a JS error that names the argument (TypeError or
// RangeError with code INVALID_ARGUMENT), and every kernel refusal into a rejected promise with a
// code — never a crash. Run under AddressSanitizer by `npm run test:native:asan`.
describe.skipIf(nativeDisabled)('native binding: bad arguments are errors, not crashes', () => {
  const cpu: NativeCpu = nativeDisabled ? null! : requireAddon().cpu;
  // Loosely typed handles, to pass what the types forbid.
  const anyCpu = cpu as unknown as Record<string, (...args: unknown[]) => unknown>;

  /** The call throws (synchronously) or rejects with an Error carrying `code` and a message matching `message`. */
  async function expectError(call: () => unknown, code: string, message: RegExp): Promise<void> {
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect(error, `expected an error matching ${message}`).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe(code);
    expect((error as Error).message).toMatch(message);
  }

  const rows = 130;
  const cols = 70;
  const x = () => new Float32Array(rows * cols).fill(1);
  const params = { fp4_format: 'nvfp4', scale_rule: 'mse' } as const;
  // padded [256, 128] for nvfp4
  const out = () => ({ e2m1: new Uint8Array(256 * 64), sf: new Uint8Array(256 * 8) });
  const packed = () => ({ fp4_format: 'nvfp4' as const, paddedRows: 128, paddedCols: 64, e2m1: new Uint8Array(128 * 32), sf: new Uint8Array(128 * 4), normconst: 1 });

  function detached<T extends ArrayBufferView>(make: (buffer: ArrayBuffer) => T, bytes: number): T {
    const buffer = new ArrayBuffer(bytes);
    const view = make(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    return view;
  }

  it('quantize: input array type, length and shape', async () => {
    await expectError(() => anyCpu.quantize([1, 2, 3], 1, 3, params, out()), 'INVALID_ARGUMENT', /cpu\.quantize: x must be a Float32Array; got an array/);
    await expectError(() => anyCpu.quantize(new Float64Array(rows * cols), rows, cols, params, out()), 'INVALID_ARGUMENT', /x must be a Float32Array; got Float64Array/);
    await expectError(() => cpu.quantize(new Float32Array(10), rows, cols, params, out()), 'INVALID_ARGUMENT', /x has 10 elements; the shapes need 9100/);
    await expectError(() => cpu.quantize(x(), -1, cols, params, out()), 'INVALID_ARGUMENT', /rows must be an integer from 1/);
    await expectError(() => cpu.quantize(x(), 1.5, cols, params, out()), 'INVALID_ARGUMENT', /rows must be an integer/);
    await expectError(() => anyCpu.quantize(x(), 'many', cols, params, out()), 'INVALID_ARGUMENT', /rows must be an integer; got 'many'/);
    await expectError(() => anyCpu.quantize(x(), rows), 'INVALID_ARGUMENT', /cols must be an integer; got undefined/);
    await expectError(() => cpu.quantize(detached((b) => new Float32Array(b), rows * cols * 4), rows, cols, params, out()), 'INVALID_ARGUMENT', /x (is detached|has 0 elements)/);
  });

  it('quantize: params', async () => {
    await expectError(() => anyCpu.quantize(x(), rows, cols, undefined, out()), 'INVALID_ARGUMENT', /params must be an object; got undefined/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { ...params, fp4_format: 'fp8' }, out()), 'INVALID_ARGUMENT', /params\.fp4_format must be one of nvfp4, mxfp4; got 'fp8'/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { fp4_format: 'nvfp4' }, out()), 'INVALID_ARGUMENT', /params\.scale_rule must be one of abs_max, always_4, always_6, l1_norm, mse; got undefined/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { ...params, seed: -1 }, out()), 'INVALID_ARGUMENT', /params\.seed must be from 0 to 4294967295/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { ...params, transpose: 'yes' }, out()), 'INVALID_ARGUMENT', /params\.transpose must be true or false/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { ...params, had: new Float32Array(10) }, out()), 'INVALID_ARGUMENT', /params\.had must hold n\*n entries of a square matrix; got 10/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, { ...params, had: [1, 0, 0, 1] }, out()), 'INVALID_ARGUMENT', /params\.had must be a Float32Array/);
  });

  it('quantize: outputs', async () => {
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, null), 'INVALID_ARGUMENT', /out must be an object; got null/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, { sf: new Uint8Array(256 * 8) }), 'INVALID_ARGUMENT', /out\.e2m1 must be a Uint8Array; got undefined/);
    await expectError(() => cpu.quantize(x(), rows, cols, params, { e2m1: new Uint8Array(5), sf: new Uint8Array(256 * 8) }), 'INVALID_ARGUMENT', /out\.e2m1 has 5 elements; the shapes need 16384/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, { e2m1: new Int8Array(256 * 64), sf: new Uint8Array(256 * 8) }), 'INVALID_ARGUMENT', /out\.e2m1 must be a Uint8Array; got Int8Array/);
    await expectError(() => cpu.quantize(x(), rows, cols, params, { ...out(), blockScales: new Float32Array(3) }), 'INVALID_ARGUMENT', /out\.blockScales has 3 elements/);
    await expectError(() => cpu.quantize(x(), rows, cols, params, { ...out(), sf: detached((b) => new Uint8Array(b), 256 * 8) }), 'INVALID_ARGUMENT', /out\.sf (is detached|has 0 elements)/);
    // transpose changes the padded shape the outputs must have: [128, 192] for 70 x 130
    await expectError(() => cpu.quantize(x(), rows, cols, { ...params, transpose: true }, out()), 'INVALID_ARGUMENT', /out\.e2m1 has 16384 elements; the shapes need 12288/);
  });

  it('job options', async () => {
    await expectError(() => cpu.quantize(x(), rows, cols, params, out(), { threads: -1 }), 'INVALID_ARGUMENT', /job\.threads must be from 0 to 1024/);
    await expectError(() => cpu.quantize(x(), rows, cols, params, out(), { threads: 2.5 }), 'INVALID_ARGUMENT', /job\.threads must be an integer/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, out(), { isa: 'sse2' }), 'INVALID_ARGUMENT', /job\.isa must be one of auto, portable, avx2, avx512, avx512_bf16; got 'sse2'/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, out(), { cancel: new Float32Array(1) }), 'INVALID_ARGUMENT', /job\.cancel must be a Int32Array; got Float32Array/);
    await expectError(() => cpu.quantize(x(), rows, cols, params, out(), { cancel: new Int32Array(2) }), 'INVALID_ARGUMENT', /job\.cancel has 2 elements; the shapes need 1/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, out(), { onProgress: 'loud' }), 'INVALID_ARGUMENT', /job\.onProgress must be a function/);
    await expectError(() => anyCpu.quantize(x(), rows, cols, params, out(), 7), 'INVALID_ARGUMENT', /job must be an object; got 7/);
  });

  it('kernel refusals reject the promise with a code', async () => {
    await expectError(() => cpu.quantize(x(), rows, cols, { fp4_format: 'mxfp4', scale_rule: 'mse' }, { e2m1: new Uint8Array(256 * 64), sf: new Uint8Array(256 * 4) }), 'INVALID_ARGUMENT', /scale_rule 'mse' is not defined for mxfp4/);
    const bad = x();
    bad[3 * cols + 5] = NaN;
    bad[7 * cols] = -Infinity;
    await expectError(() => cpu.quantize(bad, rows, cols, params, out()), 'NON_FINITE', /input has 2 non-finite values \(NaN or Inf\), first at \[3, 5\]/);
    const had = new Float32Array(256 * 256);
    await expectError(() => cpu.quantize(x(), rows, cols, { ...params, had }, out()), 'INVALID_ARGUMENT', /had: the 256x256 Hadamard matrix needs the column count to be a multiple of 256; the matrix has 128 columns/);
  });

  it('a SharedArrayBuffer-backed input is accepted', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(rows * cols * 4)).fill(1);
    await expect(cpu.quantize(shared, rows, cols, params, out())).resolves.toEqual({ normconst: Math.fround(1 / 1536) });
  });

  it('dequantize: packed operand and output checks', async () => {
    const q = packed();
    await expectError(() => cpu.dequantize({ ...q, e2m1: new Uint8Array(7) }, { applyNormconst: true, outRows: 1, outCols: 1 }, new Float32Array(1)), 'INVALID_ARGUMENT', /packed\.e2m1 has 7 elements; the shapes need 4096/);
    await expectError(() => cpu.dequantize({ ...q, paddedRows: 100 }, { applyNormconst: true, outRows: 1, outCols: 1 }, new Float32Array(1)), 'INVALID_ARGUMENT', /packed\.paddedRows must be from 128/);
    await expectError(() => cpu.dequantize({ ...q, paddedRows: 200 }, { applyNormconst: true, outRows: 1, outCols: 1 }, new Float32Array(1)), 'INVALID_ARGUMENT', /padded shape \[200, 64\] must be multiples of \[128, 64\]/);
    await expectError(() => anyCpu.dequantize({ ...q, fp4_format: 'int4' }, { applyNormconst: true, outRows: 1, outCols: 1 }, new Float32Array(1)), 'INVALID_ARGUMENT', /packed\.fp4_format must be one of nvfp4, mxfp4/);
    await expectError(() => cpu.dequantize(q, { applyNormconst: true, outRows: 129, outCols: 1 }, new Float32Array(129)), 'INVALID_ARGUMENT', /options\.outRows must be from 1 to 128/);
    await expectError(() => cpu.dequantize(q, { applyNormconst: true, outRows: 2, outCols: 2 }, new Float32Array(3)), 'INVALID_ARGUMENT', /out has 3 elements; the shapes need 4/);
    await expectError(() => anyCpu.dequantize(q, { applyNormconst: 1, outRows: 2, outCols: 2 }, new Float32Array(4)), 'INVALID_ARGUMENT', /options\.applyNormconst must be true or false/);
    await expectError(() => cpu.dequantize({ ...q, sf: detached((b) => new Uint8Array(b), 512) }, { applyNormconst: true, outRows: 1, outCols: 1 }, new Float32Array(1)), 'INVALID_ARGUMENT', /packed\.sf (is detached|has 0 elements)/);
  });

  it('gemm: operands, params and outputs', async () => {
    const a = packed();
    const b = packed();
    const mx = { ...packed(), fp4_format: 'mxfp4' as const, paddedCols: 128, e2m1: new Uint8Array(128 * 64), sf: new Uint8Array(128 * 4) };
    await expectError(() => cpu.gemm(a, mx, { out_dtype: 'float32', outRows: 1, outCols: 1 }, { values: new Float32Array(1) }), 'INVALID_ARGUMENT', /a and b need the same fp4_format/);
    await expectError(() => cpu.gemm(a, b, { out_dtype: 'bfloat16', outRows: 2, outCols: 2 }, { values: new Float32Array(4) }), 'INVALID_ARGUMENT', /out\.bits must be a Uint16Array; got undefined/);
    await expectError(() => cpu.gemm(a, b, { out_dtype: 'float32', outRows: 2, outCols: 2 }, { values: new Float32Array(4), bits: new Uint16Array(4) }), 'INVALID_ARGUMENT', /out\.bits must be absent for out_dtype float32/);
    await expectError(() => anyCpu.gemm(a, b, { out_dtype: 'float16', outRows: 2, outCols: 2 }, { values: new Float32Array(4), bits: new Int16Array(4) }), 'INVALID_ARGUMENT', /out\.bits must be a Uint16Array; got Int16Array/);
    await expectError(() => cpu.gemm(a, b, { out_dtype: 'float32', outRows: 0, outCols: 2 }, { values: new Float32Array(0) }), 'INVALID_ARGUMENT', /params\.outRows must be from 1 to 128/);
    await expectError(() => anyCpu.gemm(a, b, { out_dtype: 'fp64', outRows: 1, outCols: 1 }, { values: new Float32Array(1) }), 'INVALID_ARGUMENT', /params\.out_dtype must be one of float32, bfloat16, float16; got 'fp64'/);
    await expectError(() => anyCpu.gemm(a, undefined, { out_dtype: 'float32', outRows: 1, outCols: 1 }, { values: new Float32Array(1) }), 'INVALID_ARGUMENT', /b must be an object; got undefined/);
  });

  it('matmulF32, reduceSide and pool: shapes, strides and names', async () => {
    await expectError(() => cpu.matmulF32(new Float32Array(6), 2, new Float32Array(6), 3, 3, new Float32Array(5)), 'INVALID_ARGUMENT', /cpu\.matmulF32: b has 6 elements; the shapes need 9/);
    await expectError(() => cpu.matmulF32(new Float32Array(6), 2, new Float32Array(9), 3, 3, new Float32Array(5)), 'INVALID_ARGUMENT', /out has 5 elements; the shapes need 6/);
    const side = { ref: new Float32Array(64), refStride: 16, approx: new Float32Array(64), approxStride: 16, rows: 4, cols: 16, blockSize: 16, blockScales: new Float32Array(4), scaleStride: 1, histogramLo: 0, histogramHi: 6.5, histogramBins: 130 };
    const sideOut = () => ({ blockMse: new Float32Array(4), blockMaxAbs: new Float32Array(4), histogram: new Float64Array(131) });
    await expect(cpu.reduceSide(side, sideOut())).resolves.toMatchObject({ amax: 0 });
    await expectError(() => cpu.reduceSide({ ...side, refStride: 20 }, sideOut()), 'INVALID_ARGUMENT', /input\.ref has 64 elements; the shape and stride need at least 76/);
    await expectError(() => cpu.reduceSide({ ...side, approxStride: 8 }, sideOut()), 'INVALID_ARGUMENT', /input\.approxStride must be from 16/);
    await expectError(() => cpu.reduceSide(side, { ...sideOut(), histogram: new Float64Array(130) }), 'INVALID_ARGUMENT', /out\.histogram has 130 elements; the shapes need 131/);
    await expectError(() => cpu.reduceSide({ ...side, histogramHi: 0 }, sideOut()), 'INVALID_ARGUMENT', /histogramHi must be above/);
    const field = { kind: 'f32' as const, rows: 4, cols: 5, data: new Float32Array(20), stride: 5 };
    await expect(cpu.pool(field, { r0: 0, r1: 4, c0: 0, c1: 5 }, 2, 2, 'mean', new Float32Array(4))).resolves.toBeUndefined();
    await expectError(() => cpu.pool(field, { r0: 0, r1: 5, c0: 0, c1: 5 }, 2, 2, 'mean', new Float32Array(4)), 'INVALID_ARGUMENT', /window\.r1 must be from 1 to 4/);
    await expectError(() => cpu.pool(field, { r0: 0, r1: 4, c0: 0, c1: 5 }, 5, 2, 'mean', new Float32Array(10)), 'INVALID_ARGUMENT', /outRows must be an integer from 1 to 4/);
    await expectError(() => anyCpu.pool(field, { r0: 0, r1: 4, c0: 0, c1: 5 }, 2, 2, 'median', new Float32Array(4)), 'INVALID_ARGUMENT', /pool\.reduce must be one of max, min, mean, max_abs, extreme; got 'median'/);
    await expectError(() => anyCpu.pool({ ...field, kind: 'u8' }, { r0: 0, r1: 4, c0: 0, c1: 5 }, 2, 2, 'max', new Float32Array(4)), 'INVALID_ARGUMENT', /field\.data must be a Uint8Array; got Float32Array/);
    await expectError(() => anyCpu.pool({ kind: 'pair', rows: 4, cols: 5, ref: new Float32Array(20), refStride: 5, approx: new Float32Array(19), approxStride: 5, view: 'abs', relFloor: 1 }, { r0: 0, r1: 4, c0: 0, c1: 5 }, 2, 2, 'max', new Float32Array(4)), 'INVALID_ARGUMENT', /field\.approx has 19 elements; the shape and stride need at least 20/);
    await expectError(() => anyCpu.pool({ kind: 'pair', rows: 4, cols: 5, ref: new Float32Array(20), refStride: 5, approx: new Float32Array(20), approxStride: 5, view: 'ratio', relFloor: 1 }, { r0: 0, r1: 4, c0: 0, c1: 5 }, 2, 2, 'max', new Float32Array(4)), 'INVALID_ARGUMENT', /field\.view must be one of reference, approximation, signed, abs, rel/);
  });

  it('metricSums: shapes, strides and array types are checked', async () => {
    const pair = { ref: new Float32Array(12), refStride: 4, approx: new Float32Array(12), approxStride: 4, rows: 3, cols: 4 };
    await expect(cpu.metricSums(pair)).resolves.toMatchObject({ count: 12, sumErr2: 0 });
    await expectError(() => cpu.metricSums({ ...pair, refStride: 3 }), 'INVALID_ARGUMENT', /input\.refStride must be from 4 to 2147483648; got 3/);
    await expectError(() => cpu.metricSums({ ...pair, approx: new Float32Array(11) }), 'INVALID_ARGUMENT', /input\.approx has 11 elements; the shape and stride need at least 12/);
    await expectError(() => anyCpu.metricSums({ ...pair, ref: new Float64Array(12) }), 'INVALID_ARGUMENT', /input\.ref must be a Float32Array; got Float64Array/);
    await expectError(() => anyCpu.metricSums({ ...pair, rows: 0 }), 'INVALID_ARGUMENT', /input\.rows must be from 1 to 2147483648; got 0/);
  });

  it('reduceSide log bins and poolMany: thresholds, counts and shapes are checked', async () => {
    const side = { ref: new Float32Array(64), refStride: 16, approx: new Float32Array(64), approxStride: 16, rows: 4, cols: 16, blockSize: 16, blockScales: new Float32Array(4).fill(1), scaleStride: 1, histogramLo: 0, histogramHi: 6.5, histogramBins: 130 };
    const sideOut = () => ({ blockMse: new Float32Array(4), blockMaxAbs: new Float32Array(4), histogram: new Float64Array(131), scaleCounts: new Float64Array(4), mseCounts: new Float64Array(4) });
    const bins = Float32Array.of(2 ** -149, 0.5, 1);
    const out = sideOut();
    await expect(cpu.reduceSide({ ...side, blockSelection: new Uint8Array(4).fill(4), scaleBins: bins, mseBins: bins }, out)).resolves.toMatchObject({ amax: 0, choosing4: 4 });
    expect(Array.from(out.scaleCounts)).toEqual([0, 0, 4, 0]); // scale 1 is in the last bin
    expect(Array.from(out.mseCounts)).toEqual([0, 0, 0, 4]); // MSE 0 has no bin
    await expectError(() => cpu.reduceSide({ ...side, scaleBins: bins }, { ...sideOut(), scaleCounts: new Float64Array(3) }), 'INVALID_ARGUMENT', /out\.scaleCounts has 3 elements; the shapes need 4/);
    await expectError(() => cpu.reduceSide({ ...side, scaleBins: bins }, { ...sideOut(), scaleCounts: undefined }), 'INVALID_ARGUMENT', /out\.scaleCounts must be a Float64Array; got undefined/);
    await expectError(() => cpu.reduceSide({ ...side, mseBins: Float32Array.of(1, 0.5, 2) }, sideOut()), 'INVALID_ARGUMENT', /mse_bins threshold 1 must be a positive finite float, not below the one before it/);
    await expectError(() => cpu.reduceSide({ ...side, mseBins: Float32Array.of(0, 1, 2) }, sideOut()), 'INVALID_ARGUMENT', /mse_bins threshold 0 must be a positive finite float/);
    await expectError(() => cpu.reduceSide({ ...side, mseBins: new Float32Array(0) }, sideOut()), 'INVALID_ARGUMENT', /input\.mseBins must hold 1 to 1048576 thresholds; got 0/);
    await expectError(() => cpu.reduceSide({ ...side, blockSelection: new Uint8Array(3) }, sideOut()), 'INVALID_ARGUMENT', /input\.blockSelection has 3 elements; the shape and stride need at least 4/);
    const field = { kind: 'f32' as const, rows: 4, cols: 5, data: new Float32Array(20), stride: 5 };
    const window = { r0: 0, r1: 4, c0: 0, c1: 5 };
    const outs = [new Float32Array(4), new Float32Array(4)];
    await expect(cpu.poolMany([{ field, reduce: 'max', out: outs[0] }, { field: { ...field, kind: 'u8', data: new Uint8Array(20) }, reduce: 'mean', out: outs[1] }], window, 2, 2)).resolves.toBeUndefined();
    await expectError(() => cpu.poolMany([], window, 2, 2), 'INVALID_ARGUMENT', /cpu\.poolMany: requests must hold 1 to 64 fields; got 0/);
    await expectError(() => anyCpu.poolMany({}, window, 2, 2), 'INVALID_ARGUMENT', /requests must be an array of \{field, reduce, out\}/);
    await expectError(() => cpu.poolMany([{ field, reduce: 'max', out: outs[0] }, { field: { ...field, rows: 3, data: new Float32Array(15) }, reduce: 'max', out: outs[1] }], window, 2, 2), 'INVALID_ARGUMENT', /requests\[1\]\.field is 3x5, requests\[0\]\.field is 4x5; one call pools fields of one shape/);
    await expectError(() => cpu.poolMany([{ field, reduce: 'max', out: new Float32Array(3) }], window, 2, 2), 'INVALID_ARGUMENT', /requests\[0\]\.out has 3 elements; the shapes need 4/);
    await expectError(() => anyCpu.poolMany([{ field, reduce: 'median', out: outs[0] }], window, 2, 2), 'INVALID_ARGUMENT', /requests\[0\]\.reduce must be one of max, min, mean, max_abs, extreme; got 'median'/);
    await expectError(() => anyCpu.poolMany([{ field: { ...field, data: new Uint8Array(20) }, reduce: 'max', out: outs[0] }], window, 2, 2), 'INVALID_ARGUMENT', /requests\[0\]\.field\.data must be a Float32Array; got Uint8Array/);
  });

  it('swizzleScales / unswizzleScales: shapes', () => {
    expect(() => cpu.swizzleScales(new Uint8Array(100 * 4), 100, 4, new Uint8Array(100 * 4))).toThrow(/rows % 128 == 0 and scale columns % 4 == 0; got \[100, 4\]/);
    expect(() => cpu.unswizzleScales(new Uint8Array(512), 128, 4, new Uint8Array(511))).toThrow(/out has 511 elements; the shapes need 512/);
  });

  it('garbage arguments (seeded) never crash the process', async () => {
    const rng = rngFrom(testSeed('native binding garbage arguments'));
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
    let errors = 0;
    for (let i = 0; i < 1500; i++) {
      const fn = pick(['quantize', 'dequantize', 'gemm', 'matmulF32', 'reduceSide', 'metricSums', 'pool', 'poolMany', 'swizzleScales', 'unswizzleScales']);
      const args = Array.from({ length: Math.floor(rng() * 7) }, () => garbageArgument(rng));
      try {
        await anyCpu[fn](...args);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(1000); // almost every garbage call is refused
  });
});

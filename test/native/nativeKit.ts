import { roundToBfloat16 } from '../../app/formats/bfloat16';
import { roundToFloat16 } from '../../app/formats/float16';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import type { QuantizedMatrix, QuantizeResult } from '../../app/quantize/types';
import type { FloatDType, Matrix } from '../../app/tensors/matrix';
import { FORMAT_PARAMS, paddedShape } from '../../app/quantize/formatParams';
import { nativeAddon, type NativeAddon, type NativeIsa, type NativePacked, type NativeQuantizeParams } from '../../main/compute/nativeAddon';
import { nativeQuantizeParams } from '../../main/compute/nativeQuantize';

/**
 * What the native tests share: the addon (a test run without it fails, unless FP4LAB_NATIVE=off
 * asks to run without it), seeded random inputs with edge values, poisoned outputs, and byte
 * comparisons that name the first difference.
 */
export function requireAddon(): NativeAddon {
  const load = nativeAddon();
  if (!load.ok) throw new Error(`the native addon did not load: ${load.reasons.join('; ')}`);
  return load.addon;
}

export const nativeDisabled = process.env.FP4LAB_NATIVE === 'off' || process.env.FP4LAB_NATIVE === '0';
if (nativeDisabled) console.log('native tests skipped: FP4LAB_NATIVE=off was set explicitly');

/** A seed from FP4LAB_TEST_SEED or fresh, printed so a failure can be replayed. */
export function testSeed(what: string): number {
  const seed = process.env.FP4LAB_TEST_SEED ? Number(process.env.FP4LAB_TEST_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`[seed] ${what}: FP4LAB_TEST_SEED=${seed}`);
  return seed;
}

/** mulberry32: small, fast, good enough to draw test inputs. */
export function rngFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function roundTo(dtype: FloatDType, v: number): number {
  if (dtype === 'bfloat16') return roundToBfloat16(v);
  if (dtype === 'float16') return roundToFloat16(v);
  return Math.fround(v);
}

const GRID_TIES = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, 0.5, 1, 1.5, 2, 3, 4, 6];

/**
 * A matrix of the given dtype's values that exercises the quantizer's edges: a per-row scale
 * over many decades, values exactly on E2M1 grid points and ties (times powers of two), +-0,
 * all-zero rows and blocks, outlier columns, subnormals, and (optionally) values near the top
 * of the dtype's range.
 */
export function edgeMatrix(rng: () => number, rows: number, cols: number, dtype: FloatDType, options: { huge?: boolean } = {}): Matrix {
  const data = new Float32Array(rows * cols);
  const outlierCol = Math.floor(rng() * cols);
  // fp16 stays well below 65504 / 16 so no Hadamard rotation (at most sqrt(256) = 16x growth) overflows.
  const maxValue = dtype === 'float16' ? 2000 : dtype === 'bfloat16' ? 3.3e38 : 3.4e38;
  for (let r = 0; r < rows; r++) {
    const rowKind = rng();
    const scale = 10 ** (rng() * 8 - 4);
    for (let c = 0; c < cols; c++) {
      let v: number;
      const k = rng();
      if (rowKind < 0.05) v = 0;
      else if (k < 0.06) v = GRID_TIES[Math.floor(rng() * GRID_TIES.length)] * 2 ** Math.floor(rng() * 12 - 6) * (rng() < 0.5 ? -1 : 1);
      else if (k < 0.08) v = rng() < 0.5 ? 0 : -0;
      else if (k < 0.09) v = (rng() < 0.5 ? -1 : 1) * 2 ** -(126 + Math.floor(rng() * 20)); // subnormal in fp32/bf16
      else if (c === outlierCol) v = normal(rng) * scale * 1000;
      else v = normal(rng) * scale;
      if (options.huge && rng() < 0.01) v = (rng() < 0.5 ? -1 : 1) * maxValue * (0.5 + rng() / 2);
      if (Math.abs(v) > maxValue) v = Math.sign(v) * maxValue;
      data[r * cols + c] = roundTo(dtype, v);
    }
    if (rowKind > 0.9 && cols > 32) data.fill(0, r * cols + 16, r * cols + 32); // a zero block inside a row
  }
  return { rows, cols, data, dtype };
}

export const POISON_BYTE = 0xab;

/**
 * A native quantize (any binding's, through `call`) with every output poisoned first, as a
 * QuantizeResult: a kernel that skips an element leaves the poison where the comparison sees it.
 */
export async function poisonedQuantize(
  x: Matrix,
  kwargs: QuantizeKwargs,
  call: (params: NativeQuantizeParams, out: { e2m1: Uint8Array; sf: Uint8Array; blockScales: Float32Array; blockSelection: Uint8Array }) => Promise<{ normconst: number }>,
): Promise<QuantizeResult> {
  const [rows, cols] = kwargs.transpose ? [x.cols, x.rows] : [x.rows, x.cols];
  const [paddedRows, paddedCols] = paddedShape(rows, cols, kwargs.fp4_format);
  const blocks = (paddedRows * paddedCols) / FORMAT_PARAMS[kwargs.fp4_format].blockSize;
  const out = {
    e2m1: new Uint8Array((paddedRows * paddedCols) / 2).fill(POISON_BYTE),
    sf: new Uint8Array(blocks).fill(POISON_BYTE),
    blockScales: new Float32Array(blocks).fill(NaN),
    blockSelection: new Uint8Array(blocks).fill(POISON_BYTE),
  };
  const { normconst } = await call(nativeQuantizeParams(x, kwargs), out);
  return { fp4_format: kwargs.fp4_format, rows, cols, paddedRows, paddedCols, ...out, normconst, kwargs };
}

/** The cpu addon's quantize at one ISA level and thread count, outputs poisoned. */
export function nativeQuantize(addon: NativeAddon, x: Matrix, kwargs: QuantizeKwargs, isa: NativeIsa, threads: number): Promise<QuantizeResult> {
  return poisonedQuantize(x, kwargs, (params, out) => addon.cpu.quantize(x.data, x.rows, x.cols, params, out, { isa, threads }));
}

/** First difference between two arrays as a sentence, or null. Values compare as Object.is: -0 differs from 0, NaN equals NaN. */
export function firstDifference(what: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): string | null {
  if (ours.length !== theirs.length) return `${what}: length ${ours.length} vs ${theirs.length}`;
  const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
  for (let i = 0; i < ours.length; i++) {
    if (!Object.is(ours[i], theirs[i])) return `${what}[${i}]: native ${show(ours[i])} reference ${show(theirs[i])}`;
  }
  return null;
}

/** Every byte and value of a quantize result against the reference's. */
export function quantizeDifference(ours: QuantizeResult, ref: QuantizeResult): string | null {
  if (ours.paddedRows !== ref.paddedRows || ours.paddedCols !== ref.paddedCols || ours.rows !== ref.rows || ours.cols !== ref.cols) {
    return `shape [${ours.rows}, ${ours.cols}] / [${ours.paddedRows}, ${ours.paddedCols}] vs [${ref.rows}, ${ref.cols}] / [${ref.paddedRows}, ${ref.paddedCols}]`;
  }
  if (!Object.is(ours.normconst, ref.normconst)) return `normconst: native ${ours.normconst} reference ${ref.normconst}`;
  return (
    firstDifference('e2m1', ours.e2m1, ref.e2m1) ??
    firstDifference('sf', ours.sf, ref.sf) ??
    firstDifference('blockScales', ours.blockScales, ref.blockScales) ??
    firstDifference('blockSelection', ours.blockSelection, ref.blockSelection)
  );
}

export function packedOf(q: QuantizedMatrix): NativePacked {
  return { fp4_format: q.fp4_format, paddedRows: q.paddedRows, paddedCols: q.paddedCols, e2m1: q.e2m1, sf: q.sf, normconst: q.normconst };
}

/** Thread counts every parity test runs at: one, two, every core (0), and more than there are cores. */
export const THREAD_COUNTS = [1, 2, 0, 5];

/**
 * A random JS value of the kinds a binding must refuse or handle: numbers at the edges, format
 * words, typed arrays of every kind and odd lengths, null/undefined/booleans, arrays, functions,
 * ArrayBuffers, and objects with the bindings' own keys holding more of the same.
 */
export function garbageArgument(rng: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const kind = Math.floor(rng() * 12);
  const n = Math.floor(rng() * 300);
  switch (kind) {
    case 0: return pick([0, 1, -1, 128, 256, 0.5, NaN, Infinity, 2 ** 40, -(2 ** 31)]);
    case 1: return pick(['nvfp4', 'mxfp4', 'mse', 'always_6', 'bfloat16', 'float32', '', 'auto', 'portable']);
    case 2: return new Float32Array(n);
    case 3: return new Uint8Array(n);
    case 4: return new Uint16Array(n);
    case 5: return new Int32Array(Math.max(1, n % 3));
    case 6: return pick([null, undefined, true, false]);
    case 7: return [1, 2, 3];
    case 8: return () => 1;
    case 9: return new ArrayBuffer(n);
    default: {
      if (depth > 1) return {};
      const keys = ['fp4_format', 'scale_rule', 'paddedRows', 'paddedCols', 'e2m1', 'sf', 'normconst', 'out_dtype', 'outRows', 'outCols', 'values', 'bits', 'threads', 'isa', 'had', 'seed', 'transpose', 'cancel', 'applyNormconst', 'crop', 'blockScales', 'blockSelection', 'input_dtype', 'kind', 'rows', 'cols', 'data', 'stride', 'ref', 'approx', 'refStride', 'approxStride', 'view', 'relFloor', 'r0', 'r1', 'c0', 'c1', 'blockSize', 'scaleStride', 'histogram', 'blockMse', 'blockMaxAbs', 'scaleBins', 'mseBins', 'scaleCounts', 'mseCounts', 'histogramLo', 'histogramHi', 'histogramBins', 'field', 'reduce', 'out'];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 6; i++) o[pick(keys)] = garbageArgument(rng, depth + 1);
      return o;
    }
  }
}

/**
 * Quantize requests every backend must refuse exactly as the reference does (same code and
 * message): NaN input, an empty matrix, an adaptive rule on MXFP4, unknown words and kwargs,
 * Hadamard sizes that are not powers of two or wider than the padded row, a negative seed.
 */
export function refusedQuantizeRequests(): { withNaN: Matrix; fine: Matrix; cases: [Matrix, Record<string, unknown>][] } {
  const withNaN: Matrix = { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, NaN, 6]), dtype: 'float32' };
  const fine: Matrix = { rows: 2, cols: 3, data: new Float32Array(6).fill(1), dtype: 'float32' };
  const empty: Matrix = { rows: 0, cols: 3, data: new Float32Array(0), dtype: 'float32' };
  const cases: [Matrix, Record<string, unknown>][] = [
    [withNaN, {}],
    [empty, {}],
    [fine, { fp4_format: 'mxfp4', scale_rule: 'l1_norm' }],
    [fine, { scale_rule: 'best' }],
    [fine, { colour: 'blue' }],
    [fine, { had: 3 }],
    [fine, { had: 128 }],
    [fine, { had: 512 }],
    [fine, { seed: -1 }],
  ];
  return { withNaN, fine, cases };
}

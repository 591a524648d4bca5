import type { Histogram } from './histograms';

/**
 * Fixed logarithmic bins for the histograms of per-block values (block scales in log2, block MSE
 * in log10). Bin i of a grid is [base^((first + i) / perUnit), base^((first + i + 1) / perUnit))
 * exactly: its lower threshold is the smallest float32 at or above base^((first + i) / perUnit),
 * found with integer arithmetic, and the values binned are float32. So a value's bin does not
 * depend on any log function's last bit: TypeScript and native code count the same bins, and
 * every analysis (A and B, this run and the next) shares them. The grid covers every positive
 * float32; zero, negative and non-finite values are counted apart as skipped.
 */
export interface LogBinSpec {
  readonly base: 2 | 10;
  /** Bins per unit of log_base (per octave, per decade). */
  readonly perUnit: number;
}

export interface LogBinGrid extends LogBinSpec {
  /** Bin 0 starts at base^(first / perUnit). */
  readonly first: number;
  /**
   * Lower threshold of each bin, float32, ascending; the last bin runs to the top of float32.
   * Among subnormals two edges can round to one float: the bin between them is empty.
   */
  readonly thresholds: Float32Array;
}

/** Counts over a grid's bins plus the values that have no logarithm (zero, negative, non-finite). */
export interface LogBinCounts {
  readonly counts: Float64Array;
  readonly skipped: number;
}

/** log2 of the effective block scales: eighth-octave bins (E4M3 has 8 steps per octave). */
export const SCALE_LOG2_BINS: LogBinSpec = { base: 2, perUnit: 8 };
/** log10 of per-block MSE: tenth-decade bins. */
export const BLOCK_MSE_LOG10_BINS: LogBinSpec = { base: 10, perUnit: 10 };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(v: number): number {
  f32[0] = v;
  return u32[0];
}

function floatOf(bits: number): number {
  u32[0] = bits;
  return f32[0];
}

const bigPow = (b: bigint, e: number): bigint => b ** BigInt(e);

/**
 * Is the positive finite float32 with these bits >= base^(k / perUnit)? Exactly: the float is
 * m·2^e with integer m, and m^p·2^(e·p) >= base^k is decided on integers.
 */
function atLeast(bits: number, base: 2 | 10, p: number, k: number): boolean {
  const exponentField = bits >>> 23;
  const m = BigInt(exponentField === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000);
  const e = (exponentField === 0 ? 1 : exponentField) - 150;
  const ep = e * p;
  const b = BigInt(base);
  let lhs = m ** BigInt(p);
  let rhs = 1n;
  if (ep >= 0) lhs <<= BigInt(ep);
  else rhs <<= BigInt(-ep);
  if (k >= 0) rhs *= bigPow(b, k);
  else lhs *= bigPow(b, -k);
  return lhs >= rhs;
}

const MIN_POSITIVE_BITS = 1; // 2^-149
const MAX_FINITE_BITS = 0x7f7fffff;

/** The smallest positive finite float32 >= base^(k / p), or null when there is none. */
function thresholdBits(base: 2 | 10, p: number, k: number): number | null {
  if (!atLeast(MAX_FINITE_BITS, base, p, k)) return null;
  const guess = Math.fround(base ** (k / p));
  let bits = guess > 0 ? Math.min(bitsOf(guess), MAX_FINITE_BITS) : MIN_POSITIVE_BITS;
  // The guess is within a few ulps; step to the exact answer.
  while (!atLeast(bits, base, p, k)) bits++;
  while (bits > MIN_POSITIVE_BITS && atLeast(bits - 1, base, p, k)) bits--;
  return bits;
}

const grids = new Map<string, LogBinGrid>();

/** The grid of a spec (computed once per process: a few thousand exact comparisons). */
export function logBinGrid(spec: LogBinSpec): LogBinGrid {
  const key = `${spec.base}/${spec.perUnit}`;
  const cached = grids.get(key);
  if (cached) return cached;
  const { base, perUnit } = spec;
  if (!Number.isInteger(perUnit) || perUnit < 1 || perUnit > 64) throw new RangeError(`log bins per unit must be an integer from 1 to 64; got ${perUnit}`);
  // first: the largest k whose edge is at or below the smallest positive float, so every positive float has a bin.
  let first = Math.floor(perUnit * Math.log(2 ** -149) / Math.log(base)) + 2;
  while (atLeast(MIN_POSITIVE_BITS, base, perUnit, first + 1)) first++;
  while (!atLeast(MIN_POSITIVE_BITS, base, perUnit, first)) first--;
  const bits: number[] = [MIN_POSITIVE_BITS];
  for (let k = first + 1; ; k++) {
    const t = thresholdBits(base, perUnit, k);
    if (t === null) break;
    bits.push(t);
  }
  const thresholds = new Float32Array(bits.length);
  bits.forEach((b, i) => (thresholds[i] = floatOf(b)));
  const grid: LogBinGrid = { base, perUnit, first, thresholds };
  grids.set(key, grid);
  return grid;
}

/** The bin of a float32 value, or -1 when it has no logarithm (<= 0, non-finite). */
export function logBinOf(grid: LogBinGrid, v: number): number {
  if (!(v > 0) || v === Infinity) return -1;
  const t = grid.thresholds;
  // largest i with t[i] <= v
  let lo = 0;
  let hi = t.length - 1;
  if (v < t[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A grid's counts as a Histogram over whole units (octaves, decades) from the lowest to the
 * highest occupied bin, edges in log units; [0, 1) when nothing was counted. Nothing falls
 * outside a grid, so underflow and overflow are 0.
 */
export function logHistogram(grid: LogBinGrid, binned: LogBinCounts): Histogram {
  const { perUnit, first } = grid;
  const counts = binned.counts;
  let lowest = -1;
  let highest = -1;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) {
      if (lowest < 0) lowest = i;
      highest = i;
    }
  }
  const a = lowest < 0 ? 0 : Math.floor((first + lowest) / perUnit);
  const b = lowest < 0 ? 1 : Math.floor((first + highest) / perUnit) + 1;
  const n = (b - a) * perUnit;
  const out = new Array<number>(n).fill(0);
  for (let j = 0; j < n; j++) {
    const i = a * perUnit + j - first;
    if (i >= 0 && i < counts.length) out[j] = counts[i];
  }
  const edges = Array.from({ length: n + 1 }, (_, j) => (a * perUnit + j) / perUnit);
  return { edges, counts: out, underflow: 0, overflow: 0, skipped: binned.skipped };
}

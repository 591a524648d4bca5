import { describe, expect, it } from 'vitest';
import { BLOCK_MSE_LOG10_BINS, logBinGrid, logBinOf, logHistogram, SCALE_LOG2_BINS, type LogBinGrid } from '../../app/analysis/logBins';
import { SeededRandom } from '../../app/samples/seededRandom';
import { freshSeed } from '../helpers/random';

const seed = freshSeed('log bins');
const rng = new SeededRandom(seed);

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (v: number): number => ((f32[0] = v), u32[0]);
const floatOf = (b: number): number => ((u32[0] = b), f32[0]);

/** floor(x^(1/p)) for a non-negative BigInt x (bisection: an oracle independent of logBins' own test). */
function integerRoot(x: bigint, p: number): bigint {
  let lo = 0n;
  let hi = 1n << BigInt(Math.ceil(x.toString(2).length / p) + 1);
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid ** BigInt(p) <= x) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

const SCALE = 400; // bits of fixed point below the binary point

/** floor(base^(k/p) * 2^SCALE): base^k * 2^(SCALE p), rooted. */
function edgeFixed(base: number, p: number, k: number): bigint {
  const b = BigInt(base);
  const num = k >= 0 ? b ** BigInt(k) << BigInt(SCALE * p) : (1n << BigInt(SCALE * p)) / b ** BigInt(-k);
  return integerRoot(num, p);
}

/** A positive float's value times 2^SCALE, exactly. */
function floatFixed(bits: number): bigint {
  const e = bits >>> 23;
  const m = BigInt(e === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000);
  const shift = (e === 0 ? 1 : e) - 150 + SCALE;
  return shift >= 0 ? m << BigInt(shift) : m >> BigInt(-shift);
}

/** Is threshold i the smallest float at or above its edge (checked with the root oracle)? */
function checkThreshold(grid: LogBinGrid, i: number): void {
  const k = grid.first + i;
  const bits = bitsOf(grid.thresholds[i]);
  const edge = edgeFixed(grid.base, grid.perUnit, k);
  // floor(edge) <= t (t >= edge up to the fixed point's last bit) and the float below is < edge
  expect(floatFixed(bits) >= edge, `threshold ${i} (k ${k}) of base ${grid.base} is below its edge`).toBe(true);
  if (bits > 1 && i > 0) expect(floatFixed(bits - 1) <= edge, `the float below threshold ${i} (k ${k}) of base ${grid.base} is above its edge`).toBe(true);
}

describe('log bins (fixed grids every backend bins alike)', () => {
  for (const spec of [SCALE_LOG2_BINS, BLOCK_MSE_LOG10_BINS]) {
    const grid = logBinGrid(spec);
    it(`base ${spec.base}, ${spec.perUnit} per unit: thresholds are the smallest floats at or above base^(k/${spec.perUnit}), over all of float32`, () => {
      const t = grid.thresholds;
      expect(t[0]).toBe(2 ** -149);
      // bin 0's edge is at or below the smallest float, bin 1's above it
      expect(edgeFixed(spec.base, spec.perUnit, grid.first) <= floatFixed(1)).toBe(true);
      expect(edgeFixed(spec.base, spec.perUnit, grid.first + 1) > floatFixed(1)).toBe(true);
      for (let i = 1; i < t.length; i++) expect(t[i] >= t[i - 1], `ascending at ${i}`).toBe(true);
      // the last edge is a float; the next one is beyond float32
      expect(spec.base ** ((grid.first + t.length) / spec.perUnit)).toBeGreaterThan(3.4028234663852886e38);
      const sample = new Set([1, 2, t.length - 1, t.length - 2, Math.floor(t.length / 2), -grid.first, -grid.first + 1]);
      while (sample.size < 40) sample.add(1 + Math.floor(rng.uniform() * (t.length - 1)));
      for (const i of sample) checkThreshold(grid, i);
      // in the normal range the thresholds sit where the logarithm says
      for (let i = 0; i < t.length; i++) {
        if (t[i] >= 2 ** -126) expect(Math.abs(Math.log(t[i]) / Math.log(spec.base) - (grid.first + i) / spec.perUnit), `threshold ${i}`).toBeLessThan(1e-6);
      }
    });

    it(`base ${spec.base}: a value's bin is the one whose thresholds bracket it; zero, negative and non-finite values have none`, () => {
      const t = grid.thresholds;
      for (const i of [1, 100, Math.floor(t.length / 2), t.length - 1]) {
        expect(logBinOf(grid, t[i])).toBeGreaterThanOrEqual(i);
        expect(t[logBinOf(grid, t[i])]).toBe(t[i]); // equal thresholds (empty bins) resolve to the last
        expect(logBinOf(grid, floatOf(bitsOf(t[i]) - 1))).toBeLessThan(i);
      }
      expect(logBinOf(grid, 1)).toBe(-grid.first);
      expect(logBinOf(grid, 3.4028234663852886e38)).toBe(t.length - 1);
      expect(logBinOf(grid, 2 ** -149)).toBeGreaterThanOrEqual(0);
      for (const v of [0, -0, -1, Infinity, -Infinity, NaN]) expect(logBinOf(grid, v)).toBe(-1);
      for (let n = 0; n < 2000; n++) {
        const v = Math.fround(2 ** (rng.uniform() * 276 - 149)); // subnormals to near the top of float32
        const i = logBinOf(grid, v);
        expect(t[i] <= v && (i + 1 === t.length || v < t[i + 1]), `${v} in bin ${i}`).toBe(true);
      }
    });
  }

  it('crops counts to whole octaves (decades) around the occupied bins', () => {
    const grid = logBinGrid(SCALE_LOG2_BINS);
    const counts = new Float64Array(grid.thresholds.length);
    counts[logBinOf(grid, 0.75)] += 3; // log2 = -0.415: octave [-1, 0)
    counts[logBinOf(grid, 4)] += 2; // exactly 2^2: the first bin of octave [2, 3)
    const h = logHistogram(grid, { counts, skipped: 5 });
    expect(h.edges[0]).toBe(-1);
    expect(h.edges[h.edges.length - 1]).toBe(3);
    expect(h.counts).toHaveLength(4 * 8);
    expect(h.edges).toHaveLength(h.counts.length + 1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(h.counts[(2 - -1) * 8]).toBe(2);
    expect(h.counts[Math.floor(Math.log2(0.75) * 8) + 8]).toBe(3);
    expect([h.underflow, h.overflow, h.skipped]).toEqual([0, 0, 5]);
    const empty = logHistogram(grid, { counts: new Float64Array(grid.thresholds.length), skipped: 7 });
    expect([empty.edges[0], empty.edges[empty.edges.length - 1], empty.counts.length, empty.skipped]).toEqual([0, 1, 8, 7]);
  });
});

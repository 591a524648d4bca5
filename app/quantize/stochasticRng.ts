/**
 * Counter-based uniform numbers for stochastic rounding: the random number of a value depends
 * only on (seed, its index in the padded matrix), so results do not depend on thread count,
 * tiling or backend. The C++ and CUDA kernels implement the same three lines.
 *
 * hash32 is "lowbias32" (Chris Wellons' integer hash search): full avalanche, cheap on every ISA.
 */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Key for one seed; hoisted out of the per-value loop. */
export function stochasticKey(seed: number): number {
  return hash32((seed ^ 0x9e3779b9) >>> 0);
}

/**
 * u in [0, 1), a multiple of 2^-24, for value `index` (< 2^53). NUMERICS.md's r = u - 0.5.
 */
export function stochasticUniform(key: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  const h = hash32((lo ^ hash32((hi ^ key) >>> 0)) >>> 0);
  return (h >>> 8) * 2 ** -24;
}

/**
 * E2M1 (FP4): 4 bits `s e1 e0 m`. Codes 0-7 are the magnitudes below, 8-15 their negatives
 * (8 is -0). Two codes per byte: low nibble = even column, high nibble = odd column.
 */
export const E2M1_MAGNITUDES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
export const E2M1_MAX = 6;
export const E2M1_NEGATIVE_ZERO = 8;

/** value(code) for all 16 codes (-0 for code 8). */
export const E2M1_VALUES: Float32Array = Float32Array.from({ length: 16 }, (_, c) =>
  c & 8 ? -E2M1_MAGNITUDES[c & 7] : E2M1_MAGNITUDES[c & 7],
);

export function e2m1ToFloat32(code: number): number {
  return E2M1_VALUES[code & 0xf];
}

/** round(y) with ties to even, for the small non-negative y the FP4 grid needs. */
export function roundHalfToEven(y: number): number {
  const floor = Math.floor(y);
  const frac = y - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Code (0-7) of a magnitude on the E2M1 grid: 0, 0.5, ..., 6. */
export function e2m1MagnitudeCode(q: number): number {
  // q is one of the eight grid values; map without a search.
  if (q < 2) return q * 2; // 0, 0.5, 1, 1.5 -> 0..3
  if (q < 4) return q + 2; // 2, 3 -> 4, 5
  return q === 4 ? 6 : 7;
}

/**
 * Nearest E2M1 magnitude of |v| (NUMERICS.md §2.3): the grid step is 0.5 below 2, 1 in [2, 4),
 * 2 from 4; round half to even within each range; clamp to 6.
 */
export function roundToE2M1Magnitude(absV: number): number {
  let q: number;
  if (absV < 2) q = roundHalfToEven(absV * 2) / 2;
  else if (absV < 4) q = roundHalfToEven(absV);
  else q = 2 * roundHalfToEven(absV / 2);
  return q > E2M1_MAX ? E2M1_MAX : q;
}

/**
 * Stochastic rounding of |v| with u uniform in [0, 1) (NUMERICS.md §4: r = u - 0.5):
 * q = floor(y + u) on the range's grid, computed exactly in double (y is fp32, u a multiple
 * of 2^-24, so y + u is exact).
 */
export function stochasticRoundToE2M1Magnitude(absV: number, u: number): number {
  let q: number;
  if (absV < 2) q = Math.floor(absV * 2 + u) / 2;
  else if (absV < 4) q = Math.floor(absV + u);
  else q = 2 * Math.floor(absV / 2 + u);
  return q > E2M1_MAX ? E2M1_MAX : q;
}

/** Code for x quantized to magnitude q: sign(x)·q, where a negative x keeps its sign even at 0 (code 8). */
export function e2m1Code(x: number, q: number): number {
  const mag = e2m1MagnitudeCode(q);
  return x < 0 ? mag | 8 : mag;
}

/** Nearest-rounding encode of an fp32 value already divided by its scale. */
export function float32ToE2M1(v: number): number {
  return e2m1Code(v, roundToE2M1Magnitude(Math.abs(v)));
}

export function packE2M1Pair(even: number, odd: number): number {
  return (even & 0xf) | ((odd & 0xf) << 4);
}

export function unpackE2M1(byte: number, column: number): number {
  return column & 1 ? (byte >>> 4) & 0xf : byte & 0xf;
}

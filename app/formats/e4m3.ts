import { float32ToBits } from './float32';

/**
 * E4M3 "fn" (OCP FP8): bias 7, 3 mantissa bits, max 448, no infinities, 0x7F/0xFF = NaN.
 * NVFP4 stores its block scales in this format.
 */
export const E4M3_MAX = 448;
export const E4M3_MIN_NORMAL = 2 ** -6;
export const E4M3_NAN = 0x7f;

function decodeE4M3Uncached(byte: number): number {
  const sign = byte & 0x80 ? -1 : 1;
  const exp = (byte >>> 3) & 0xf;
  const mant = byte & 0x7;
  if (exp === 0xf && mant === 0x7) return NaN;
  if (exp === 0) return sign * mant * 2 ** -9;
  return sign * (1 + mant / 8) * 2 ** (exp - 7);
}

/** value(byte) for every byte; index it instead of decoding in hot loops. */
export const E4M3_VALUES: Float32Array = Float32Array.from({ length: 256 }, (_, b) => decodeE4M3Uncached(b));

export function e4m3ToFloat32(byte: number): number {
  return E4M3_VALUES[byte & 0xff];
}

/**
 * fp32 -> E4M3, round to nearest, ties to even, with torch's `to(float8_e4m3fn)` behaviour outside
 * the range (no saturation): |x| in [448, 464] rounds to 448; anything that rounds above 448
 * (|x| > 464), ±Inf and NaN give NaN (0x7F | sign). NVFP4 never reaches these cases: scales
 * are clamped to [2^-6, 448] before conversion (NUMERICS.md §2.2).
 */
export function float32ToE4M3(x: number): number {
  const bits = float32ToBits(x);
  const sign = (bits >>> 24) & 0x80;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x43f00000) return E4M3_NAN | sign; // >= 480, Inf, NaN (464 < |x| < 480 reach NaN by rounding below)
  if (abs < 0x3c800000) {
    // Below 2^-6: subnormal E4M3, a multiple of 2^-9. Round |x| / 2^-9 to an integer, half to even.
    const scaled = Math.abs(Math.fround(x)) * 512; // exact: a power-of-two scaling of an fp32 value
    const floor = Math.floor(scaled);
    const frac = scaled - floor;
    let m = floor;
    if (frac > 0.5 || (frac === 0.5 && (floor & 1) === 1)) m += 1;
    return sign | m; // m == 8 is the smallest normal (exp 1, mant 0): encoded correctly as 0x08
  }
  // Normal: keep 3 mantissa bits of the fp32 significand, round the 20 dropped bits half to even.
  const exp = (abs >>> 23) - 127 + 7;
  const mant = abs & 0x7fffff;
  let code = (exp << 3) | (mant >>> 20);
  const rest = mant & 0xfffff;
  if (rest > 0x80000 || (rest === 0x80000 && (code & 1) === 1)) code += 1;
  return sign | code;
}

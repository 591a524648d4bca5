import { bitsToFloat32, float32ToBits } from './float32';

/** fp32 -> IEEE binary16 bits, round to nearest even, overflow to ±Inf, subnormals kept. */
export function float32ToFloat16Bits(x: number): number {
  const bits = float32ToBits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  // Unbiased exponent in half terms.
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the full significand into place and round once.
    if (e < -10) return sign; // below half of the smallest subnormal: rounds to zero
    mant |= 0x800000;
    const shift = 14 - e; // 24-bit significand -> 10-bit field at scale 2^-24
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // may carry into the exponent: correct
  return sign | h;
}

export function float16BitsToFloat32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    const v = mant * 2 ** -24;
    return sign ? -v : v;
  }
  if (exp === 0x1f) return bitsToFloat32(sign | 0x7f800000 | (mant << 13));
  return bitsToFloat32(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

export function roundToFloat16(x: number): number {
  return float16BitsToFloat32(float32ToFloat16Bits(x));
}

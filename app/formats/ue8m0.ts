import { bitsToFloat32, float32ToBits } from './float32';

/** UE8M0: an unsigned power of two, byte E means 2^(E-127); 0xFF is NaN. MXFP4's block scale. */
export const UE8M0_NAN = 0xff;

export function ue8m0ToFloat32(byte: number): number {
  const e = byte & 0xff;
  if (e === UE8M0_NAN) return NaN;
  if (e === 0) return 2 ** -127; // not representable as a normal fp32; the exact value as a double
  return bitsToFloat32(e << 23);
}

/**
 * The MXFP4 scale byte for a positive fp32 value t (NUMERICS.md §6): t rounded *up* to a power
 * of two, i.e. its exponent field, plus one when any mantissa bit is set. t = 0 gives byte 0.
 * For subnormal t the exponent field is 0, so the result is 2^-126 (byte 1) — still >= t.
 */
export function float32ToUe8m0Ceil(t: number): number {
  const bits = float32ToBits(t) & 0x7fffffff;
  if (bits === 0) return 0;
  const exp = bits >>> 23;
  if (exp === 0xff) return UE8M0_NAN;
  const mant = bits & 0x7fffff;
  const e = exp + (mant !== 0 ? 1 : 0);
  return e >= 0xff ? UE8M0_NAN : e;
}

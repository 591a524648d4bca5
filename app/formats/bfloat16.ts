import { bitsToFloat32, float32ToBits } from './float32';

/** fp32 -> bf16 bits, round to nearest even; NaN becomes the canonical quiet NaN (as torch does). */
export function float32ToBfloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  const bits = float32ToBits(x);
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32(h: number): number {
  return bitsToFloat32((h & 0xffff) << 16);
}

/** Round an fp32 value to the nearest bf16 value (returned as a number). */
export function roundToBfloat16(x: number): number {
  return bfloat16BitsToFloat32(float32ToBfloat16Bits(x));
}

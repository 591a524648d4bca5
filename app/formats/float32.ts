/** Bit-level views of binary32, shared by the narrower codecs. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToBits(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function bitsToFloat32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** fp32 rounding of a double, nearest-even: every fp32 step of NUMERICS.md goes through this. */
export const fround = Math.fround;

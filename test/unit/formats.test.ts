import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float32ToBfloat16Bits } from '../../app/formats/bfloat16';
import { E2M1_VALUES, float32ToE2M1, packE2M1Pair, roundToE2M1Magnitude, unpackE2M1 } from '../../app/formats/e2m1';
import { E4M3_VALUES, e4m3ToFloat32, float32ToE4M3 } from '../../app/formats/e4m3';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../app/formats/float16';
import { bitsToFloat32, float32ToBits } from '../../app/formats/float32';
import { float32ToUe8m0Ceil, ue8m0ToFloat32 } from '../../app/formats/ue8m0';

/** Midpoint of two adjacent representable values, exactly (doubles hold every such midpoint). */
const mid = (a: number, b: number): number => (a + b) / 2;
/** The fp32 values just below and above x. */
const nextDown = (x: number): number => bitsToFloat32(float32ToBits(x) + (x > 0 ? -1 : 1));
const nextUp = (x: number): number => bitsToFloat32(float32ToBits(x) + (x >= 0 ? 1 : -1));

describe('E2M1', () => {
  it('decodes all 16 codes: 0..6 and their negatives, 8 = -0', () => {
    expect(Array.from(E2M1_VALUES.subarray(0, 8))).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(Array.from(E2M1_VALUES.subarray(8))).toEqual([-0, -0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(Object.is(E2M1_VALUES[8], -0)).toBe(true);
  });

  it('encodes every code value back to its code (exhaustive), and ±0 to 0 / 8 by sign of x', () => {
    for (let code = 0; code < 16; code++) {
      const v = E2M1_VALUES[code];
      if (code === 8) continue; // -0 as an input value: x = -0 gives code 0 (NUMERICS §2.3)
      expect(float32ToE2M1(v)).toBe(code);
    }
    expect(float32ToE2M1(-0)).toBe(0);
    expect(float32ToE2M1(-0.1)).toBe(8); // negative x rounding to 0 keeps its sign
    expect(float32ToE2M1(0.1)).toBe(0);
  });

  it('rounds every midpoint half to even and everything else to the nearest grid value', () => {
    const grid = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
    const expectedTie = [0, 1, 1, 2, 2, 4, 4]; // 0.25->0, 0.75->1, 1.25->1, 1.75->2, 2.5->2, 3.5->4, 5->4
    for (let i = 0; i + 1 < grid.length; i++) {
      const m = mid(grid[i], grid[i + 1]);
      expect(roundToE2M1Magnitude(m)).toBe(expectedTie[i]);
      expect(roundToE2M1Magnitude(nextDown(m))).toBe(grid[i]);
      expect(roundToE2M1Magnitude(nextUp(m))).toBe(grid[i + 1]);
    }
    expect(roundToE2M1Magnitude(100)).toBe(6);
  });

  it('packs the even column into the low nibble', () => {
    for (let even = 0; even < 16; even++) {
      for (let odd = 0; odd < 16; odd++) {
        const byte = packE2M1Pair(even, odd);
        expect(unpackE2M1(byte, 0)).toBe(even);
        expect(unpackE2M1(byte, 1)).toBe(odd);
        expect(byte & 0xf).toBe(even);
      }
    }
  });
});

describe('E4M3 (fn)', () => {
  it('decodes: max 448, min normal 2^-6, min subnormal 2^-9, NaN only at 0x7F/0xFF', () => {
    expect(e4m3ToFloat32(0x7e)).toBe(448);
    expect(e4m3ToFloat32(0x08)).toBe(2 ** -6);
    expect(e4m3ToFloat32(0x01)).toBe(2 ** -9);
    const nans = [...E4M3_VALUES.keys()].filter((b) => Number.isNaN(E4M3_VALUES[b]));
    expect(nans).toEqual([0x7f, 0xff]);
  });

  it('round-trips every finite code and rounds every midpoint to the even code (exhaustive)', () => {
    for (let b = 0; b < 256; b++) {
      const v = E4M3_VALUES[b];
      if (Number.isNaN(v)) continue;
      const back = float32ToE4M3(v);
      if (b === 0x80) expect(back).toBe(0x80); // -0 keeps its sign bit
      else expect(back).toBe(b);
    }
    for (let b = 0; b < 0x7e; b++) {
      // positive codes b, b+1 are adjacent values; the midpoint goes to the even one
      const m = mid(E4M3_VALUES[b], E4M3_VALUES[b + 1]);
      expect(float32ToE4M3(m)).toBe(b % 2 === 0 ? b : b + 1);
      expect(Math.fround(m)).toBe(m); // 4 significant bits: every midpoint is an fp32 value
      expect(float32ToE4M3(nextDown(m))).toBe(b);
      expect(float32ToE4M3(nextUp(m))).toBe(b + 1);
      expect(float32ToE4M3(-m)).toBe((b % 2 === 0 ? b : b + 1) | 0x80);
    }
  });

  it('overflows to NaN as torch does: 464 -> 448 (tie to even), above 464 -> NaN, Inf -> NaN', () => {
    expect(float32ToE4M3(460)).toBe(0x7e);
    expect(float32ToE4M3(464)).toBe(0x7e);
    expect(float32ToE4M3(465)).toBe(0x7f);
    expect(float32ToE4M3(1e6)).toBe(0x7f);
    expect(float32ToE4M3(-Infinity)).toBe(0xff);
    expect(float32ToE4M3(NaN) & 0x7f).toBe(0x7f);
  });
});

describe('UE8M0', () => {
  it('decodes 2^(E-127) and NaN at 0xFF', () => {
    for (let e = 1; e < 255; e++) expect(ue8m0ToFloat32(e)).toBe(2 ** (e - 127));
    expect(Number.isNaN(ue8m0ToFloat32(0xff))).toBe(true);
  });

  it('rounds up to a power of two (exhaustive over exponents, with and without mantissa)', () => {
    for (let e = 1; e < 254; e++) {
      const p = 2 ** (e - 127);
      expect(float32ToUe8m0Ceil(p)).toBe(e);
      expect(float32ToUe8m0Ceil(nextUp(p))).toBe(e + 1);
      expect(ue8m0ToFloat32(float32ToUe8m0Ceil(nextDown(p)))).toBeGreaterThanOrEqual(nextDown(p));
    }
    expect(float32ToUe8m0Ceil(0)).toBe(0);
    expect(float32ToUe8m0Ceil(2 ** -140)).toBe(1); // subnormal t -> 2^-126 >= t
  });
});

describe('bf16 and fp16 <-> f32', () => {
  it('bf16: every finite code round-trips; midpoints round to even (exhaustive)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = bfloat16BitsToFloat32(h);
      if (Number.isNaN(v)) {
        expect(float32ToBfloat16Bits(v)).toBe(0x7fc0);
        continue;
      }
      expect(float32ToBfloat16Bits(v)).toBe(h);
      if ((h & 0x7fff) < 0x7f7f) {
        // the fp32 midpoint between h and h+1 (same sign): low 16 bits 0x8000
        const midBits = ((h << 16) | 0x8000) >>> 0;
        const expected = h & 1 ? h + 1 : h;
        expect(float32ToBfloat16Bits(bitsToFloat32(midBits))).toBe(expected);
        expect(float32ToBfloat16Bits(bitsToFloat32(midBits + 1))).toBe(h + 1);
        expect(float32ToBfloat16Bits(bitsToFloat32(midBits - 1))).toBe(h);
      }
    }
  });

  it('fp16: every code round-trips; midpoints round to even; overflow to Inf (exhaustive)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = float16BitsToFloat32(h);
      if (Number.isNaN(v)) {
        expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(v)))).toBe(true);
        continue;
      }
      expect(float32ToFloat16Bits(v)).toBe(h);
      const next = h + 1;
      if ((h & 0x7fff) < 0x7bff) {
        const m = mid(v, float16BitsToFloat32(next)); // exact in fp32: fp16 has 11 significant bits
        expect(float32ToFloat16Bits(m)).toBe(h & 1 ? next : h);
        // away from zero goes to the larger magnitude (next), towards zero to h
        const positive = (h & 0x8000) === 0;
        expect(float32ToFloat16Bits(nextUp(m))).toBe(positive ? next : h);
        expect(float32ToFloat16Bits(nextDown(m))).toBe(positive ? h : next);
      }
    }
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // rounds past the max: +Inf
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // half of the smallest subnormal: tie to even (0)
    expect(float32ToFloat16Bits(nextUp(2 ** -25))).toBe(1);
  });
});

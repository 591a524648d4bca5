import { float16BitsToFloat32 } from '../formats/float16';
import type { DType } from './dtypes';

/**
 * ggml tensor types as GGUF files store them: the enum value, the block (elements per block)
 * and the bytes per block, and how to decode the ones we can. Decoders follow ggml's reference
 * dequantize_row_* functions value for value (including its scale conventions, which differ
 * from the OCP MX spec at the edges: E8M0 255 is 2^127, not NaN).
 */
export interface GgmlType {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
  /** Plain element types map straight onto a dtype; read() returns their bytes unchanged. */
  readonly dtype?: DType;
  /** Block-quantized types we can decode to fp32. */
  readonly dequantize?: (blocks: Uint8Array, out: Float32Array) => void;
}

const f16 = (b: Uint8Array, i: number): number => float16BitsToFloat32(b[i] | (b[i + 1] << 8));

function dequantizeQ4_0(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 18, o += 32) {
    const d = f16(b, blk);
    for (let j = 0; j < 16; j++) {
      const q = b[blk + 2 + j];
      out[o + j] = ((q & 0x0f) - 8) * d;
      out[o + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

function dequantizeQ4_1(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 20, o += 32) {
    const d = f16(b, blk);
    const m = f16(b, blk + 2);
    for (let j = 0; j < 16; j++) {
      const q = b[blk + 4 + j];
      out[o + j] = (q & 0x0f) * d + m;
      out[o + j + 16] = (q >> 4) * d + m;
    }
  }
}

function dequantizeQ5(b: Uint8Array, out: Float32Array, withMin: boolean): void {
  const size = withMin ? 24 : 22;
  const qhAt = withMin ? 4 : 2;
  for (let blk = 0, o = 0; o < out.length; blk += size, o += 32) {
    const d = f16(b, blk);
    const m = withMin ? f16(b, blk + 2) : 0;
    const qh = (b[blk + qhAt] | (b[blk + qhAt + 1] << 8) | (b[blk + qhAt + 2] << 16) | (b[blk + qhAt + 3] << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = b[blk + qhAt + 4 + j];
      const x0 = (q & 0x0f) | (((qh >>> j) << 4) & 0x10);
      const x1 = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
      out[o + j] = withMin ? x0 * d + m : (x0 - 16) * d;
      out[o + j + 16] = withMin ? x1 * d + m : (x1 - 16) * d;
    }
  }
}

function dequantizeQ8(b: Uint8Array, out: Float32Array, size: number): void {
  for (let blk = 0, o = 0; o < out.length; blk += size, o += 32) {
    const d = f16(b, blk);
    const q0 = blk + size - 32;
    for (let j = 0; j < 32; j++) out[o + j] = ((b[q0 + j] << 24) >> 24) * d;
  }
}

/** ggml's kvalues_mxfp4: E2M1 values doubled, so the scale decoders below halve. */
const KVALUES_FP4 = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12];

/** ggml_e8m0_to_fp32_half: 2^(e-128) for every byte (255 included). */
function e8m0Half(e: number): number {
  return 2 ** (e - 128);
}

/** ggml_ue4m3_to_fp32: half the unsigned E4M3 value; 0 and 0x7F (NaN) decode to 0. */
function ue4m3Half(x: number): number {
  if (x === 0 || x === 0x7f) return 0;
  const exp = (x >> 3) & 0xf;
  const man = x & 0x7;
  const raw = exp === 0 ? man * 2 ** -9 : (1 + man / 8) * 2 ** (exp - 7);
  return raw * 0.5;
}

function dequantizeMxfp4(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 17, o += 32) {
    const d = e8m0Half(b[blk]);
    for (let j = 0; j < 16; j++) {
      const q = b[blk + 1 + j];
      out[o + j] = KVALUES_FP4[q & 0x0f] * d;
      out[o + j + 16] = KVALUES_FP4[q >> 4] * d;
    }
  }
}

function dequantizeNvfp4(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 36, o += 64) {
    for (let s = 0; s < 4; s++) {
      const d = ue4m3Half(b[blk + s]);
      for (let j = 0; j < 8; j++) {
        const q = b[blk + 4 + s * 8 + j];
        out[o + s * 16 + j] = KVALUES_FP4[q & 0x0f] * d;
        out[o + s * 16 + j + 8] = KVALUES_FP4[q >> 4] * d;
      }
    }
  }
}

/** get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes at `at`. */
function scaleMinK4(b: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [b[at + j] & 63, b[at + j + 4] & 63];
  return [(b[at + j + 4] & 0xf) | ((b[at + j - 4] >> 6) << 4), (b[at + j + 4] >> 4) | ((b[at + j] >> 6) << 4)];
}

function dequantizeQ2K(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 84) {
    const d = f16(b, blk + 80);
    const min = f16(b, blk + 82);
    let is = 0;
    for (let n = 0, q = blk + 16; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2) {
        for (const half of [0, 16]) {
          const sc = b[blk + is++];
          const dl = d * (sc & 0xf);
          const ml = min * (sc >> 4);
          for (let l = 0; l < 16; l++) out[y++] = dl * ((b[q + half + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

function dequantizeQ3K(b: Uint8Array, out: Float32Array): void {
  const scales = new Int32Array(16);
  for (let blk = 0, y = 0; y < out.length; blk += 110) {
    const d = f16(b, blk + 108);
    const sc = blk + 96;
    // 16 six-bit scales: low nibbles in bytes 0-7, high bit pairs in bytes 8-11.
    for (let j = 0; j < 16; j++) {
      const low = j < 8 ? b[sc + j] & 0xf : b[sc + j - 8] >> 4;
      scales[j] = (low | (((b[sc + 8 + (j % 4)] >> (2 * Math.floor(j / 4))) & 3) << 4)) - 32;
    }
    let is = 0;
    let m = 1;
    for (let n = 0, q = blk + 32; n < 256; n += 128, q += 32) {
      for (let shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (const half of [0, 16]) {
          const dl = d * scales[is++];
          for (let l = 0; l < 16; l++) out[y++] = dl * (((b[q + half + l] >> shift) & 3) - (b[blk + half + l] & m ? 0 : 4));
        }
      }
    }
  }
}

function dequantizeQ4K(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 144) {
    const d = f16(b, blk);
    const min = f16(b, blk + 2);
    for (let g = 0, q = blk + 16; g < 4; g++, q += 32) {
      const [s1, m1] = scaleMinK4(b, blk + 4, 2 * g);
      const [s2, m2] = scaleMinK4(b, blk + 4, 2 * g + 1);
      const d1 = d * s1;
      const d2 = d * s2;
      for (let l = 0; l < 32; l++) out[y++] = d1 * (b[q + l] & 0xf) - min * m1;
      for (let l = 0; l < 32; l++) out[y++] = d2 * (b[q + l] >> 4) - min * m2;
    }
  }
}

function dequantizeQ5K(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 176) {
    const d = f16(b, blk);
    const min = f16(b, blk + 2);
    const qh = blk + 16;
    for (let g = 0, q = blk + 48; g < 4; g++, q += 32) {
      const [s1, m1] = scaleMinK4(b, blk + 4, 2 * g);
      const [s2, m2] = scaleMinK4(b, blk + 4, 2 * g + 1);
      const u1 = 1 << (2 * g);
      const u2 = 2 << (2 * g);
      for (let l = 0; l < 32; l++) out[y++] = d * s1 * ((b[q + l] & 0xf) + (b[qh + l] & u1 ? 16 : 0)) - min * m1;
      for (let l = 0; l < 32; l++) out[y++] = d * s2 * ((b[q + l] >> 4) + (b[qh + l] & u2 ? 16 : 0)) - min * m2;
    }
  }
}

function dequantizeQ6K(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 210, y += 256) {
    const d = f16(b, blk + 208);
    for (let n = 0; n < 2; n++) {
      const ql = blk + 64 * n;
      const qh = blk + 128 + 32 * n;
      const sc = blk + 192 + 8 * n;
      const o = y + 128 * n;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = b[qh + l];
        const scale = (k: number): number => d * ((b[sc + is + 2 * k] << 24) >> 24);
        out[o + l] = scale(0) * (((b[ql + l] & 0xf) | ((h & 3) << 4)) - 32);
        out[o + l + 32] = scale(1) * (((b[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32);
        out[o + l + 64] = scale(2) * (((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32);
        out[o + l + 96] = scale(3) * (((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32);
      }
    }
  }
}

/** IQ4_NL / IQ4_XS: 4-bit indices into ggml's non-linear table (kvalues_iq4nl). */
const IQ4_VALUES = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** 16 bytes of IQ4 indices times dl: low nibbles give values 0-15, high nibbles 16-31. */
function iq4Group(b: Uint8Array, qs: number, dl: number, out: Float32Array, o: number): void {
  for (let j = 0; j < 16; j++) {
    out[o + j] = dl * IQ4_VALUES[b[qs + j] & 0xf];
    out[o + j + 16] = dl * IQ4_VALUES[b[qs + j] >> 4];
  }
}

function dequantizeIq4Nl(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 18, o += 32) iq4Group(b, blk + 2, f16(b, blk), out, o);
}

function dequantizeIq4Xs(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, o = 0; o < out.length; blk += 136) {
    const d = f16(b, blk);
    const scalesH = b[blk + 2] | (b[blk + 3] << 8);
    for (let ib = 0; ib < 8; ib++, o += 32) {
      const ls = ((b[blk + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4);
      // d * (ls - 32) is exact in fp32 (11 x 6 significant bits), as ggml's float product.
      iq4Group(b, blk + 8 + 16 * ib, d * (ls - 32), out, o);
    }
  }
}

/**
 * The n-th trit of a TQ1_0 byte, minus 1: the byte stores trits as a base-3 fraction, so the byte
 * times 3^n (kept to 8 bits) times 3, >> 8, is the n-th trit.
 */
const POW3 = [1, 3, 9, 27, 81, 243];
const tritMinusOne = (byte: number, n: number): number => ((((byte * POW3[n]) & 0xff) * 3) >> 8) - 1;

/**
 * TQ1_0 (ternary, 1.69 bits per value): values (trit - 1) * d; 32 bytes x 5 trits, 16 bytes x 5,
 * then the 4 qh bytes x 4 trits, as ggml's dequantize_row_tq1_0 walks them.
 */
function dequantizeTq1_0(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 54) {
    const d = f16(b, blk + 52);
    for (const [start, len, trits] of [
      [0, 32, 5],
      [32, 16, 5],
    ] as const) {
      for (let n = 0; n < trits; n++) for (let m = 0; m < len; m++) out[y++] = tritMinusOne(b[blk + start + m], n) * d;
    }
    for (let n = 0; n < 4; n++) for (let j = 0; j < 4; j++) out[y++] = tritMinusOne(b[blk + 48 + j], n) * d;
  }
}

/** TQ2_0 (ternary, 2 bits): four 2-bit codes per byte, (code - 1) * d, 32-byte runs. */
function dequantizeTq2_0(b: Uint8Array, out: Float32Array): void {
  for (let blk = 0, y = 0; y < out.length; blk += 66) {
    const d = f16(b, blk + 64);
    for (let j = 0; j < 64; j += 32) {
      for (let l = 0; l < 4; l++) for (let m = 0; m < 32; m++) out[y++] = (((b[blk + j + m] >> (2 * l)) & 3) - 1) * d;
    }
  }
}

const TYPES: GgmlType[] = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4, dtype: 'F32' },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2, dtype: 'F16' },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 18, dequantize: dequantizeQ4_0 },
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 20, dequantize: dequantizeQ4_1 },
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 22, dequantize: (b, o) => dequantizeQ5(b, o, false) },
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 24, dequantize: (b, o) => dequantizeQ5(b, o, true) },
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 34, dequantize: (b, o) => dequantizeQ8(b, o, 34) },
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 36, dequantize: (b, o) => dequantizeQ8(b, o, 36) },
  { id: 10, name: 'Q2_K', blockSize: 256, typeSize: 84, dequantize: dequantizeQ2K },
  { id: 11, name: 'Q3_K', blockSize: 256, typeSize: 110, dequantize: dequantizeQ3K },
  { id: 12, name: 'Q4_K', blockSize: 256, typeSize: 144, dequantize: dequantizeQ4K },
  { id: 13, name: 'Q5_K', blockSize: 256, typeSize: 176, dequantize: dequantizeQ5K },
  { id: 14, name: 'Q6_K', blockSize: 256, typeSize: 210, dequantize: dequantizeQ6K },
  { id: 15, name: 'Q8_K', blockSize: 256, typeSize: 292 },
  { id: 16, name: 'IQ2_XXS', blockSize: 256, typeSize: 66 },
  { id: 17, name: 'IQ2_XS', blockSize: 256, typeSize: 74 },
  { id: 18, name: 'IQ3_XXS', blockSize: 256, typeSize: 98 },
  { id: 19, name: 'IQ1_S', blockSize: 256, typeSize: 50 },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 18, dequantize: dequantizeIq4Nl },
  { id: 21, name: 'IQ3_S', blockSize: 256, typeSize: 110 },
  { id: 22, name: 'IQ2_S', blockSize: 256, typeSize: 82 },
  { id: 23, name: 'IQ4_XS', blockSize: 256, typeSize: 136, dequantize: dequantizeIq4Xs },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1, dtype: 'I8' },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2, dtype: 'I16' },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4, dtype: 'I32' },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8, dtype: 'I64' },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8, dtype: 'F64' },
  { id: 29, name: 'IQ1_M', blockSize: 256, typeSize: 56 },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2, dtype: 'BF16' },
  { id: 34, name: 'TQ1_0', blockSize: 256, typeSize: 54, dequantize: dequantizeTq1_0 },
  { id: 35, name: 'TQ2_0', blockSize: 256, typeSize: 66, dequantize: dequantizeTq2_0 },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 17, dequantize: dequantizeMxfp4 },
  { id: 40, name: 'NVFP4', blockSize: 64, typeSize: 36, dequantize: dequantizeNvfp4 },
  { id: 41, name: 'Q1_0', blockSize: 128, typeSize: 18 },
  { id: 42, name: 'Q2_0', blockSize: 64, typeSize: 18 },
];

const BY_ID = new Map(TYPES.map((t) => [t.id, t]));

export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** Names of the block-quantized types we decode, for "not supported yet" messages. */
export const DECODABLE_GGML_TYPES: readonly string[] = TYPES.filter((t) => t.dequantize).map((t) => t.name);

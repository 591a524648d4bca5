import { describe, expect, it } from 'vitest';
import { E2M1_VALUES } from '../../app/formats/e2m1';
import { E4M3_VALUES } from '../../app/formats/e4m3';
import { float16BitsToFloat32 } from '../../app/formats/float16';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { summarizeTensor } from '../../app/tensors/tensorSummary';
import { buildGguf, f32Bytes, u64 } from './tensorsBuilders';
import { seededRng } from '../fuzz/mutate';

/** GGUF files built from the spec; quantized blocks checked against the formats' definitions. */
const open = (bytes: Uint8Array) => openTensorFile(memoryByteSource(bytes, 'model.gguf'));
const readF32 = async (f: Awaited<ReturnType<typeof open>>, name: string): Promise<Float32Array> => new Float32Array((await f.tensors.find((t) => t.name === name)!.read()).slice().buffer);

const seed = Number(process.env.FP4LAB_TEST_SEED ?? Date.now() % 1e9);
console.log(`tensorsGguf: random blocks from seed ${seed} (FP4LAB_TEST_SEED=${seed} to repeat)`);
const rand = seededRng(seed);
/** ggml's table holds +0 for the E2M1 code of -0 (kvalues_mxfp4[8] = 0); a zero scale keeps the code's sign. */
const e2m1AsGgml = (code: number): number => (code === 8 ? 0 : E2M1_VALUES[code]);
const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

describe('GGUF', () => {
  it('lists shapes outermost-first (GGUF stores dims innermost-first) and reads F32/F16/BF16 unchanged', async () => {
    const w = f32Bytes(Array.from({ length: 12 }, (_, i) => i - 5.5));
    const h = new Uint8Array(Uint16Array.of(0x3c00, 0xbc00, 0x4200).buffer);
    const b = new Uint8Array(Uint16Array.of(0x3f80, 0x4040).buffer);
    const f = await open(
      buildGguf(
        [
          { name: 'w', dims: [4, 3], type: 0, data: w },
          { name: 'h', dims: [3], type: 1, data: h },
          { name: 'b', dims: [1, 2, 1], type: 30, data: b },
        ],
        { alignment: 64, metadata: { 'general.name': { type: 'string', value: 'tiny' }, 'tokenizer.ggml.tokens': { type: 'string[]', value: Array.from({ length: 40 }, (_, i) => `t${i}`) } } },
      ),
    );
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['w', 'F32', [3, 4]],
      ['h', 'F16', [3]],
      ['b', 'BF16', [1, 2, 1]],
    ]);
    expect(await f.tensors[0].read()).toEqual(w);
    expect(await f.tensors[1].read()).toEqual(h);
    expect(await f.tensors[2].read()).toEqual(b);
    expect(f.metadata['general.name']).toBe('tiny');
    expect(f.metadata['tokenizer.ggml.tokens']).toBe('[40 string values]');
    expect(await readTensorAsMatrix(f.tensors[0], 'model.gguf')).toMatchObject({ rows: 3, cols: 4 });
  });

  it('decodes Q8_0: each block is an fp16 scale times 32 int8 values', async () => {
    const blocks = randomBytes(34 * 4);
    for (let i = 0; i < 4; i++) blocks.set([Math.floor(rand() * 256), 0x30 + Math.floor(rand() * 16)], i * 34); // finite scales
    const f = await open(buildGguf([{ name: 'q', dims: [64, 2], type: 8, data: blocks }]));
    expect(f.tensors[0]).toMatchObject({ dtype: 'F32', shape: [2, 64], encoding: { name: 'Q8_0', storedByteLength: 136 } });
    const want = new Float32Array(128);
    for (let i = 0; i < 128; i++) {
      const blk = Math.floor(i / 32) * 34;
      want[i] = float16BitsToFloat32(blocks[blk] | (blocks[blk + 1] << 8)) * ((blocks[blk + 2 + (i % 32)] << 24) >> 24);
    }
    expect(await readF32(f, 'q')).toEqual(want);
  });

  it('decodes MXFP4: an E8M0 scale 2^(e-127) times E2M1 codes, low nibbles first', async () => {
    const blocks = randomBytes(17 * 6);
    blocks[0] = 0; // the smallest scale, 2^-127
    blocks[17] = 254;
    const f = await open(buildGguf([{ name: 'm', dims: [96, 2], type: 39, data: blocks }]));
    const want = new Float32Array(192);
    for (let i = 0; i < 192; i++) {
      const blk = Math.floor(i / 32) * 17;
      const j = i % 32;
      const byte = blocks[blk + 1 + (j % 16)];
      want[i] = e2m1AsGgml(j < 16 ? byte & 0x0f : byte >> 4) * 2 ** (blocks[blk] - 127);
    }
    expect(await readF32(f, 'm')).toEqual(want);
  });

  it('decodes ggml NVFP4: four E4M3 sub-block scales per 64 values', async () => {
    const blocks = randomBytes(36 * 2);
    for (let i = 0; i < 8; i++) blocks[Math.floor(i / 4) * 36 + (i % 4)] &= 0x7e; // positive, not NaN
    const f = await open(buildGguf([{ name: 'n', dims: [128], type: 40, data: blocks }]));
    const want = new Float32Array(128);
    for (let i = 0; i < 128; i++) {
      const blk = Math.floor(i / 64) * 36;
      const sub = Math.floor((i % 64) / 16);
      const j = i % 16;
      const byte = blocks[blk + 4 + sub * 8 + (j % 8)];
      want[i] = e2m1AsGgml(j < 8 ? byte & 0x0f : byte >> 4) * E4M3_VALUES[blocks[blk + sub]];
    }
    expect(await readF32(f, 'n')).toEqual(want);
  });

  it('lists types it cannot decode by name and says so when read', async () => {
    const f = await open(buildGguf([{ name: 'k', dims: [256], type: 16, data: new Uint8Array(66) }]));
    const t = f.tensors[0];
    expect(t.encoding).toMatchObject({ name: 'IQ2_XXS', storedByteLength: 66 });
    expect(t.encoding?.unsupported).toMatch(/^model\.gguf: tensor 'k' is GGUF type IQ2_XXS, which FP4 Lab cannot decode yet \(supported: F32, F16, BF16, F64, Q4_0, /);
    await expect(t.read()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(readTensorAsMatrix(t, 'model.gguf')).rejects.toThrow(/IQ2_XXS, which FP4 Lab cannot decode yet/);
  });

  it('gives clear errors for bad versions, types, block sizes and offsets', async () => {
    const ok = buildGguf([{ name: 'w', dims: [4], type: 0, data: new Uint8Array(16) }]);
    const v1 = ok.slice();
    v1[4] = 1;
    await expect(open(v1)).rejects.toThrow('model.gguf is GGUF version 1');
    const badType = buildGguf([{ name: 'w', dims: [4], type: 99, data: new Uint8Array(16) }]);
    await expect(open(badType)).rejects.toThrow("tensor 'w' has unknown ggml type 99");
    await expect(open(buildGguf([{ name: 'q', dims: [16], type: 8, data: new Uint8Array(34) }]))).rejects.toThrow("rows of 16 elements are not whole Q8_0 blocks of 32");
    await expect(open(ok.subarray(0, ok.length - 20))).rejects.toThrow(/runs past the end of the .*-byte file \(truncated\?\)/);
    // A tensor count no file could hold is refused before anything is allocated for it.
    const huge = ok.slice();
    huge.set(u64(2 ** 40), 8);
    await expect(open(huge)).rejects.toThrow(/cannot fit in/);
  });

  /**
   * K-quants against a per-element restatement of ggml's block layouts (ggml-common.h) and
   * dequantize_row_*_K: element e of a 256-element super-block, computed directly.
   */
  const f16At = (b: Uint8Array, i: number): number => float16BitsToFloat32(b[i] | (b[i + 1] << 8));
  const scaleMin = (b: Uint8Array, at: number, j: number): [number, number] =>
    j < 4 ? [b[at + j] & 63, b[at + j + 4] & 63] : [(b[at + j + 4] & 15) | ((b[at + j - 4] >> 6) << 4), (b[at + j + 4] >> 4) | ((b[at + j] >> 6) << 4)];
  const K_QUANTS: [string, number, number, (b: Uint8Array, e: number) => number][] = [
    [
      'Q2_K',
      10,
      84,
      (b, e) => {
        const [n, r] = [e >> 7, e & 127];
        const [j, h, l] = [r >> 5, (r >> 4) & 1, r & 15];
        const sc = b[8 * n + 2 * j + h];
        return f16At(b, 80) * (sc & 15) * ((b[16 + 32 * n + 16 * h + l] >> (2 * j)) & 3) - f16At(b, 82) * (sc >> 4);
      },
    ],
    [
      'Q3_K',
      11,
      110,
      (b, e) => {
        const [n, r] = [e >> 7, e & 127];
        const [j, h, l] = [r >> 5, (r >> 4) & 1, r & 15];
        const s = 8 * n + 2 * j + h;
        const scale = ((s < 8 ? b[96 + s] & 15 : b[96 + s - 8] >> 4) | (((b[104 + (s % 4)] >> (2 * (s >> 2))) & 3) << 4)) - 32;
        const high = b[16 * h + l] & (1 << (4 * n + j)) ? 0 : 4;
        return f16At(b, 108) * scale * (((b[32 + 32 * n + 16 * h + l] >> (2 * j)) & 3) - high);
      },
    ],
    [
      'Q4_K',
      12,
      144,
      (b, e) => {
        const [g, w] = [e >> 6, e & 63];
        const [sc, m] = scaleMin(b, 4, 2 * g + (w >> 5));
        const q = b[16 + 32 * g + (w & 31)];
        return f16At(b, 0) * sc * (w < 32 ? q & 15 : q >> 4) - f16At(b, 2) * m;
      },
    ],
    [
      'Q5_K',
      13,
      176,
      (b, e) => {
        const [g, w] = [e >> 6, e & 63];
        const [sc, m] = scaleMin(b, 4, 2 * g + (w >> 5));
        const q = b[48 + 32 * g + (w & 31)];
        const high = b[16 + (w & 31)] & ((w < 32 ? 1 : 2) << (2 * g)) ? 16 : 0;
        return f16At(b, 0) * sc * ((w < 32 ? q & 15 : q >> 4) + high) - f16At(b, 2) * m;
      },
    ],
    [
      'Q6_K',
      14,
      210,
      (b, e) => {
        const [n, r] = [e >> 7, e & 127];
        const [k, l] = [r >> 5, r & 31];
        const low = b[64 * n + l + (k & 1 ? 32 : 0)];
        const q = ((k < 2 ? low & 15 : low >> 4) | (((b[128 + 32 * n + l] >> (2 * k)) & 3) << 4)) - 32;
        return f16At(b, 208) * ((b[192 + 8 * n + (l >> 4) + 2 * k] << 24) >> 24) * q;
      },
    ],
  ];
  /**
   * IQ4 and ternary types, the same way: element e of 256 values from ggml-common.h's block
   * layouts (IQ4_NL: eight 18-byte blocks per 256 values) and dequantize_row_iq4_* / _tq*_0.
   */
  const IQ4 = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
  const nibble = (b: Uint8Array, at: number, w: number): number => (w < 16 ? b[at + w] & 15 : b[at + w - 16] >> 4);
  const tritOf = (byte: number, n: number): number => Math.floor((((byte * 3 ** n) % 256) * 3) / 256);
  const OTHER_TYPES: [string, number, number, number[], (b: Uint8Array, e: number) => number][] = [
    ['IQ4_NL', 20, 144, [0, 18, 36, 54, 72, 90, 108, 126], (b, e) => f16At(b, 18 * (e >> 5)) * IQ4[nibble(b, 18 * (e >> 5) + 2, e & 31)]],
    [
      'IQ4_XS',
      23,
      136,
      [0],
      (b, e) => {
        const ib = e >> 5;
        const ls = ((ib & 1 ? b[4 + (ib >> 1)] >> 4 : b[4 + (ib >> 1)]) & 15) + 16 * (((b[2] | (b[3] << 8)) >> (2 * ib)) & 3);
        return Math.fround(f16At(b, 0) * (ls - 32)) * IQ4[nibble(b, 8 + 16 * ib, e & 31)];
      },
    ],
    [
      'TQ1_0',
      34,
      54,
      [52],
      (b, e) => {
        const [byte, n] = e < 160 ? [b[e % 32], Math.floor(e / 32)] : e < 240 ? [b[32 + ((e - 160) % 16)], Math.floor((e - 160) / 16)] : [b[48 + ((e - 240) % 4)], Math.floor((e - 240) / 4)];
        return (tritOf(byte, n) - 1) * f16At(b, 52);
      },
    ],
    ['TQ2_0', 35, 66, [64], (b, e) => ((((b[32 * (e >> 7) + (e & 31)] >> (2 * ((e >> 5) & 3))) & 3) - 1) * f16At(b, 64))],
  ];
  for (const [name, type, size, scaleAt, element] of OTHER_TYPES) {
    it(`decodes ${name} like ggml's dequantize_row`, async () => {
      const blocks = randomBytes(size * 3);
      for (let i = 0; i < 3; i++) for (const at of scaleAt) blocks[i * size + at + 1] &= 0x5f; // finite fp16 scales
      const f = await open(buildGguf([{ name: 'q', dims: [256, 3], type, data: blocks }]));
      expect(f.tensors[0].encoding).toMatchObject({ name, storedByteLength: size * 3 });
      const want = Float32Array.from({ length: 768 }, (_, e) => element(blocks.subarray(Math.floor(e / 256) * size), e % 256));
      expect(await readF32(f, 'q')).toEqual(want);
    });
  }

  for (const [name, type, size, element] of K_QUANTS) {
    it(`decodes ${name} like ggml's dequantize_row`, async () => {
      const blocks = randomBytes(size * 3);
      for (let i = 0; i < 3; i++) {
        // Finite fp16 super-block scales (exponent field below 0x1f).
        for (const at of name === 'Q2_K' ? [80, 82] : name === 'Q3_K' ? [108] : name === 'Q6_K' ? [208] : [0, 2]) blocks[i * size + at + 1] &= 0x5f;
      }
      const f = await open(buildGguf([{ name: 'k', dims: [256, 3], type, data: blocks }]));
      expect(f.tensors[0].encoding).toMatchObject({ name, storedByteLength: size * 3 });
      const want = Float32Array.from({ length: 768 }, (_, e) => element(blocks.subarray(Math.floor(e / 256) * size), e % 256));
      expect(await readF32(f, 'k')).toEqual(want);
    });
  }
});

describe('summarizeTensor (what the UI lists)', () => {
  it('shows stored types, bytes in the file, the matrix offered and why not', async () => {
    const f = await open(
      buildGguf([
        { name: 'q', dims: [32, 2], type: 8, data: new Uint8Array(68) },
        { name: 'c', dims: [2, 3, 4], type: 0, data: new Uint8Array(96) },
        { name: 'i', dims: [4], type: 26, data: new Uint8Array(16) },
        { name: 'x', dims: [256], type: 16, data: new Uint8Array(66) },
      ]),
    );
    expect(f.tensors.map(summarizeTensor)).toEqual([
      { name: 'q', dtype: 'Q8_0', shape: [2, 32], bytes: 68, matrix: [2, 32], note: 'stored as Q8_0, decoded to F32' },
      { name: 'c', dtype: 'F32', shape: [4, 3, 2], bytes: 96, matrix: [12, 2], note: 'as matrix 12x2' },
      { name: 'i', dtype: 'I32', shape: [4], bytes: 16, matrix: null, note: 'I32 is not quantizable (integer/bool)' },
      { name: 'x', dtype: 'IQ2_XXS', shape: [256], bytes: 66, matrix: null, note: 'IQ2_XXS tensors cannot be decoded yet' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { resolveQuantizeKwargs, type QuantizeKwargs } from '../../app/quantize/kwargs';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { FloatDType } from '../../app/tensors/matrix';
import { goldenPath, loadGoldenManifest } from '../golden/goldenCases';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { edgeMatrix, nativeDisabled, nativeQuantize, quantizeDifference, requireAddon, rngFrom, testSeed, THREAD_COUNTS } from './nativeKit';

// The native quantizer against the reference, byte for byte (e2m1, sf, normconst, and the block
// scales and 4/6 choices the analysis shows), at every instruction-set level this CPU has and
// at 1, 2, all and more-than-all threads, into outputs poisoned beforehand.
describe.skipIf(nativeDisabled)('native quantize = reference quantize', () => {
  const addon = nativeDisabled ? null! : requireAddon();
  const isas = nativeDisabled ? [] : addon.cpu.info().isas;

  async function expectParity(x: Parameters<typeof quantizeToFp4>[0], kwargs: QuantizeKwargs, label: string): Promise<void> {
    const ref = quantizeToFp4(x, kwargs);
    for (const isa of isas) {
      for (const threads of THREAD_COUNTS) {
        const ours = await nativeQuantize(addon, x, kwargs, isa, threads);
        const diff = quantizeDifference(ours, ref);
        expect(diff, `${label} isa=${isa} threads=${threads}`).toBeNull();
      }
    }
  }

  it('reports the instruction-set levels it tests', () => {
    const info = addon.cpu.info();
    console.log(`native quantize parity on ${info.description}; levels ${info.isas.join(', ')}`);
    expect(info.isas[0]).toBe('portable');
  });

  describe('golden set', () => {
    const manifest = loadGoldenManifest();
    for (const c of manifest.quantize) {
      const k = c.kwargs;
      it(`${c.id} ${k.fp4_format} ${k.scale_rule}${k.block_scale_2d ? ' 2d' : ''}${k.had ? ' had' : ''}${k.transpose ? ' T' : ''}`, async () => {
        const input = await LoadedSafetensors.load(goldenPath(c.input));
        const kwargs = resolveQuantizeKwargs({ ...k, had: k.had ? 16 : null });
        await expectParity(input.matrix('x'), kwargs, c.id);
      });
    }
  });

  describe('fresh random inputs of odd shapes, every kwarg combination', () => {
    const seed = testSeed('native quantize parity');
    const shapes: [number, number][] = [
      [37, 83],
      [130, 200],
      [1, 16],
      [129, 65],
    ];
    const dtypes: FloatDType[] = ['bfloat16', 'float16', 'float32'];
    let caseIndex = 0;
    for (const fp4_format of ['nvfp4', 'mxfp4'] as const) {
      const rules = fp4_format === 'nvfp4' ? (['abs_max', 'always_4', 'always_6', 'l1_norm', 'mse'] as const) : (['always_4', 'always_6'] as const);
      for (const scale_rule of rules) {
        for (const block_scale_2d of [false, true]) {
          for (const had of [null, 16]) {
            for (const round_style of ['nearest', 'stochastic'] as const) {
              for (const transpose of [false, true]) {
                const index = caseIndex++;
                const kwargs = resolveQuantizeKwargs({ fp4_format, scale_rule, block_scale_2d, had, round_style, transpose, seed: (seed + index) >>> 0 });
                const name = `${fp4_format} ${scale_rule}${block_scale_2d ? ' 2d' : ''}${had ? ' had16' : ''} ${round_style}${transpose ? ' T' : ''}`;
                it(name, async () => {
                  const rng = rngFrom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
                  for (const [rows, cols] of shapes) {
                    const dtype = dtypes[(index + rows) % dtypes.length];
                    const x = edgeMatrix(rng, rows, cols, dtype);
                    await expectParity(x, kwargs, `${name} [${rows}, ${cols}] ${dtype} seed=${seed}`);
                  }
                });
              }
            }
          }
        }
      }
    }

    it('values near the top of the fp32 and bf16 range (scales above 2^125 take the exact-division path)', async () => {
      const rng = rngFrom(seed ^ 0x5eed);
      for (const dtype of ['float32', 'bfloat16'] as const) {
        const x = edgeMatrix(rng, 64, 256, dtype, { huge: true });
        for (const scale_rule of ['mse', 'always_6', 'always_4', 'abs_max'] as const) {
          await expectParity(x, resolveQuantizeKwargs({ scale_rule }), `huge ${dtype} ${scale_rule} seed=${seed}`);
        }
      }
    });

    it('other Hadamard sizes and an explicit (non-Sylvester) matrix', async () => {
      const rng = rngFrom(seed ^ 0x4ada);
      const x = edgeMatrix(rng, 50, 256, 'bfloat16');
      for (const had of [2, 8, 32, 64, 128, 256]) {
        await expectParity(x, resolveQuantizeKwargs({ had, scale_rule: 'mse' }), `had ${had} seed=${seed}`);
      }
      const n = 8;
      const explicit = Array.from({ length: n }, () => Array.from({ length: n }, () => rng() * 2 - 1));
      await expectParity(x, resolveQuantizeKwargs({ had: explicit, scale_rule: 'l1_norm', fp4_format: 'nvfp4' }), `explicit had seed=${seed}`);
      await expectParity(x, resolveQuantizeKwargs({ had: explicit, scale_rule: 'always_6', fp4_format: 'mxfp4', block_scale_2d: true }), `explicit had mx seed=${seed}`);
    });

    it('refuses a rotation that overflows the input dtype (NON_FINITE), where the reference would produce NaN scales', async () => {
      const data = new Float32Array(128 * 64).fill(60000); // fp16 values whose 16-point rotation is 4 x 60000 > 65504
      const x = { rows: 128, cols: 64, data, dtype: 'float16' as const };
      for (const isa of isas) {
        await expect(nativeQuantize(addon, x, resolveQuantizeKwargs({ had: 16 }), isa, 0)).rejects.toMatchObject({ code: 'NON_FINITE', message: expect.stringContaining('Hadamard') });
      }
    });

    it('wide rows (more than 16 blocks per row, a partial group of blocks at the end)', async () => {
      const rng = rngFrom(seed ^ 0x91de);
      const x = edgeMatrix(rng, 20, 4160 - 7, 'bfloat16');
      for (const scale_rule of ['mse', 'l1_norm', 'abs_max', 'always_4', 'always_6'] as const) {
        await expectParity(x, resolveQuantizeKwargs({ scale_rule }), `wide ${scale_rule} seed=${seed}`);
      }
    });
  });
});

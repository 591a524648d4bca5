import { describe, expect, it } from 'vitest';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { FORMAT_PARAMS } from '../../app/quantize/formatParams';
import type { Fp4Format } from '../../app/quantize/kwargs';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import type { QuantizedMatrix } from '../../app/quantize/types';
import { edgeMatrix, firstDifference, nativeDisabled, packedOf, requireAddon, rngFrom, testSeed, THREAD_COUNTS } from './nativeKit';

// Native dequantize against the reference, value for value (Object.is: -0 and NaN positions
// included), for quantizer output and for arbitrary bytes (every scale byte, NaN and subnormal
// E4M3 included), cropped or not, with or without the normconst.
describe.skipIf(nativeDisabled)('native dequantize = reference dequantize', () => {
  const addon = nativeDisabled ? null! : requireAddon();
  const isas = nativeDisabled ? [] : addon.cpu.info().isas;
  const seed = testSeed('native dequantize parity');

  function randomPacked(rng: () => number, format: Fp4Format, rows: number, cols: number): QuantizedMatrix {
    const paddedRows = Math.ceil(rows / 128) * 128;
    const multiple = FORMAT_PARAMS[format].colMultiple;
    const paddedCols = Math.ceil(cols / multiple) * multiple;
    const e2m1 = Uint8Array.from({ length: (paddedRows * paddedCols) / 2 }, () => Math.floor(rng() * 256));
    const sf = Uint8Array.from({ length: (paddedRows * paddedCols) / FORMAT_PARAMS[format].blockSize }, (_, i) => (i < 256 ? i : Math.floor(rng() * 256)));
    return { fp4_format: format, rows, cols, paddedRows, paddedCols, e2m1, sf, normconst: format === 'nvfp4' ? Math.fround(rng() * 3 + 1e-3) : 1 };
  }

  async function expectParity(q: QuantizedMatrix, label: string): Promise<void> {
    for (const applyNormconst of [true, false]) {
      for (const crop of [true, false]) {
        const ref = dequantizeFromFp4(q, { applyNormconst, crop });
        for (const isa of isas) {
          for (const threads of THREAD_COUNTS) {
            const out = new Float32Array(ref.rows * ref.cols).fill(NaN);
            out[0] = 12345; // a non-NaN poison too, in case the reference's first value is NaN
            await addon.cpu.dequantize(packedOf(q), { applyNormconst, outRows: ref.rows, outCols: ref.cols }, out, { isa, threads });
            expect(firstDifference('values', out, ref.data), `${label} nc=${applyNormconst} crop=${crop} isa=${isa} threads=${threads}`).toBeNull();
          }
        }
      }
    }
  }

  it('arbitrary bytes, both formats, odd shapes', async () => {
    const rng = rngFrom(seed);
    for (const format of ['nvfp4', 'mxfp4'] as const) {
      for (const [rows, cols] of [
        [1, 1],
        [130, 70],
        [37, 300],
      ] as const) {
        await expectParity(randomPacked(rng, format, rows, cols), `${format} random bytes [${rows}, ${cols}] seed=${seed}`);
      }
    }
  });

  it('quantizer output', async () => {
    const rng = rngFrom(seed ^ 0xde9);
    for (const fp4_format of ['nvfp4', 'mxfp4'] as const) {
      const x = edgeMatrix(rng, 129, 200, 'bfloat16');
      await expectParity(quantizeToFp4(x, { fp4_format, scale_rule: 'always_6' }), `${fp4_format} quantized seed=${seed}`);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { fp4Matmul, type Fp4MatmulResult } from '../../app/matmul/fp4Matmul';
import type { QuantizedMatrix } from '../../app/quantize/types';
import type { Fp4Format } from '../../app/quantize/kwargs';
import { float32ToBits } from '../../app/formats/float32';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { goldenPath, loadGoldenManifest, type GoldenMatmulCase } from './goldenCases';

const manifest = loadGoldenManifest();

function packedSide(g: LoadedSafetensors, side: 'a' | 'b', shape: [number, number], format: Fp4Format): QuantizedMatrix {
  const [paddedRows, halfCols] = g.shape(`${side}_e2m1`);
  return {
    fp4_format: format,
    rows: shape[0],
    cols: shape[1],
    paddedRows,
    paddedCols: halfCols * 2,
    e2m1: g.raw(`${side}_e2m1`),
    sf: g.raw(`${side}_sf`),
    normconst: g.floats(`${side}_normconst`)[0],
  };
}

/** ulp distance between two fp32 values of the same sign (what fp32 outputs are compared by). */
function ulpDistance(a: number, b: number): number {
  const ordered = (x: number): number => {
    const bits = float32ToBits(x);
    return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
  };
  return Math.abs(ordered(a) - ordered(b));
}

/** Output bytes of our result as the golden file stores them. */
function outBytes(r: Fp4MatmulResult): Uint8Array {
  return r.bits ? new Uint8Array(r.bits.buffer) : new Uint8Array(r.data.buffer);
}

function checkOut(r: Fp4MatmulResult, g: LoadedSafetensors, c: GoldenMatmulCase): number {
  expect([r.rows, r.cols]).toEqual(c.out_shape);
  if (c.out_dtype !== 'float32') {
    expect(outBytes(r)).toEqual(g.raw('out'));
    return 0;
  }
  const ref = g.floats('out');
  let maxUlp = 0;
  for (let i = 0; i < ref.length; i++) maxUlp = Math.max(maxUlp, ulpDistance(r.data[i], ref[i]));
  return maxUlp;
}

describe('golden fp4_matmul cases', () => {
  it('the manifest has cases', () => {
    expect(manifest.matmul.length).toBeGreaterThanOrEqual(20);
  });
  for (const c of manifest.matmul) {
    it(`${c.id}: from high precision and from the reference's packed operands`, async () => {
      const g = await LoadedSafetensors.load(goldenPath(c.file));
      const options = { fp4_format: c.fp4_format, out_dtype: c.out_dtype, out_shape: c.out_shape };
      const fromHp = fp4Matmul(
        { kind: 'matrix', matrix: g.matrix('a'), quantizeKwargs: c.a_quantize_kwargs },
        { kind: 'matrix', matrix: g.matrix('b'), quantizeKwargs: c.b_quantize_kwargs },
        options,
      );
      const fromPacked = fp4Matmul(
        { kind: 'quantized', quantized: packedSide(g, 'a', c.a_shape, c.fp4_format) },
        { kind: 'quantized', quantized: packedSide(g, 'b', c.b_shape, c.fp4_format) },
        options,
      );
      const ulps = [checkOut(fromHp, g, c), checkOut(fromPacked, g, c)];
      if (c.out_dtype === 'float32') console.log(`${c.id}: max fp32 ulp distance vs reference ${Math.max(...ulps)}`);
      expect(Math.max(...ulps)).toBe(0); // fp32: accumulation order is free, but at these sizes every partial sum is exact
      expect(fromHp.a.normconst).toBe(g.floats('a_normconst')[0]);
      expect(fromHp.b.normconst).toBe(g.floats('b_normconst')[0]);
    });
  }
});

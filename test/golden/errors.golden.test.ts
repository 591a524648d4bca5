import { describe, expect, it } from 'vitest';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { transposeMatrix } from '../../app/tensors/matrix';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { goldenPath, loadGoldenManifest } from './goldenCases';

/**
 * The golden manifest's `errors`: kwargs on which the reference crashes (2-D blocks with the
 * adaptive rules, shapes its padding does not cover, transposes of those). They are not a spec;
 * NUMERICS.md defines the behaviour, and here each such combination must succeed on inputs of
 * covered and uncovered shapes, stay consistent with transposing by hand, and dequantize close.
 */
const manifest = loadGoldenManifest();
const INPUTS = ['x00_randn_128x128.safetensors', 'x12_randn_130x70.safetensors', 'x11_randn_100x200.safetensors'];

describe('combinations the reference crashes on', () => {
  it('the manifest lists them', () => {
    expect(manifest.errors.length).toBeGreaterThan(50);
  });
  const seen = new Set<string>();
  for (const e of manifest.errors) {
    const k = e.kwargs;
    const key = JSON.stringify(k);
    if (seen.has(key)) continue; // the same kwargs on different inputs: each input is tried below
    seen.add(key);
    it(`${k.fp4_format} ${k.scale_rule}${k.block_scale_2d ? ' 2d' : ''}${k.had ? ' had' : ''}${k.transpose ? ' T' : ''} (reference: ${e.error.slice(0, 60)}...)`, async () => {
      for (const input of INPUTS) {
        const x = (await LoadedSafetensors.load(goldenPath(input))).matrix('x');
        const kwargs = { ...k, had: k.had ? 16 : null };
        const q = quantizeToFp4(x, kwargs);
        const byHand = quantizeToFp4(k.transpose ? transposeMatrix(x) : x, { ...kwargs, transpose: false });
        expect(q.e2m1).toEqual(byHand.e2m1);
        expect(q.sf).toEqual(byHand.sf);
        if (!k.had) {
          const d = dequantizeFromFp4(q);
          const ref = k.transpose ? transposeMatrix(x) : x;
          let err = 0;
          let norm = 0;
          for (let i = 0; i < ref.data.length; i++) {
            err += (d.data[i] - ref.data[i]) ** 2;
            norm += ref.data[i] ** 2;
          }
          expect(Math.sqrt(err / norm), input).toBeLessThan(0.2);
        }
      }
    });
  }
});

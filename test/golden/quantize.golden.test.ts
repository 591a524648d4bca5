import { describe, expect, it } from 'vitest';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { unswizzleScales } from '../../app/quantize/blockedLayout';
import { FORMAT_PARAMS } from '../../app/quantize/formatParams';
import { LoadedSafetensors } from '../helpers/safetensorsFile';
import { goldenPath, loadGoldenManifest, type GoldenQuantizeCase } from './goldenCases';

const manifest = loadGoldenManifest();

/** Row-major scale bytes of the golden file, cropped to rows x scaleCols. */
function goldenScales(g: LoadedSafetensors, paddedRows: number, paddedCols: number, blockSize: number): { bytes: Uint8Array; stride: number } {
  const scaleCols = paddedCols / blockSize;
  if (paddedRows % 128 === 0 && scaleCols % 4 === 0) return { bytes: unswizzleScales(g.raw('sf'), paddedRows, scaleCols), stride: scaleCols };
  // The reference's over-padding can leave a scale matrix the blocked layout cannot hold; it
  // then also wrote the row-major bytes.
  const [, stride] = g.shape('sf_rowmajor');
  return { bytes: g.raw('sf_rowmajor'), stride };
}

/** First difference in the logical region, as a readable string, or null. */
function compareLogical(
  ours: Uint8Array,
  oursStride: number,
  theirs: Uint8Array,
  theirsStride: number,
  rows: number,
  cols: number,
  what: string,
): string | null {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = ours[r * oursStride + c];
      const b = theirs[r * theirsStride + c];
      if (a !== b) return `${what}[${r}][${c}]: ours 0x${a.toString(16)} reference 0x${b.toString(16)}`;
    }
  }
  return null;
}

async function checkCase(c: GoldenQuantizeCase): Promise<void> {
  const input = await LoadedSafetensors.load(goldenPath(c.input));
  const golden = await LoadedSafetensors.load(goldenPath(c.file));
  const x = input.matrix('x');
  const q = quantizeToFp4(x, { ...c.kwargs, had: c.kwargs.had ? 16 : null });
  const [rows, cols] = c.kwargs.transpose ? [x.cols, x.rows] : [x.rows, x.cols];
  expect([q.rows, q.cols]).toEqual([rows, cols]);

  // normconst: the fp32 bytes.
  expect(new Uint8Array(new Float32Array([q.normconst]).buffer)).toEqual(golden.raw('normconst'));

  // e2m1: logical rows x ceil(cols / 2) bytes (the reference may pad further).
  const [refRows, refHalfCols] = golden.shape('e2m1');
  const e2m1Diff = compareLogical(q.e2m1, q.paddedCols / 2, golden.raw('e2m1'), refHalfCols, rows, Math.ceil(cols / 2), 'e2m1');
  expect(e2m1Diff).toBeNull();

  // sf: un-swizzle both and compare the logical rows x scale columns.
  const { blockSize } = FORMAT_PARAMS[c.kwargs.fp4_format];
  const ourScales = unswizzleScales(q.sf, q.paddedRows, q.paddedCols / blockSize);
  const ref = goldenScales(golden, refRows, refHalfCols * 2, blockSize);
  const sfDiff = compareLogical(ourScales, q.paddedCols / blockSize, ref.bytes, ref.stride, rows, Math.ceil(cols / blockSize), 'sf');
  expect(sfDiff).toBeNull();
}

describe('golden quantize cases (byte-exact e2m1, sf, normconst)', () => {
  it('the manifest has cases', () => {
    expect(manifest.quantize.length).toBeGreaterThan(200);
  });
  for (const c of manifest.quantize) {
    const k = c.kwargs;
    it(`${c.id} ${c.input} ${k.fp4_format} ${k.scale_rule}${k.block_scale_2d ? ' 2d' : ''}${k.had ? ' had' : ''}${k.transpose ? ' T' : ''}`, async () => {
      await checkCase(c);
    });
  }
});

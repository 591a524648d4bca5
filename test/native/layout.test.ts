import { describe, expect, it } from 'vitest';
import { blockedScaleIndex, swizzleScales, unswizzleScales } from '../../app/quantize/blockedLayout';
import { paddedShape } from '../../app/quantize/formatParams';
import { firstDifference, nativeDisabled, requireAddon, rngFrom, testSeed } from './nativeKit';

// native/include/fp4lab_layout.h is the C twin of app/quantize/blockedLayout.ts: the same
// formula must put every scale byte at the same offset.
describe.skipIf(nativeDisabled)('the blocked scale layout in C = in TypeScript', () => {
  const cpu = nativeDisabled ? null! : requireAddon().cpu;
  const seed = testSeed('blocked layout');

  it('swizzle and unswizzle agree byte for byte on random scale matrices', () => {
    const rng = rngFrom(seed);
    for (const [rows, scaleCols] of [
      [128, 4],
      [256, 8],
      [384, 12],
      [128, 260],
      [640, 4],
    ] as const) {
      const rowMajor = Uint8Array.from({ length: rows * scaleCols }, () => Math.floor(rng() * 256));
      const ours = new Uint8Array(rows * scaleCols).fill(0xab);
      cpu.swizzleScales(rowMajor, rows, scaleCols, ours);
      expect(firstDifference(`swizzle [${rows}, ${scaleCols}]`, ours, swizzleScales(rowMajor, rows, scaleCols))).toBeNull();
      const back = new Uint8Array(rows * scaleCols).fill(0xab);
      cpu.unswizzleScales(ours, rows, scaleCols, back);
      expect(firstDifference(`unswizzle [${rows}, ${scaleCols}]`, back, unswizzleScales(ours, rows, scaleCols))).toBeNull();
      expect(firstDifference('round trip', back, rowMajor)).toBeNull();
    }
  });

  it('each position lands where blockedScaleIndex says (a one-hot byte per position)', () => {
    const rows = 256;
    const scaleCols = 8;
    for (let r = 0; r < rows; r += 7) {
      for (let c = 0; c < scaleCols; c++) {
        const rowMajor = new Uint8Array(rows * scaleCols);
        rowMajor[r * scaleCols + c] = 1;
        const blocked = new Uint8Array(rows * scaleCols);
        cpu.swizzleScales(rowMajor, rows, scaleCols, blocked);
        expect(blocked.indexOf(1)).toBe(blockedScaleIndex(r, c, scaleCols));
      }
    }
  });

  it('quantize outputs use the padded shapes of app/quantize/formatParams', async () => {
    for (const fp4_format of ['nvfp4', 'mxfp4'] as const) {
      for (const [rows, cols] of [
        [1, 1],
        [129, 65],
        [128, 128],
        [300, 1000],
      ] as const) {
        const [pr, pc] = paddedShape(rows, cols, fp4_format);
        const block = fp4_format === 'nvfp4' ? 16 : 32;
        const out = { e2m1: new Uint8Array((pr * pc) / 2), sf: new Uint8Array((pr * pc) / block) };
        await expect(cpu.quantize(new Float32Array(rows * cols).fill(1), rows, cols, { fp4_format, scale_rule: 'always_6' }, out)).resolves.toBeDefined();
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isFp4Error } from '../../app/errors';
import { fp4Matmul } from '../../app/matmul/fp4Matmul';
import { dequantizeFromFp4 } from '../../app/quantize/dequantize';
import { quantizeToFp4 } from '../../app/quantize/quantizeToFp4';
import { matrixFromShape, type Matrix } from '../../app/tensors/matrix';

const m = (rows: number, cols: number, fill = 1): Matrix => ({ rows, cols, data: new Float32Array(rows * cols).fill(fill), dtype: 'float32' });

/** Run f and return the Fp4Error it throws (failing the test if it does not). */
function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(isFp4Error(e), `expected an Fp4Error, got ${String(e)}`).toBe(true);
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('bad arguments get errors that say what was wrong', () => {
  const cases: [string, () => unknown, string | RegExp][] = [
    ['unknown scale_rule', () => quantizeToFp4(m(4, 16), { scale_rule: 'median' as never }), /scale_rule must be one of abs_max, always_4, always_6, l1_norm, mse; got "median"/],
    ['unknown fp4_format', () => quantizeToFp4(m(4, 16), { fp4_format: 'nvfp8' as never }), /fp4_format must be one of nvfp4, mxfp4/],
    ['unknown round_style', () => quantizeToFp4(m(4, 16), { round_style: 'up' as never }), /round_style must be one of nearest, stochastic/],
    ['unknown kwarg', () => quantizeToFp4(m(4, 16), { scale: 3 } as never), /unknown quantize kwarg 'scale'/],
    ['adaptive rule with mxfp4', () => quantizeToFp4(m(4, 32), { fp4_format: 'mxfp4', scale_rule: 'mse' }), /scale_rule 'mse' is not defined for mxfp4/],
    ['3-D input', () => matrixFromShape([4, 3, 5], new Float32Array(60)), /input is 3-D \(shape \[4, 3, 5\]\).*flatten/],
    ['empty matrix', () => quantizeToFp4(m(0, 16)), /input is empty \(shape \[0, 16\]\)/],
    [
      'NaN input',
      () => {
        const x = m(3, 16);
        x.data[17] = NaN;
        return quantizeToFp4(x);
      },
      /1 non-finite value \(NaN or Inf\), first at \[1, 1\] = NaN/,
    ],
    [
      'Inf input',
      () => {
        const x = m(3, 16);
        x.data[2] = -Infinity;
        x.data[40] = Infinity;
        return quantizeToFp4(x);
      },
      /2 non-finite values.*\[0, 2\] = -Infinity/,
    ],
    ['had size not dividing the row', () => quantizeToFp4(m(4, 64), { had: 128 }), /had: the 128x128 Hadamard matrix needs the column count to be a multiple of 128; the matrix has 64 columns/],
    ['had not a power of two', () => quantizeToFp4(m(4, 64), { had: 12 }), /had must be a power of two from 2 to 256/],
    ['had not square', () => quantizeToFp4(m(4, 64), { had: [[1, 0], [0]] }), /had must be a square matrix/],
    ['bad seed', () => quantizeToFp4(m(4, 64), { seed: -1 }), /seed must be an integer from 0 to 4294967295/],
    [
      'mismatched K',
      () => fp4Matmul({ kind: 'matrix', matrix: m(4, 64) }, { kind: 'matrix', matrix: m(4, 48) }),
      /same number of columns \(K\); got a \[4, 64\] and b \[4, 48\]/,
    ],
    ['out_shape too large', () => fp4Matmul({ kind: 'matrix', matrix: m(4, 64) }, { kind: 'matrix', matrix: m(4, 64) }, { out_shape: [129, 4] }), /out_shape \[129, 4\] must be positive and at most the padded product \[128, 128\]/],
    ['unknown out_dtype', () => fp4Matmul({ kind: 'matrix', matrix: m(4, 64) }, { kind: 'matrix', matrix: m(4, 64) }, { out_dtype: 'int8' as never }), /out_dtype must be one of bfloat16, float16, float32/],
    [
      'packed bytes not matching the shape',
      () => {
        const q = quantizeToFp4(m(4, 64));
        return dequantizeFromFp4({ ...q, e2m1: q.e2m1.subarray(1) });
      },
      /e2m1 has 4095 bytes; shape \[128, 64\] needs 4096/,
    ],
    [
      'packed sf not matching the shape',
      () => {
        const q = quantizeToFp4(m(4, 64));
        return fp4Matmul({ kind: 'quantized', quantized: { ...q, sf: new Uint8Array(3) } }, { kind: 'matrix', matrix: m(4, 64) });
      },
      /a \(packed\): sf has 3 bytes.*needs 512/,
    ],
    [
      'packed side of the other format',
      () => fp4Matmul({ kind: 'quantized', quantized: quantizeToFp4(m(4, 64)) }, { kind: 'matrix', matrix: m(4, 64) }, { fp4_format: 'mxfp4' }),
      /a is packed as nvfp4 but fp4_format is mxfp4/,
    ],
  ];
  for (const [name, f, message] of cases) {
    it(name, () => {
      const e = errorOf(f);
      expect(e.code).toBe(name.includes('NaN') || name.includes('Inf') ? 'NON_FINITE' : 'INVALID_ARGUMENT');
      expect(e.message).toMatch(message);
    });
  }
});

describe('combinations the reference crashes on or gets wrong are defined (NUMERICS.md §3, §5)', () => {
  it('2-D blocks with the adaptive rules and always_4 give row-major codes that dequantize close to x', () => {
    const x: Matrix = { rows: 32, cols: 64, data: Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 64))), dtype: 'float32' };
    for (const scale_rule of ['always_4', 'mse', 'l1_norm', 'abs_max'] as const) {
      const q = quantizeToFp4(x, { scale_rule, block_scale_2d: true });
      const d = dequantizeFromFp4(q);
      let err = 0;
      let ref = 0;
      for (let i = 0; i < x.data.length; i++) {
        err += (d.data[i] - x.data[i]) ** 2;
        ref += x.data[i] ** 2;
      }
      // Codes left in tile order (the reference's always_4 bug) would give an error near 100%.
      expect(Math.sqrt(err / ref), scale_rule).toBeLessThan(0.2);
    }
  });

  it('shapes the reference padding does not cover (and their transposes) quantize with rows to 128 and columns to 4 x block', () => {
    for (const [rows, cols] of [
      [130, 70],
      [1, 16],
      [300, 1000],
    ]) {
      const x = m(rows, cols, 0.5);
      for (const transpose of [false, true]) {
        const q = quantizeToFp4(x, { transpose });
        const [r, c] = transpose ? [cols, rows] : [rows, cols];
        expect([q.rows, q.cols, q.paddedRows, q.paddedCols]).toEqual([r, c, Math.ceil(r / 128) * 128, Math.ceil(c / 64) * 64]);
        const mx = quantizeToFp4(x, { transpose, fp4_format: 'mxfp4', scale_rule: 'always_6' });
        expect(mx.paddedCols).toBe(Math.ceil(c / 128) * 128);
      }
    }
  });
});

import { Fp4Error, invalidArgument } from '../errors';
import { cropMatrix, type Matrix, padMatrix, transposeMatrix } from '../tensors/matrix';
import { paddedShape } from './formatParams';
import { applyHadamard, resolveHadamard } from './hadamard';
import type { QuantizeKwargs } from './kwargs';

/** Positions of NaN/±Inf values, at most `limit` of them, plus the total count. */
export function findNonFinite(m: Matrix, limit = 5): { count: number; positions: [number, number][] } {
  const positions: [number, number][] = [];
  let count = 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      count++;
      if (positions.length < limit) positions.push([Math.floor(i / m.cols), i % m.cols]);
    }
  }
  return { count, positions };
}

export function checkQuantizableMatrix(m: Matrix, name = 'input'): void {
  if (m.rows === 0 || m.cols === 0) {
    throw invalidArgument(`${name} is empty (shape [${m.rows}, ${m.cols}]); quantization needs at least one row and one column`);
  }
  const bad = findNonFinite(m);
  if (bad.count > 0) {
    const where = bad.positions.map(([r, c]) => `[${r}, ${c}] = ${m.data[r * m.cols + c]}`).join(', ');
    throw new Fp4Error('NON_FINITE', `${name} has ${bad.count} non-finite value${bad.count > 1 ? 's' : ''} (NaN or Inf), first at ${where}; FP4 scales would be NaN`);
  }
}

/**
 * transpose -> zero padding (rows to 128, columns to 4 x block) -> Hadamard on the padded rows.
 * NUMERICS.md lists the rotation before the padding; the two orders agree whenever n divides the
 * column count (padding chunks are all zero and rotate to zero). When it does not, the golden
 * vectors show what the reference does: it rotates the zero-extended last chunk, so we pad first.
 * `logical` is the rotated matrix cropped back to the unpadded shape: what the analysis views
 * compare the dequantized values against.
 */
export function prepareQuantizeInput(x: Matrix, kwargs: QuantizeKwargs): { logical: Matrix; padded: Matrix } {
  checkQuantizableMatrix(x);
  const t = kwargs.transpose ? transposeMatrix(x) : x;
  const [rows, cols] = paddedShape(t.rows, t.cols, kwargs.fp4_format);
  let padded = padMatrix(t, rows, cols);
  const h = resolveHadamard(kwargs.had, x.dtype);
  if (h) padded = applyHadamard(padded, h);
  const logical = h ? cropMatrix(padded, t.rows, t.cols) : t;
  return { logical, padded };
}

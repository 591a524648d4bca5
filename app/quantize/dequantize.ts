import { invalidArgument } from '../errors';
import { E2M1_VALUES } from '../formats/e2m1';
import { E4M3_VALUES } from '../formats/e4m3';
import { ue8m0ToFloat32 } from '../formats/ue8m0';
import { cropMatrix, type Matrix } from '../tensors/matrix';
import { blockedScaleIndex } from './blockedLayout';
import { FORMAT_PARAMS } from './formatParams';
import type { QuantizedMatrix } from './types';

export interface DequantizeOptions {
  /** Multiply by the normconst (default true); fp4Matmul leaves it for the epilogue. */
  applyNormconst?: boolean;
  /** Return the logical rows x cols instead of the padded matrix (default true). */
  crop?: boolean;
}

/** Check that a packed matrix's byte counts match its shapes (NUMERICS.md §8). */
export function checkQuantizedMatrix(q: QuantizedMatrix, name = 'quantized input'): void {
  const { blockSize, rowMultiple, colMultiple } = FORMAT_PARAMS[q.fp4_format] ?? {};
  if (!blockSize) throw invalidArgument(`${name}: unknown fp4_format ${JSON.stringify(q.fp4_format)}`);
  if (q.paddedRows % rowMultiple !== 0 || q.paddedCols % colMultiple !== 0 || q.paddedRows <= 0 || q.paddedCols <= 0) {
    throw invalidArgument(`${name}: padded shape [${q.paddedRows}, ${q.paddedCols}] must be positive multiples of [${rowMultiple}, ${colMultiple}] for ${q.fp4_format}`);
  }
  if (q.rows > q.paddedRows || q.cols > q.paddedCols || q.rows <= 0 || q.cols <= 0) {
    throw invalidArgument(`${name}: logical shape [${q.rows}, ${q.cols}] does not fit in the padded shape [${q.paddedRows}, ${q.paddedCols}]`);
  }
  const e2m1Bytes = (q.paddedRows * q.paddedCols) / 2;
  if (q.e2m1.length !== e2m1Bytes) {
    throw invalidArgument(`${name}: e2m1 has ${q.e2m1.length} bytes; shape [${q.paddedRows}, ${q.paddedCols}] needs ${e2m1Bytes}`);
  }
  const sfBytes = (q.paddedRows * q.paddedCols) / blockSize;
  if (q.sf.length !== sfBytes) {
    throw invalidArgument(`${name}: sf has ${q.sf.length} bytes; shape [${q.paddedRows}, ${q.paddedCols}] with ${q.fp4_format} blocks of ${blockSize} needs ${sfBytes}`);
  }
  if (!Number.isFinite(q.normconst) || q.normconst <= 0) {
    throw invalidArgument(`${name}: normconst must be a positive finite fp32 value; got ${q.normconst}`);
  }
}

/** Effective block scale value of scale byte `byte` (without the normconst). */
export function scaleByteValue(format: QuantizedMatrix['fp4_format'], byte: number): number {
  return format === 'nvfp4' ? E4M3_VALUES[byte] : ue8m0ToFloat32(byte);
}

/**
 * value(code) · scale in fp32 (NUMERICS.md §7); NVFP4 then · normconst in fp32 when applied.
 * Returns a float32 Matrix (dtype float32).
 */
export function dequantizeFromFp4(q: QuantizedMatrix, options: DequantizeOptions = {}): Matrix {
  checkQuantizedMatrix(q);
  const applyNormconst = options.applyNormconst ?? true;
  const crop = options.crop ?? true;
  const { paddedRows: rows, paddedCols: cols } = q;
  const { blockSize } = FORMAT_PARAMS[q.fp4_format];
  const scaleCols = cols / blockSize;
  const nc = q.fp4_format === 'nvfp4' && applyNormconst ? q.normconst : 1;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < scaleCols; b++) {
      const s = scaleByteValue(q.fp4_format, q.sf[blockedScaleIndex(r, b, scaleCols)]);
      for (let c = b * blockSize; c < (b + 1) * blockSize; c++) {
        const byte = q.e2m1[(r * cols + c) >> 1];
        const code = c & 1 ? byte >>> 4 : byte & 0xf;
        let v = Math.fround(E2M1_VALUES[code] * s);
        if (nc !== 1) v = Math.fround(v * nc);
        out[r * cols + c] = v;
      }
    }
  }
  const full: Matrix = { rows, cols, data: out, dtype: 'float32' };
  return crop ? cropMatrix(full, q.rows, q.cols) : full;
}

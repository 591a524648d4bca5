import { invalidArgument } from '../errors';

/**
 * Precision the values came from. The data is always held as fp32 (every bf16/fp16 value is
 * exact in fp32); the source dtype still matters: `had` rounds its result to it (NUMERICS.md §4).
 */
export type FloatDType = 'float32' | 'bfloat16' | 'float16';

/** A dense row-major matrix of fp32 values: the engine's input type. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
  readonly dtype: FloatDType;
}

export function makeMatrix(rows: number, cols: number, data: Float32Array, dtype: FloatDType = 'float32'): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw invalidArgument(`matrix shape must be two non-negative integers, got [${rows}, ${cols}]`);
  }
  if (data.length !== rows * cols) {
    throw invalidArgument(`matrix data has ${data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}`);
  }
  return { rows, cols, data, dtype };
}

export function transposeMatrix(m: Matrix): Matrix {
  const out = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    const rowOffset = r * m.cols;
    for (let c = 0; c < m.cols; c++) out[c * m.rows + r] = m.data[rowOffset + c];
  }
  return { rows: m.cols, cols: m.rows, data: out, dtype: m.dtype };
}

/** Copy into a zero-filled matrix of the given (larger or equal) shape, top-left aligned. */
export function padMatrix(m: Matrix, rows: number, cols: number): Matrix {
  if (rows === m.rows && cols === m.cols) return m;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < m.rows; r++) out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), r * cols);
  return { rows, cols, data: out, dtype: m.dtype };
}

/** The top-left rows x cols corner. */
export function cropMatrix(m: Matrix, rows: number, cols: number): Matrix {
  if (rows === m.rows && cols === m.cols) return m;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(m.data.subarray(r * m.cols, r * m.cols + cols), r * cols);
  return { rows, cols, data: out, dtype: m.dtype };
}

/**
 * A matrix from a shape and values, for callers holding N-D data: quantization works on 2-D
 * matrices, so anything else is refused with the shape and what to do about it.
 */
export function matrixFromShape(shape: readonly number[], data: Float32Array, dtype: FloatDType = 'float32', name = 'input'): Matrix {
  if (shape.length !== 2) {
    throw invalidArgument(`${name} is ${shape.length}-D (shape [${shape.join(', ')}]); quantize_to_fp4 needs a 2-D matrix: pick a 2-D tensor or flatten the leading dims`);
  }
  return makeMatrix(shape[0], shape[1], data, dtype);
}

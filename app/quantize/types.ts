import { FORMAT_PARAMS } from './formatParams';
import type { Fp4Format, QuantizeKwargs } from './kwargs';

/**
 * A matrix in FP4: what `quantize` writes and `fp4Matmul` accepts (DESIGN.md "Quantized tensor
 * file"). Shapes are of the quantized matrix, i.e. after `transpose`.
 */
export interface QuantizedMatrix {
  readonly fp4_format: Fp4Format;
  /** Logical (unpadded) shape of the quantized matrix. */
  readonly rows: number;
  readonly cols: number;
  readonly paddedRows: number;
  readonly paddedCols: number;
  /** [paddedRows][paddedCols / 2] bytes, low nibble = even column. */
  readonly e2m1: Uint8Array;
  /** Scale bytes in the blocked 128x4 layout: E4M3 (nvfp4) or UE8M0 (mxfp4). */
  readonly sf: Uint8Array;
  /** fp32 tensor-wide scale (1 for mxfp4). */
  readonly normconst: number;
  /** How it was produced; absent for packed tensors imported without metadata. */
  readonly kwargs?: QuantizeKwargs;
}

/** quantizeToFp4's result: the packed matrix plus what the analysis views show per block. */
export interface QuantizeResult extends QuantizedMatrix {
  readonly kwargs: QuantizeKwargs;
  /** Effective fp32 scale of every block, row-major [paddedRows][paddedCols / blockSize]. */
  readonly blockScales: Float32Array;
  /** The candidate each block took, 4 or 6, same layout (constant for always_4 / always_6). */
  readonly blockSelection: Uint8Array;
}

export function scaleColumns(q: Pick<QuantizedMatrix, 'paddedCols' | 'fp4_format'>): number {
  return q.paddedCols / FORMAT_PARAMS[q.fp4_format].blockSize;
}

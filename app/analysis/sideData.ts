import type { QuantizeResult } from '../quantize/types';
import type { PreparedValues } from './blockDetail';
import { type BlockField, type ElementField, ELEMENT_FIELD_VIEW, blockGeometry, pairField } from './fields';
import { arrayField, type FieldSource } from './pooling';
import type { SideReductions } from './sideReductions';

/**
 * Full-resolution data of one quantized side, kept where the analysis ran (the compute host)
 * so heatmap tiles and block details can be served at any zoom without recomputation.
 */
export class SideData {
  readonly blockSize: number;
  readonly gridCols: number;
  /** Blocks per row of the quantizer's padded per-block arrays (blockScales, blockSelection). */
  readonly scaleStride: number;

  constructor(
    /** What was quantized (after transpose/had): logical values at a row stride, zero beyond. */
    readonly prepared: PreparedValues,
    /** Dequantized values (normconst applied), padded: paddedRows x paddedCols. */
    readonly dequantized: Float32Array,
    readonly quantized: QuantizeResult,
    readonly reductions: SideReductions,
  ) {
    const g = blockGeometry(quantized);
    this.blockSize = g.blockSize;
    this.gridCols = g.gridCols;
    this.scaleStride = quantized.paddedCols / g.blockSize;
  }

  get rows(): number {
    return this.quantized.rows;
  }

  get cols(): number {
    return this.quantized.cols;
  }

  elementField(field: ElementField): FieldSource {
    const ref = arrayField(this.prepared.data, this.rows, this.cols, this.prepared.stride);
    const approx = arrayField(this.dequantized, this.rows, this.cols, this.quantized.paddedCols);
    return pairField(ref, approx, ELEMENT_FIELD_VIEW[field], this.reductions.amax);
  }

  /** A block map over the logical block grid; the quantizer's padded arrays are read in place. */
  blockField(field: BlockField): FieldSource {
    if (field === 'scale') return arrayField(this.quantized.blockScales, this.rows, this.gridCols, this.scaleStride);
    if (field === 'selection') return arrayField(this.quantized.blockSelection, this.rows, this.gridCols, this.scaleStride);
    return arrayField(field === 'block_mse' ? this.reductions.blockMse : this.reductions.blockMaxAbs, this.rows, this.gridCols);
  }

  /** The target (4 or 6) block (row, blockCol) chose. */
  selectionAt(row: number, blockCol: number): number {
    return this.quantized.blockSelection[row * this.scaleStride + blockCol];
  }
}

import type { QuantizeResult } from '../quantize/types';
import type { PreparedValues } from './blockDetail';
import { type BlockField, type ElementField, ELEMENT_FIELD_VIEW, blockGeometry, logicalBlockValues, pairField } from './fields';
import { arrayField, type FieldSource } from './pooling';
import type { SideReductions } from './sideReductions';

/**
 * Full-resolution data of one quantized side, kept where the analysis ran (the compute host)
 * so heatmap tiles and block details can be served at any zoom without recomputation.
 */
export class SideData {
  readonly blockSize: number;
  readonly gridCols: number;
  private scales?: Float32Array;
  private selection?: Uint8Array;

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

  blockField(field: BlockField): FieldSource {
    return arrayField(this.blockValues(field), this.rows, this.gridCols);
  }

  blockValues(field: BlockField): Float32Array | Uint8Array {
    if (field === 'scale') return (this.scales ??= logicalBlockValues(this.quantized, this.quantized.blockScales));
    if (field === 'selection') return (this.selection ??= logicalBlockValues(this.quantized, this.quantized.blockSelection));
    return field === 'block_mse' ? this.reductions.blockMse : this.reductions.blockMaxAbs;
  }
}

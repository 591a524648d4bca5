import type { QuantizeResult } from '../quantize/types';
import type { Matrix } from '../tensors/matrix';
import { type BlockField, type ElementField, ELEMENT_FIELD_VIEW, blockErrorMaps, blockGeometry, logicalBlockValues, pairField, stridedField } from './fields';
import type { FieldSource } from './pooling';

/**
 * Full-resolution data of one quantized side, kept where the analysis ran (the compute host)
 * so heatmap tiles and block details can be served at any zoom without recomputation.
 */
export class SideData {
  readonly blockSize: number;
  readonly gridCols: number;
  private blockMse?: Float32Array;
  private blockMaxAbs?: Float32Array;
  private scales?: Float32Array;
  private selection?: Uint8Array;

  constructor(
    /** Input after transpose, padding and had: exactly what was quantized. */
    readonly prepared: Matrix,
    /** Dequantized (normconst applied), padded like `prepared`. */
    readonly dequantized: Matrix,
    readonly quantized: QuantizeResult,
    /** max |prepared| over the logical region (for relative errors). */
    readonly amax: number,
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
    const ref = stridedField(this.prepared.data, this.prepared.cols, this.rows, this.cols);
    const approx = stridedField(this.dequantized.data, this.dequantized.cols, this.rows, this.cols);
    return pairField(ref, approx, ELEMENT_FIELD_VIEW[field], this.amax);
  }

  blockField(field: BlockField): FieldSource {
    const values = this.blockValues(field);
    return { rows: this.rows, cols: this.gridCols, at: (i) => values[i] };
  }

  blockValues(field: BlockField): Float32Array | Uint8Array {
    if (field === 'scale') return (this.scales ??= logicalBlockValues(this.quantized, this.quantized.blockScales));
    if (field === 'selection') return (this.selection ??= logicalBlockValues(this.quantized, this.quantized.blockSelection));
    if (!this.blockMse || !this.blockMaxAbs) {
      const maps = blockErrorMaps(this.prepared, this.dequantized, this.rows, this.cols, this.blockSize);
      this.blockMse = maps.mse;
      this.blockMaxAbs = maps.maxAbs;
    }
    return field === 'block_mse' ? this.blockMse : this.blockMaxAbs;
  }
}

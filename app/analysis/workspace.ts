import { Fp4Error, invalidArgument } from '../errors';
import type { QuantizeResult } from '../quantize/types';
import { blockDetail, type BlockDetail } from './blockDetail';
import { BLOCK_FIELDS, ELEMENT_FIELDS, OUTPUT_FIELDS, OUTPUT_FIELD_VIEW, pairField, type FieldName, type OutputField } from './fields';
import { heatmapOf, type NativePooler } from './heatmaps';
import type { AnalysisResult, Heatmap } from './model';
import { arrayField, type FieldSource, type PoolReduce, type PoolWindow } from './pooling';
import type { SideData } from './sideData';

export type HeatmapTarget = 'a' | 'b' | 'out';

/** The matmul's full-resolution output and its high-precision reference (logical M x N). */
export interface OutputData {
  readonly rows: number;
  readonly cols: number;
  readonly out: Float32Array;
  readonly reference: Float32Array;
  readonly amax: number;
}

/** A field of the matmul output: the FP4 product, its reference, and their errors. */
export function outputField(o: OutputData, field: FieldName): FieldSource {
  if (!(OUTPUT_FIELDS as readonly string[]).includes(field)) {
    throw invalidArgument(`field '${field}' does not exist for the matmul output; use one of ${OUTPUT_FIELDS.join(', ')}`);
  }
  const out = arrayField(o.out, o.rows, o.cols);
  const ref = arrayField(o.reference, o.rows, o.cols);
  return pairField(ref, out, OUTPUT_FIELD_VIEW[field as OutputField], o.amax);
}

export interface HeatmapRequest {
  readonly target: HeatmapTarget;
  readonly field: FieldName;
  /** Default: the whole field. */
  readonly window?: PoolWindow;
  readonly maxRows: number;
  readonly maxCols: number;
  readonly reduce?: PoolReduce;
}

/**
 * An analysis with its full-resolution data: the result model plus everything needed to serve
 * heatmap tiles at any zoom, block details and exports. Lives in the compute host.
 */
export class AnalysisWorkspace {
  constructor(
    readonly result: AnalysisResult,
    private readonly sides: { readonly a: SideData; readonly b?: SideData },
    private readonly output?: OutputData,
    /** The backend that ran the analysis, for native pooling of tiles. */
    private readonly pooler?: NativePooler,
  ) {}

  side(which: 'a' | 'b'): SideData {
    const s = this.sides[which];
    if (!s) throw new Fp4Error('NOT_FOUND', `this analysis has no side '${which}'`);
    return s;
  }

  quantized(which: 'a' | 'b'): QuantizeResult {
    return this.side(which).quantized;
  }

  field(target: HeatmapTarget, field: FieldName): FieldSource {
    if (target === 'out') {
      if (!this.output) throw new Fp4Error('NOT_FOUND', 'this analysis has no matmul output (pick a B tensor)');
      return outputField(this.output, field);
    }
    const side = this.side(target);
    if ((ELEMENT_FIELDS as readonly string[]).includes(field)) return side.elementField(field as (typeof ELEMENT_FIELDS)[number]);
    if ((BLOCK_FIELDS as readonly string[]).includes(field)) return side.blockField(field as (typeof BLOCK_FIELDS)[number]);
    throw invalidArgument(`field '${field}' does not exist for side ${target}; use one of ${[...ELEMENT_FIELDS, ...BLOCK_FIELDS].join(', ')}`);
  }

  heatmap(req: HeatmapRequest): Promise<Heatmap> {
    return heatmapOf(req.field, this.field(req.target, req.field), req.maxRows, req.maxCols, req.window, req.reduce, this.pooler);
  }

  /** Hover card of one block: its values, both candidates and the choice. */
  blockDetail(which: 'a' | 'b', row: number, blockCol: number): BlockDetail {
    const s = this.side(which);
    if (!Number.isInteger(row) || !Number.isInteger(blockCol) || row < 0 || row >= s.rows || blockCol < 0 || blockCol >= s.gridCols) {
      throw invalidArgument(`block (${row}, ${blockCol}) is outside side ${which}'s ${s.rows}x${s.gridCols} block grid`);
    }
    const chosen = s.selectionAt(row, blockCol) === 4 ? 4 : 6;
    return blockDetail(s.prepared, s.quantized.kwargs, s.quantized.normconst, chosen, row, blockCol);
  }
}

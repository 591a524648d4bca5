import type { BackendName } from '../backends/backend';
import type { OutDType } from '../matmul/outDtype';
import type { Fp4Format, QuantizeKwargs, ScaleRule } from '../quantize/kwargs';
import type { BlockField, ElementField, FieldName, OutputField } from './fields';
import type { Histogram } from './histograms';
import type { ErrorMetrics } from './metrics';
import type { PoolReduce } from './pooling';

/**
 * The result model: one analysis = inputs + kwargs -> this. The UI, the CLI, the report and the
 * JSON export all read it; nothing recomputes a metric elsewhere. It is plain data (JSON-safe
 * except for non-finite numbers, which toJson encodes) and small: full-resolution maps stay in
 * the AnalysisWorkspace and are fetched as pooled heatmaps.
 */
export const ANALYSIS_SCHEMA = 'fp4lab.analysis/1';

/** Where a matrix came from. */
export interface TensorProvenance {
  readonly file: string;
  readonly tensor: string;
  /** Shape in the file (N-D tensors are analysed flattened to a matrix). */
  readonly shape: readonly number[];
  readonly dtype: string;
  /** sha256 of the tensor's bytes as stored in the file, hex. */
  readonly sha256?: string;
  /** Set when leading dims were flattened or a 1-D tensor became one row. */
  readonly flattenedTo?: readonly [number, number];
}

/** What one side (A or B) is made of. */
export interface SideRequest {
  readonly provenance: TensorProvenance;
  /** Kwargs for this side; fp4_format is the request's. */
  readonly kwargs: Partial<QuantizeKwargs>;
}

export interface AnalysisOptions {
  readonly fp4_format: Fp4Format;
  readonly out_dtype: OutDType;
  readonly out_shape?: [number, number];
  /** Requested backend word (auto, reference, cpu, cuda, ...). */
  readonly backend: string;
  /** Run all scale rules (and both formats) on each side for the comparison view. */
  readonly compareRules: boolean;
  /** Cells per side of the overview heatmaps stored in the result (and the report). */
  readonly overviewSize: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  fp4_format: 'nvfp4',
  out_dtype: 'bfloat16',
  backend: 'auto',
  compareRules: true,
  overviewSize: 128,
};

/** A pooled heatmap as plain numbers (row-major), with the window it covers. */
export interface Heatmap {
  readonly field: FieldName;
  readonly reduce: PoolReduce;
  readonly rows: number;
  readonly cols: number;
  readonly data: number[];
  /** Window in field coordinates (half-open) and the field's full size. */
  readonly window: { r0: number; r1: number; c0: number; c1: number };
  readonly fieldRows: number;
  readonly fieldCols: number;
  readonly cellRows: number;
  readonly cellCols: number;
}

export interface BlockStats {
  readonly blockSize: number;
  /** Blocks per row-block grid: rows x ceil(cols / blockSize). */
  readonly gridRows: number;
  readonly gridCols: number;
  readonly blocks: number;
  readonly choosing4: number;
  readonly percentChoosing4: number;
  /** 2-D tiles share one scale across blockSize rows. */
  readonly tileRows: number;
}

export interface SideAnalysis {
  readonly side: 'a' | 'b';
  readonly provenance: TensorProvenance;
  readonly kwargs: QuantizeKwargs;
  /** Logical shape of the quantized matrix (after transpose) and its padded shape. */
  readonly shape: [number, number];
  readonly paddedShape: [number, number];
  readonly normconst: number;
  /** Dequantized vs the quantized input (after transpose/had). */
  readonly metrics: ErrorMetrics;
  readonly blocks: BlockStats;
  readonly histograms: {
    /** |x| / block scale: where values land against the FP4 grid 0, 0.5, ..., 6. */
    readonly scaledMagnitude: Histogram;
    /** log2 of the effective block scales. */
    readonly scaleLog2: Histogram;
    /** log10 of per-block MSE (zero-error blocks are counted in `skipped`). */
    readonly blockMseLog10: Histogram;
  };
  readonly overview: Readonly<Partial<Record<ElementField | BlockField, Heatmap>>>;
  readonly seconds: { readonly quantize: number; readonly analyse: number };
}

export interface RuleComparisonRow {
  readonly fp4_format: Fp4Format;
  readonly scale_rule: ScaleRule;
  readonly metrics: ErrorMetrics;
  readonly percentChoosing4: number;
}

export interface MatmulAnalysis {
  readonly shape: [number, number];
  readonly out_dtype: OutDType;
  /** FP4 product vs the high-precision product of the same (transposed/rotated) inputs. */
  readonly metrics: ErrorMetrics;
  readonly overview: Readonly<Partial<Record<OutputField, Heatmap>>>;
  readonly seconds: number;
}

export interface AnalysisResult {
  readonly schema: typeof ANALYSIS_SCHEMA;
  readonly id: string;
  readonly createdAt: string;
  readonly backend: BackendName;
  readonly options: AnalysisOptions;
  readonly a: SideAnalysis;
  readonly b?: SideAnalysis;
  readonly matmul?: MatmulAnalysis;
  readonly ruleComparison?: { readonly a: RuleComparisonRow[]; readonly b?: RuleComparisonRow[] };
  readonly seconds: number;
}

/** Progress of a running analysis, for progress bars (stage names are shown to users). */
export interface AnalysisProgress {
  readonly stage: string;
  /** 0..1 over the whole analysis. */
  readonly fraction: number;
}

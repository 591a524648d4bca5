import type { Backend, JobControl } from '../backends/backend';
import { invalidArgument } from '../errors';
import { resolveQuantizeKwargs, SCALE_RULES, type Fp4Format, type QuantizeKwargs, type ScaleRule } from '../quantize/kwargs';
import { prepareQuantizeInput } from '../quantize/prepare';
import { planFp4Matmul } from '../matmul/fp4Matmul';
import type { QuantizeResult } from '../quantize/types';
import type { Matrix } from '../tensors/matrix';
import type { PreparedValues } from './blockDetail';
import { blockGeometry, type BlockField, type ElementField, type OutputField } from './fields';
import { heatmapsOf } from './heatmaps';
import { BLOCK_MSE_LOG10_BINS, logBinGrid, logHistogram, SCALE_LOG2_BINS } from './logBins';
import { computeErrorMetrics, pairMetrics } from './metrics';
import { FORMAT_PARAMS } from '../quantize/formatParams';
import { reduceSideReference, SCALED_HISTOGRAM, type SideReductionInput } from './sideReductions';
import { ANALYSIS_SCHEMA, DEFAULT_ANALYSIS_OPTIONS, type AnalysisOptions, type AnalysisProgress, type AnalysisResult, type Heatmap, type MatmulAnalysis, type RuleComparisonRow, type SideAnalysis, type SideRequest, type TensorProvenance } from './model';
import { SideData } from './sideData';
import { AnalysisWorkspace, outputField, type OutputData } from './workspace';

export interface AnalysisInput {
  readonly matrix: Matrix;
  readonly request: SideRequest;
}

export interface AnalysisJob {
  readonly a: AnalysisInput;
  readonly b?: AnalysisInput;
  readonly options?: Partial<AnalysisOptions>;
}

export interface AnalysisRun {
  readonly backend: Backend;
  readonly control?: JobControl;
  readonly onProgress?: (p: AnalysisProgress) => void;
  /** Identifier for the result (the service supplies a unique one). */
  readonly id?: string;
  /** Clock for timings; injectable so app/ stays free of platform globals. */
  readonly now?: () => number;
}

/** rows x k of prepared values as a dense matrix (zero past the data). */
function logicalRows(p: PreparedValues, rows: number, k: number): Matrix {
  if (p.stride === k && p.rows >= rows && p.data.length >= rows * k) return { rows, cols: k, data: p.data.subarray(0, rows * k), dtype: 'float32' };
  const out = new Float32Array(rows * k);
  const width = Math.min(p.cols, k);
  for (let r = 0; r < Math.min(rows, p.rows); r++) out.set(p.data.subarray(r * p.stride, r * p.stride + width), r * k);
  return { rows, cols: k, data: out, dtype: 'float32' };
}

const OVERVIEW_ELEMENT_FIELDS: readonly ElementField[] = ['input', 'abs_error', 'signed_error'];
const OVERVIEW_BLOCK_FIELDS: readonly BlockField[] = ['scale', 'selection', 'block_mse'];
const OVERVIEW_OUTPUT_FIELDS: readonly OutputField[] = ['out_abs_error', 'out_signed_error'];

/** Every (format, rule) pair the comparison view shows: 5 NVFP4 rules and MXFP4's two. */
export const RULE_COMPARISON_VARIANTS: readonly { fp4_format: Fp4Format; scale_rule: ScaleRule }[] = [
  ...SCALE_RULES.map((scale_rule) => ({ fp4_format: 'nvfp4' as const, scale_rule })),
  { fp4_format: 'mxfp4', scale_rule: 'always_6' },
  { fp4_format: 'mxfp4', scale_rule: 'always_4' },
];

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) > m) m = Math.abs(values[i]);
  return m;
}

/** One side quantized and dequantized: what its reductions and metrics are computed from. */
interface QuantizedSide {
  readonly quantized: QuantizeResult;
  readonly prepared: PreparedValues;
  readonly dequantized: Float32Array;
  readonly input: SideReductionInput;
}

/**
 * Quantize and dequantize one side on the backend. The input is only re-materialized in
 * TypeScript when transpose/had change it; otherwise the views read it as is.
 */
async function quantizeAndDequantize(backend: Backend, matrix: Matrix, kwargs: QuantizeKwargs, control?: JobControl): Promise<QuantizedSide> {
  const quantized = await backend.quantize(matrix, kwargs, control);
  const transformed = kwargs.transpose || kwargs.had !== null ? prepareQuantizeInput(matrix, kwargs).padded : matrix;
  const prepared: PreparedValues = {
    data: transformed.data,
    stride: transformed.cols,
    rows: Math.min(transformed.rows, quantized.paddedRows),
    cols: Math.min(transformed.cols, quantized.paddedCols),
    paddedRows: quantized.paddedRows,
    paddedCols: quantized.paddedCols,
  };
  const dequantized = await backend.dequantize(quantized, { applyNormconst: true, crop: false }, control);
  const { blockSize } = FORMAT_PARAMS[quantized.fp4_format];
  const input: SideReductionInput = {
    ref: prepared.data,
    refStride: prepared.stride,
    approx: dequantized.data,
    approxStride: dequantized.cols,
    rows: quantized.rows,
    cols: quantized.cols,
    blockSize,
    blockScales: quantized.blockScales,
    blockSelection: quantized.blockSelection,
    scaleStride: quantized.paddedCols / blockSize,
  };
  return { quantized, prepared, dequantized: dequantized.data, input };
}

/** Quantize and dequantize one side, then one reduction pass (metrics, block maps, histograms). */
async function quantizeSide(backend: Backend, matrix: Matrix, kwargs: QuantizeKwargs, control?: JobControl): Promise<SideData> {
  const side = await quantizeAndDequantize(backend, matrix, kwargs, control);
  const reductions = backend.reduceSide ? await backend.reduceSide(side.input, control) : reduceSideReference(side.input);
  return new SideData(side.prepared, side.dequantized, side.quantized, reductions);
}

/** Logical blocks of a quantized side whose scale targets 4 (blockSelection in the padded block layout). */
function logicalBlocksChoosing4(input: SideReductionInput): number {
  const gridCols = Math.ceil(input.cols / input.blockSize);
  let n = 0;
  for (let r = 0; r < input.rows; r++) {
    const row = r * input.scaleStride;
    for (let b = 0; b < gridCols; b++) if (input.blockSelection![row + b] === 4) n++;
  }
  return n;
}

/** Share of the side's logical blocks whose scale targets 4 rather than 6. */
function percentChoosing4(data: SideData): number {
  const total = data.rows * data.gridCols;
  return total ? (100 * data.reductions.choosing4) / total : 0;
}

async function describeSide(side: 'a' | 'b', provenance: TensorProvenance, data: SideData, overviewSize: number, pooler: Backend, seconds: SideAnalysis['seconds']): Promise<SideAnalysis> {
  const q = data.quantized;
  const red = data.reductions;
  const g = blockGeometry(q);
  const { lo, hi, bins } = SCALED_HISTOGRAM;
  const overview: Record<string, Heatmap> = {};
  // Each batch shares one shape: the element fields read the input and its dequantized values, the block fields the block maps.
  const elementMaps = await heatmapsOf(OVERVIEW_ELEMENT_FIELDS.map((f) => ({ field: f, source: data.elementField(f) })), overviewSize, overviewSize, undefined, pooler);
  const blockMaps = await heatmapsOf(OVERVIEW_BLOCK_FIELDS.map((f) => ({ field: f, source: data.blockField(f) })), overviewSize, overviewSize, undefined, pooler);
  for (const m of [...elementMaps, ...blockMaps]) overview[m.field] = m;
  return {
    side,
    provenance,
    kwargs: q.kwargs,
    shape: [q.rows, q.cols],
    paddedShape: [q.paddedRows, q.paddedCols],
    normconst: q.normconst,
    metrics: red.metrics,
    blocks: {
      blockSize: g.blockSize,
      gridRows: g.gridRows,
      gridCols: g.gridCols,
      blocks: g.gridRows * g.gridCols,
      choosing4: red.choosing4,
      percentChoosing4: percentChoosing4(data),
      tileRows: q.kwargs.block_scale_2d ? g.blockSize : 1,
    },
    histograms: {
      scaledMagnitude: {
        edges: Array.from({ length: bins + 1 }, (_, i) => lo + (i * (hi - lo)) / bins),
        counts: red.scaledCounts,
        underflow: 0,
        overflow: red.scaledOverflow,
        skipped: 0,
      },
      scaleLog2: logHistogram(logBinGrid(SCALE_LOG2_BINS), red.scaleLog2),
      blockMseLog10: logHistogram(logBinGrid(BLOCK_MSE_LOG10_BINS), red.blockMseLog10),
    },
    overview,
    seconds,
  };
}

/**
 * Metrics and share of 4s of every rule/format variant on one side, with its other kwargs kept
 * (the checkpoint sweep passes its own list of variants). `analysed` is the side already
 * quantized with `kwargs`: the variant equal to it is read from it instead of being redone.
 */
export async function compareScaleRules(
  backend: Backend,
  matrix: Matrix,
  kwargs: QuantizeKwargs,
  control?: JobControl,
  variants: readonly { fp4_format: Fp4Format; scale_rule: ScaleRule }[] = RULE_COMPARISON_VARIANTS,
  analysed?: SideData,
): Promise<RuleComparisonRow[]> {
  const rows: RuleComparisonRow[] = [];
  for (const v of variants) {
    control?.signal?.throwIfAborted();
    if (analysed && v.fp4_format === kwargs.fp4_format && v.scale_rule === kwargs.scale_rule) {
      rows.push({ ...v, metrics: analysed.reductions.metrics, percentChoosing4: percentChoosing4(analysed) });
      continue;
    }
    // Only the metrics and the share of 4s: no block maps or histograms for the variants.
    const side = await quantizeAndDequantize(backend, matrix, resolveQuantizeKwargs({ ...kwargs, ...v }), control);
    const metrics = backend.pairMetrics ? await backend.pairMetrics(side.input, control) : pairMetrics(side.input);
    const blocks = side.input.rows * Math.ceil(side.input.cols / side.input.blockSize);
    rows.push({ ...v, metrics, percentChoosing4: blocks ? (100 * logicalBlocksChoosing4(side.input)) / blocks : 0 });
  }
  return rows;
}

/**
 * One analysis: quantize A (and B), dequantize, metrics, block maps, histograms, overview
 * heatmaps; with B also fp4_matmul vs the high-precision product; optionally the rule comparison.
 */
export async function runAnalysis(job: AnalysisJob, run: AnalysisRun): Promise<AnalysisWorkspace> {
  const options: AnalysisOptions = { ...DEFAULT_ANALYSIS_OPTIONS, ...job.options };
  const now = run.now ?? (() => Date.now());
  const { backend, control } = run;
  const t0 = now();
  const stages = 1 + (job.b ? 2 : 0) + (options.compareRules ? (job.b ? 2 : 1) : 0);
  let done = 0;
  const progress = (stage: string): void => {
    control?.signal?.throwIfAborted();
    run.onProgress?.({ stage, fraction: done++ / stages });
  };
  const sideKwargs = (input: AnalysisInput): QuantizeKwargs => resolveQuantizeKwargs({ ...input.request.kwargs, fp4_format: options.fp4_format });

  const analyseSide = async (which: 'a' | 'b', input: AnalysisInput): Promise<{ data: SideData; summary: SideAnalysis }> => {
    progress(`quantizing ${which.toUpperCase()}`);
    const ts = now();
    const data = await quantizeSide(backend, input.matrix, sideKwargs(input), control);
    const quantizeSeconds = (now() - ts) / 1000;
    const ta = now();
    const summary = await describeSide(which, input.request.provenance, data, options.overviewSize, backend, { quantize: quantizeSeconds, analyse: 0 });
    return { data, summary: { ...summary, seconds: { quantize: quantizeSeconds, analyse: (now() - ta) / 1000 } } };
  };

  const a = await analyseSide('a', job.a);
  const b = job.b ? await analyseSide('b', job.b) : undefined;

  let matmul: MatmulAnalysis | undefined;
  let output: OutputData | undefined;
  if (b) {
    progress('fp4_matmul');
    const tm = now();
    const qa = a.data.quantized;
    const qb = b.data.quantized;
    if (qa.cols !== qb.cols) {
      throw invalidArgument(`A and B need the same number of columns for a @ b.T (after transpose); A is ${qa.rows}x${qa.cols}, B is ${qb.rows}x${qb.cols}`);
    }
    planFp4Matmul(qa, qb, options.out_shape);
    const product = await backend.matmul(qa, qb, { out_dtype: options.out_dtype, out_shape: [qa.rows, qb.rows] }, control);
    // The yardstick: the same (transposed/rotated) inputs multiplied in high precision over the
    // common K (zero padding contributes nothing, rotated padding does: see docs).
    const k = Math.min(a.data.prepared.paddedCols, b.data.prepared.paddedCols);
    const reference = await backend.matmulHighPrecision(logicalRows(a.data.prepared, qa.rows, k), logicalRows(b.data.prepared, qb.rows, k), control);
    const o: OutputData = { rows: qa.rows, cols: qb.rows, out: product.data, reference, amax: maxAbs(reference) };
    output = o;
    const overview: Record<string, Heatmap> = {};
    const maps = await heatmapsOf(OVERVIEW_OUTPUT_FIELDS.map((f) => ({ field: f, source: outputField(o, f) })), options.overviewSize, options.overviewSize, undefined, backend);
    for (const m of maps) overview[m.field] = m;
    matmul = { shape: [o.rows, o.cols], out_dtype: options.out_dtype, metrics: computeErrorMetrics(reference, product.data), overview, seconds: (now() - tm) / 1000 };
  }

  let ruleComparison: AnalysisResult['ruleComparison'];
  if (options.compareRules) {
    progress('comparing scale rules on A');
    const ra = await compareScaleRules(backend, job.a.matrix, a.summary.kwargs, control, RULE_COMPARISON_VARIANTS, a.data);
    let rb: RuleComparisonRow[] | undefined;
    if (job.b && b) {
      progress('comparing scale rules on B');
      rb = await compareScaleRules(backend, job.b.matrix, b.summary.kwargs, control, RULE_COMPARISON_VARIANTS, b.data);
    }
    ruleComparison = { a: ra, b: rb };
  }
  run.onProgress?.({ stage: 'done', fraction: 1 });
  const result: AnalysisResult = {
    schema: ANALYSIS_SCHEMA,
    id: run.id ?? `analysis-${t0}`,
    createdAt: new Date(t0).toISOString(),
    backend: backend.name,
    options,
    a: a.summary,
    b: b?.summary,
    matmul,
    ruleComparison,
    seconds: (now() - t0) / 1000,
  };
  return new AnalysisWorkspace(result, { a: a.data, b: b?.data }, output, backend);
}

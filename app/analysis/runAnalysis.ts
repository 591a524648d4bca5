import type { Backend, JobControl } from '../backends/backend';
import { invalidArgument } from '../errors';
import { resolveQuantizeKwargs, SCALE_RULES, type Fp4Format, type QuantizeKwargs, type ScaleRule } from '../quantize/kwargs';
import { prepareQuantizeInput } from '../quantize/prepare';
import { planFp4Matmul } from '../matmul/fp4Matmul';
import { cropMatrix, type Matrix } from '../tensors/matrix';
import { blocksChoosing4, blockGeometry, stridedField, type BlockField, type ElementField, type OutputField } from './fields';
import { heatmapOf } from './heatmaps';
import { finiteRange, histogram } from './histograms';
import { computeFieldMetrics, computeErrorMetrics } from './metrics';
import { ANALYSIS_SCHEMA, DEFAULT_ANALYSIS_OPTIONS, type AnalysisOptions, type AnalysisProgress, type AnalysisResult, type MatmulAnalysis, type RuleComparisonRow, type SideAnalysis, type SideRequest, type TensorProvenance } from './model';
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

async function quantizeSide(backend: Backend, matrix: Matrix, kwargs: QuantizeKwargs, control?: JobControl): Promise<SideData> {
  const { padded } = prepareQuantizeInput(matrix, kwargs);
  const quantized = await backend.quantize(matrix, kwargs, control);
  const dequantized = await backend.dequantize(quantized, { applyNormconst: true, crop: false }, control);
  const logical = stridedField(padded.data, padded.cols, quantized.rows, quantized.cols);
  let amax = 0;
  for (let i = 0; i < quantized.rows * quantized.cols; i++) amax = Math.max(amax, Math.abs(logical.at(i)));
  return new SideData(padded, dequantized, quantized, amax);
}

function describeSide(side: 'a' | 'b', provenance: TensorProvenance, data: SideData, overviewSize: number, seconds: SideAnalysis['seconds']): SideAnalysis {
  const q = data.quantized;
  const ref = data.elementField('input');
  const approx = data.elementField('dequantized');
  const metrics = computeFieldMetrics(ref, approx);
  const choose4 = blocksChoosing4(q);
  const g = blockGeometry(q);
  const scales = data.blockValues('scale');
  // |x| / scale of every logical value, against the FP4 grid (0 ... 6).
  const scaled = new Float32Array(q.rows * q.cols);
  for (let r = 0; r < q.rows; r++) {
    for (let c = 0; c < q.cols; c++) {
      const s = scales[r * g.gridCols + Math.floor(c / g.blockSize)];
      scaled[r * q.cols + c] = s > 0 ? Math.abs(ref.at(r * q.cols + c)) / s : 0;
    }
  }
  const mse = data.blockValues('block_mse');
  const [sLo, sHi] = finiteRange(scales, Math.log2);
  const [eLo, eHi] = finiteRange(mse, Math.log10);
  const overview: SideAnalysis['overview'] = {};
  for (const f of [...OVERVIEW_ELEMENT_FIELDS, ...OVERVIEW_BLOCK_FIELDS]) {
    (overview as Record<string, unknown>)[f] = heatmapOf(f, OVERVIEW_ELEMENT_FIELDS.includes(f as ElementField) ? data.elementField(f as ElementField) : data.blockField(f as BlockField), overviewSize, overviewSize);
  }
  return {
    side,
    provenance,
    kwargs: q.kwargs,
    shape: [q.rows, q.cols],
    paddedShape: [q.paddedRows, q.paddedCols],
    normconst: q.normconst,
    metrics,
    blocks: {
      blockSize: g.blockSize,
      gridRows: g.gridRows,
      gridCols: g.gridCols,
      blocks: choose4.total,
      choosing4: choose4.count,
      percentChoosing4: choose4.percent,
      tileRows: q.kwargs.block_scale_2d ? g.blockSize : 1,
    },
    histograms: {
      scaledMagnitude: histogram(scaled, 0, 6.5, 130),
      scaleLog2: histogram(scales, Math.floor(sLo), Math.ceil(sHi) + (Math.ceil(sHi) === Math.floor(sLo) ? 1 : 0), 60, Math.log2),
      blockMseLog10: histogram(mse, Math.floor(eLo), Math.ceil(eHi) + (Math.ceil(eHi) === Math.floor(eLo) ? 1 : 0), 60, Math.log10),
    },
    overview,
    seconds,
  };
}

/**
 * Metrics and share of 4s of every rule/format variant on one side, with its other kwargs kept
 * (the checkpoint sweep passes its own list of variants).
 */
export async function compareScaleRules(
  backend: Backend,
  matrix: Matrix,
  kwargs: QuantizeKwargs,
  control?: JobControl,
  variants: readonly { fp4_format: Fp4Format; scale_rule: ScaleRule }[] = RULE_COMPARISON_VARIANTS,
): Promise<RuleComparisonRow[]> {
  const rows: RuleComparisonRow[] = [];
  for (const v of variants) {
    control?.signal?.throwIfAborted();
    const data = await quantizeSide(backend, matrix, resolveQuantizeKwargs({ ...kwargs, ...v }), control);
    rows.push({ ...v, metrics: computeFieldMetrics(data.elementField('input'), data.elementField('dequantized')), percentChoosing4: blocksChoosing4(data.quantized).percent });
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
    const summary = describeSide(which, input.request.provenance, data, options.overviewSize, { quantize: quantizeSeconds, analyse: 0 });
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
    const reference = await backend.matmulHighPrecision(cropMatrix(a.data.prepared, qa.rows, a.data.prepared.cols), cropMatrix(b.data.prepared, qb.rows, b.data.prepared.cols), control);
    output = { rows: qa.rows, cols: qb.rows, out: product.data, reference, amax: maxAbs(reference) };
    const overview: MatmulAnalysis['overview'] = {};
    for (const f of OVERVIEW_OUTPUT_FIELDS) (overview as Record<string, unknown>)[f] = heatmapOf(f, outputField(output, f), options.overviewSize, options.overviewSize);
    matmul = { shape: [output.rows, output.cols], out_dtype: options.out_dtype, metrics: computeErrorMetrics(reference, product.data), overview, seconds: (now() - tm) / 1000 };
  }

  let ruleComparison: AnalysisResult['ruleComparison'];
  if (options.compareRules) {
    progress('comparing scale rules on A');
    const ra = await compareScaleRules(backend, job.a.matrix, a.summary.kwargs, control);
    let rb: RuleComparisonRow[] | undefined;
    if (job.b && b) {
      progress('comparing scale rules on B');
      rb = await compareScaleRules(backend, job.b.matrix, b.summary.kwargs, control);
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
  return new AnalysisWorkspace(result, { a: a.data, b: b?.data }, output);
}

import { Fp4Error } from '../errors';
import { ANALYSIS_SCHEMA, type AnalysisResult, type SideAnalysis } from '../analysis/model';
import { SWEEP_SCHEMA, type SweepResult } from '../sweep/model';
import { NON_FINITE_NOTE, parseWithNonFinite, stringifyWithNonFinite } from './nonFiniteJson';

/**
 * JSON exports: the whole result model in an envelope that names its schema and how numbers
 * JSON cannot hold are written. `schema` is versioned ("fp4lab.analysis/1"); a reader refuses
 * a major version it does not know instead of misreading it.
 */
export interface JsonEnvelope<T> {
  readonly schema: string;
  readonly generator: string;
  readonly nonFinite: string;
  readonly result: T;
}

function envelope<T>(schema: string, result: T, generator: string): JsonEnvelope<T> {
  return { schema, generator, nonFinite: NON_FINITE_NOTE, result };
}

export function analysisToJson(result: AnalysisResult, generator = 'FP4 Lab'): string {
  return `${stringifyWithNonFinite(envelope(ANALYSIS_SCHEMA, result, generator), 1)}\n`;
}

export function sweepToJson(result: SweepResult, generator = 'FP4 Lab'): string {
  return `${stringifyWithNonFinite(envelope(SWEEP_SCHEMA, result, generator), 1)}\n`;
}

function parseEnvelope(text: string, schema: string, source: string): unknown {
  let doc: Partial<JsonEnvelope<unknown>>;
  try {
    doc = parseWithNonFinite(text) as Partial<JsonEnvelope<unknown>>;
  } catch (e) {
    throw new Fp4Error('FORMAT', `${source} is not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.schema !== 'string' || doc.result === undefined) {
    throw new Fp4Error('FORMAT', `${source} is not an FP4 Lab export (no "schema" and "result")`);
  }
  const [kind] = schema.split('/');
  if (!doc.schema.startsWith(`${kind}/`)) throw new Fp4Error('FORMAT', `${source} holds '${doc.schema}', not '${schema}'`);
  if (doc.schema !== schema) throw new Fp4Error('UNSUPPORTED', `${source} uses schema '${doc.schema}'; this version of FP4 Lab reads '${schema}'`);
  return doc.result;
}

export function parseAnalysisJson(text: string, source = 'the JSON export'): AnalysisResult {
  return parseEnvelope(text, ANALYSIS_SCHEMA, source) as AnalysisResult;
}

export function parseSweepJson(text: string, source = 'the JSON export'): SweepResult {
  return parseEnvelope(text, SWEEP_SCHEMA, source) as SweepResult;
}

function withoutOverview(s: SideAnalysis): Omit<SideAnalysis, 'overview'> & { overview: string } {
  return { ...s, overview: 'omitted here: drawn in the plots; full data in the JSON export' };
}

/**
 * The result model as a report embeds it for machines (<script id="fp4lab-data">): everything
 * but the pooled heatmaps, whose numbers are already in the plots (and in the JSON export).
 */
export function analysisSummaryForEmbedding(result: AnalysisResult): unknown {
  return envelope(ANALYSIS_SCHEMA, {
    ...result,
    a: withoutOverview(result.a),
    b: result.b ? withoutOverview(result.b) : undefined,
    matmul: result.matmul ? { ...result.matmul, overview: 'omitted here: drawn in the plots; full data in the JSON export' } : undefined,
  }, 'FP4 Lab');
}

import { BLOCK_FIELDS, ELEMENT_FIELDS, OUTPUT_FIELDS, type FieldName } from '../../app/analysis/fields';
import type { AnalysisOptions } from '../../app/analysis/model';
import { POOL_REDUCES, type PoolReduce, type PoolWindow } from '../../app/analysis/pooling';
import type { AnalyzeRequest, ExportFormat, HeatmapQuery, MatrixPreviewQuery, ServiceApi, SideSelection } from '../../app/api/contract';
import { ApiCallError } from '../../app/api/transport';
import { parseBackendName } from '../../app/backends/selection';
import { OUT_DTYPES } from '../../app/matmul/outDtype';
import { DEFAULT_QUANTIZE_KWARGS, FP4_FORMATS, type QuantizeKwargs } from '../../app/quantize/kwargs';
import { isFp4Error } from '../../app/errors';

/**
 * Checks of every argument that reaches the service from a transport (an IPC message, an HTTP
 * body): types, ranges, known keys. Each failure names the argument. Values the engine checks
 * itself with better words (a kwarg's combinations) are left to it.
 */

export const EXPORT_FORMATS: readonly ExportFormat[] = ['html', 'pdf', 'json', 'csv', 'safetensors', 'python'];
const FIELD_NAMES: readonly FieldName[] = [...ELEMENT_FIELDS, ...BLOCK_FIELDS, ...OUTPUT_FIELDS];
/** Largest heatmap a view may ask for per side (the pooling's own limit is 2048 x 2048). */
const MAX_HEATMAP_SIDE = 2048;
const MAX_NAME_LENGTH = 4096;

function invalid(cause: string, message: string): ApiCallError {
  return new ApiCallError({ code: 'INVALID_ARGUMENT', message: `${cause}: ${message}`, cause });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

function record(value: unknown, cause: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(cause, `expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], cause: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw invalid(`${cause}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
  }
}

/** Identifiers the service hands out (file-…, job-…, analysis-…). */
export function checkId(value: unknown, cause: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(value)) throw invalid(cause, `expected an id made of letters, digits, '-' or '_', got ${describe(value)}`);
  return value;
}

function checkName(value: unknown, cause: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH || value.includes('\u0000')) {
    throw invalid(cause, `expected a non-empty name of at most ${MAX_NAME_LENGTH} characters, got ${describe(value)}`);
  }
  return value;
}

function checkInt(value: unknown, cause: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(cause, `expected an integer from ${min} to ${max}, got ${describe(value)}`);
  return value;
}

function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], cause: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(cause, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

function checkBool(value: unknown, cause: string): boolean {
  if (typeof value !== 'boolean') throw invalid(cause, `expected true or false, got ${describe(value)}`);
  return value;
}

/** A display name for an upload: a base name without control characters. */
export function checkUploadName(value: unknown, cause = 'name'): string {
  const hasControlOrSlash = typeof value === 'string' && [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ch === '/' || ch === '\\');
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || hasControlOrSlash || value === '.' || value === '..') {
    throw invalid(cause, `expected a file name (1 to 255 characters, no slashes or control characters), got ${describe(value)}`);
  }
  return value;
}

/** An absolute path (only the desktop shell and the CLI pass these). */
export function checkPath(value: unknown, cause = 'path'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH || value.includes('\u0000')) throw invalid(cause, `expected a file path, got ${describe(value)}`);
  if (!(value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\'))) throw invalid(cause, `expected an absolute path, got ${describe(value)}`);
  return value;
}

function checkWindow(value: unknown, cause: string): PoolWindow | undefined {
  if (value === undefined || value === null) return undefined;
  const w = record(value, cause);
  onlyKeys(w, ['r0', 'r1', 'c0', 'c1'], cause);
  const n = (k: string): number => checkInt(w[k], `${cause}.${k}`, 0, Number.MAX_SAFE_INTEGER);
  return { r0: n('r0'), r1: n('r1'), c0: n('c0'), c1: n('c1') };
}

function checkReduce(value: unknown, cause: string): PoolReduce | undefined {
  return value === undefined || value === null ? undefined : checkOneOf(value, POOL_REDUCES, cause);
}

function checkHadamard(value: unknown, cause: string): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.length <= 256 && value.every((row) => Array.isArray(row) && row.length <= 256 && row.every((v) => typeof v === 'number'))) return value;
  throw invalid(cause, `expected null, a size or a square matrix of numbers (at most 256 x 256), got ${describe(value)}`);
}

function checkKwargs(value: unknown, cause: string): Partial<QuantizeKwargs> {
  if (value === undefined) return {};
  const k = record(value, cause);
  onlyKeys(k, Object.keys(DEFAULT_QUANTIZE_KWARGS), cause);
  for (const [key, v] of Object.entries(k)) {
    if (key === 'had') checkHadamard(v, `${cause}.had`);
    else if (!['string', 'number', 'boolean'].includes(typeof v)) throw invalid(`${cause}.${key}`, `expected a string, number or boolean, got ${describe(v)}`);
  }
  return k as Partial<QuantizeKwargs>;
}

function checkSide(value: unknown, cause: string): SideSelection {
  const s = record(value, cause);
  onlyKeys(s, ['fileId', 'tensor', 'kwargs'], cause);
  return { fileId: checkId(s.fileId, `${cause}.fileId`), tensor: checkName(s.tensor, `${cause}.tensor`), kwargs: checkKwargs(s.kwargs, `${cause}.kwargs`) };
}

function checkOptions(value: unknown, cause: string): Partial<AnalysisOptions> {
  if (value === undefined) return {};
  const o = record(value, cause);
  onlyKeys(o, ['fp4_format', 'out_dtype', 'out_shape', 'backend', 'compareRules', 'overviewSize'], cause);
  const out: { -readonly [K in keyof AnalysisOptions]?: AnalysisOptions[K] } = {};
  if (o.fp4_format !== undefined) out.fp4_format = checkOneOf(o.fp4_format, FP4_FORMATS, `${cause}.fp4_format`);
  if (o.out_dtype !== undefined) out.out_dtype = checkOneOf(o.out_dtype, OUT_DTYPES, `${cause}.out_dtype`);
  if (o.out_shape !== undefined) {
    if (!Array.isArray(o.out_shape) || o.out_shape.length !== 2) throw invalid(`${cause}.out_shape`, `expected [rows, cols], got ${describe(o.out_shape)}`);
    out.out_shape = [checkInt(o.out_shape[0], `${cause}.out_shape[0]`, 1, 2 ** 31), checkInt(o.out_shape[1], `${cause}.out_shape[1]`, 1, 2 ** 31)];
  }
  if (o.backend !== undefined) {
    if (typeof o.backend !== 'string' || o.backend.length > 32) throw invalid(`${cause}.backend`, `expected a backend name, got ${describe(o.backend)}`);
    try {
      parseBackendName(o.backend);
    } catch (e) {
      throw invalid(`${cause}.backend`, isFp4Error(e) ? e.message : String(e));
    }
    out.backend = o.backend;
  }
  if (o.compareRules !== undefined) out.compareRules = checkBool(o.compareRules, `${cause}.compareRules`);
  if (o.overviewSize !== undefined) out.overviewSize = checkInt(o.overviewSize, `${cause}.overviewSize`, 8, 1024);
  return out;
}

export function checkAnalyzeRequest(value: unknown, cause = 'request'): AnalyzeRequest {
  const r = record(value, cause);
  onlyKeys(r, ['a', 'b', 'options'], cause);
  const request: AnalyzeRequest = { a: checkSide(r.a, `${cause}.a`), options: checkOptions(r.options, `${cause}.options`) };
  return r.b === undefined || r.b === null ? request : { ...request, b: checkSide(r.b, `${cause}.b`) };
}

function checkPreviewQuery(value: unknown, cause = 'query'): MatrixPreviewQuery {
  const q = record(value, cause);
  onlyKeys(q, ['fileId', 'tensor', 'window', 'maxRows', 'maxCols', 'reduce'], cause);
  return {
    fileId: checkId(q.fileId, `${cause}.fileId`),
    tensor: checkName(q.tensor, `${cause}.tensor`),
    window: checkWindow(q.window, `${cause}.window`),
    maxRows: checkInt(q.maxRows, `${cause}.maxRows`, 1, MAX_HEATMAP_SIDE),
    maxCols: checkInt(q.maxCols, `${cause}.maxCols`, 1, MAX_HEATMAP_SIDE),
    reduce: checkReduce(q.reduce, `${cause}.reduce`),
  };
}

function checkHeatmapQuery(value: unknown, cause = 'query'): HeatmapQuery {
  const q = record(value, cause);
  onlyKeys(q, ['analysisId', 'target', 'field', 'window', 'maxRows', 'maxCols', 'reduce'], cause);
  return {
    analysisId: checkId(q.analysisId, `${cause}.analysisId`),
    target: checkOneOf(q.target, ['a', 'b', 'out'] as const, `${cause}.target`),
    field: checkOneOf(q.field, FIELD_NAMES, `${cause}.field`),
    window: checkWindow(q.window, `${cause}.window`),
    maxRows: checkInt(q.maxRows, `${cause}.maxRows`, 1, MAX_HEATMAP_SIDE),
    maxCols: checkInt(q.maxCols, `${cause}.maxCols`, 1, MAX_HEATMAP_SIDE),
    reduce: checkReduce(q.reduce, `${cause}.reduce`),
  };
}

function checkBytes(value: unknown, cause: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(cause, `expected bytes (a Uint8Array), got ${describe(value)}`);
  return value;
}

/**
 * The request/response methods, each with the checker of its argument list. startAnalysis is
 * not among them: its events need the transport's own channel (checkAnalyzeRequest checks it).
 */
export type PlainMethod = Exclude<keyof ServiceApi, 'startAnalysis'>;
type Checkers = { [M in PlainMethod]: (args: readonly unknown[]) => Parameters<ServiceApi[M]> };

function arity(args: readonly unknown[], n: number, method: string): void {
  if (args.length > n) throw invalid(method, `takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

export const API_ARGUMENT_CHECKERS: Checkers = {
  listBackends: (args) => (arity(args, 0, 'listBackends'), []),
  openSample: (args) => (arity(args, 0, 'openSample'), []),
  openUpload: (args) => (arity(args, 2, 'openUpload'), [checkUploadName(args[0]), checkBytes(args[1], 'data')]),
  openPath: (args) => (arity(args, 1, 'openPath'), [checkPath(args[0])]),
  listFiles: (args) => (arity(args, 0, 'listFiles'), []),
  closeFile: (args) => (arity(args, 1, 'closeFile'), [checkId(args[0], 'fileId')]),
  previewMatrix: (args) => (arity(args, 1, 'previewMatrix'), [checkPreviewQuery(args[0])]),
  cancelJob: (args) => (arity(args, 1, 'cancelJob'), [checkId(args[0], 'jobId')]),
  heatmap: (args) => (arity(args, 1, 'heatmap'), [checkHeatmapQuery(args[0])]),
  blockDetail: (args) => (
    arity(args, 4, 'blockDetail'),
    [checkId(args[0], 'analysisId'), checkOneOf(args[1], ['a', 'b'] as const, 'side'), checkInt(args[2], 'row', 0, 2 ** 31), checkInt(args[3], 'blockCol', 0, 2 ** 31)]
  ),
  exportAnalysis: (args) => (arity(args, 2, 'exportAnalysis'), [checkId(args[0], 'analysisId'), checkOneOf(args[1], EXPORT_FORMATS, 'format')]),
  releaseAnalysis: (args) => (arity(args, 1, 'releaseAnalysis'), [checkId(args[0], 'analysisId')]),
};

export function isPlainMethod(name: string): name is PlainMethod {
  return Object.prototype.hasOwnProperty.call(API_ARGUMENT_CHECKERS, name);
}

import { isFp4Error, type Fp4ErrorCode } from '../errors';
import type { Api, ApiError } from './contract';

/**
 * What both transports of the Api (Electron IPC, HTTP) share: a result envelope, the error a
 * caller catches, and the HTTP wire encodings (JSON with non-finite numbers, and frames that
 * carry typed arrays as raw bytes). Pure, so the page and the Node side use the same code.
 */

/** A call's outcome as it crosses a process boundary (custom Error properties would not survive). */
export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

const API_ERROR_CODES: readonly (Fp4ErrorCode | 'INTERNAL' | 'UNAUTHORIZED')[] = [
  'INVALID_ARGUMENT',
  'NON_FINITE',
  'UNSUPPORTED',
  'FORMAT',
  'NOT_FOUND',
  'TOO_LARGE',
  'CANCELLED',
  'BACKEND_UNAVAILABLE',
  'CUDA_OOM',
  'IO',
  'INTERNAL',
  'UNAUTHORIZED',
];

/**
 * What an Api call rejects with: an Error (so it has a stack where it was caught) carrying the
 * ApiError's code and sentence. (Error's own `cause` is the language's, so ours is `detail`.)
 */
export class ApiCallError extends Error {
  readonly code: ApiError['code'];
  readonly detail?: string;

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.detail = error.cause;
  }

  /** The plain ApiError. */
  toApiError(): ApiError {
    return this.detail === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, cause: this.detail };
  }
}

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && (API_ERROR_CODES as readonly string[]).includes(v.code) && typeof v.message === 'string' && (v.cause === undefined || typeof v.cause === 'string');
}

/**
 * Any thrown value as an ApiError. Fp4Errors keep their code and sentence; anything else is a
 * bug, reported as INTERNAL with its message only (a stack trace never reaches the UI).
 */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiCallError) return e.toApiError();
  if (isFp4Error(e)) return { code: e.code, message: e.message };
  if (isApiError(e)) return e.cause === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, cause: e.cause };
  if (e instanceof Error && e.name === 'AbortError') return { code: 'CANCELLED', message: 'the job was cancelled' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: `internal error: ${message}` };
}

export function apiOk<T>(value: T): ApiResult<T> {
  return { ok: true, value };
}

export function apiFailure(e: unknown): ApiResult<never> {
  return { ok: false, error: toApiError(e) };
}

/**
 * The object the desktop app's preload exposes to the page (as window.fp4lab): the Api with
 * every call answering an ApiResult, because an Error's code would not survive the context
 * bridge. renderer/api/ipcApi.ts turns it back into the Api.
 */
export type ApiBridge = {
  readonly [K in Exclude<keyof Api, 'onAppEvent'>]: (...args: Parameters<Api[K]>) => Promise<ApiResult<Awaited<ReturnType<Api[K]>>>>;
} & { readonly onAppEvent: Api['onAppEvent'] };

/** The name of the bridge on the page's window. */
export const BRIDGE_GLOBAL = 'fp4lab';

/** The value of a result, or its error thrown as an ApiCallError. */
export function unwrapResult<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiCallError(result.error);
}

// ---------------------------------------------------------------------------------------------
// Wire JSON: JSON whose numbers may be non-finite (metrics such as SNR are Infinity for an exact
// match) or negative zero (an FP4 code's sign bit, which JSON would drop). Those are written as
// {"$nf": "Infinity" | "-Infinity" | "NaN" | "-0"}; no model field uses that key, so decoding is
// unambiguous and HTTP carries exactly what IPC's structured clone does.

const NON_FINITE_KEY = '$nf';

function encodeNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { [NON_FINITE_KEY]: Object.is(value, -0) ? '-0' : String(value) };
  return value;
}

function decodeNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === NON_FINITE_KEY) {
      const text = (value as Record<string, unknown>)[NON_FINITE_KEY];
      if (text === 'Infinity') return Infinity;
      if (text === '-Infinity') return -Infinity;
      if (text === 'NaN') return NaN;
      if (text === '-0') return -0;
    }
  }
  return value;
}

const isSpecialNumber = (v: number): boolean => !Number.isFinite(v) || Object.is(v, -0);

/**
 * The value with each number JSON cannot carry replaced by its {"$nf": ...} object, copying only
 * the arrays and objects on the way to one: an analysis result is mostly long arrays of plain
 * numbers (its heatmaps), which are scanned rather than handed one by one to a replacer
 * function. The same text as JSON.stringify(value, encodeNonFinite).
 */
function withEncodedNumbers(key: string, value: unknown): unknown {
  if (typeof value === 'number') return isSpecialNumber(value) ? encodeNonFinite(key, value) : value;
  if (typeof value !== 'object' || value === null) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return withEncodedNumbers(key, toJSON.call(value, key));
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'number' ? !isSpecialNumber(v) : typeof v !== 'object' || v === null) continue;
      const e = withEncodedNumbers(String(i), v);
      if (e !== v) (out ??= value.slice())[i] = e;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const v: unknown = (value as Record<string, unknown>)[k];
    if (typeof v === 'number' ? !isSpecialNumber(v) : typeof v !== 'object' || v === null) continue;
    const e = withEncodedNumbers(k, v);
    if (e !== v) defineValue((out ??= { ...(value as Record<string, unknown>) }), k, e);
  }
  return out ?? value;
}

/** Sets an own property (also one named "__proto__", which plain assignment would not create). */
function defineValue(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/** decodeNonFinite over a freshly parsed tree, in place (the same as JSON.parse(text, decodeNonFinite)). */
function revivedNumbers(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null) value[i] = revivedNumbers(v);
    }
    return value;
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v !== 'object' || v === null) continue;
    const r = revivedNumbers(v);
    if (r !== v) defineValue(o, k, r);
  }
  return decodeNonFinite('', o);
}

export function encodeWireJson(value: unknown): string {
  return JSON.stringify(withEncodedNumbers('', value));
}

export function decodeWireJson(text: string): unknown {
  return revivedNumbers(JSON.parse(text));
}

// ---------------------------------------------------------------------------------------------
// Frames: a wire-JSON header followed by raw typed-array bytes, so heatmaps and exports cross
// HTTP as bytes instead of as decimal text. Layout:
//   "FP4W" | u32 LE header length | header (UTF-8 wire JSON) | zero pad to 8 | blobs (each padded to 8)
// The header is {"value": ..., "blobs": [{"type", "offset", "byteLength"}]}, where each typed
// array in value is replaced by {"$blob": index}. Offsets count from the start of the blob section.

export const FRAME_MIME = 'application/vnd.fp4lab.frame';
const FRAME_MAGIC = [0x46, 0x50, 0x34, 0x57]; // "FP4W"
const BLOB_KEY = '$blob';

type BlobType = 'u8' | 'f32';
interface BlobInfo {
  readonly type: BlobType;
  readonly offset: number;
  readonly byteLength: number;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Does the value hold typed arrays (and so need a frame rather than JSON)? */
export function containsBlobs(value: unknown): boolean {
  if (value instanceof Uint8Array || value instanceof Float32Array) return true;
  if (Array.isArray(value)) return false; // arrays of numbers are data, not containers of blobs
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsBlobs);
  return false;
}

/** Encode a value as a frame: a list of chunks to send in order. */
export function encodeFrame(value: unknown): Uint8Array[] {
  const blobs: Uint8Array[] = [];
  const infos: BlobInfo[] = [];
  let offset = 0;
  const replacer = (key: string, v: unknown): unknown => {
    if (v instanceof Uint8Array || v instanceof Float32Array) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      infos.push({ type: v instanceof Uint8Array ? 'u8' : 'f32', offset, byteLength: bytes.length });
      blobs.push(bytes);
      offset += pad8(bytes.length);
      return { [BLOB_KEY]: infos.length - 1 };
    }
    return encodeNonFinite(key, v);
  };
  const valueJson = JSON.stringify(value === undefined ? null : value, replacer);
  const header = new TextEncoder().encode(`{"value":${valueJson},"blobs":${JSON.stringify(infos)}}`);
  const head = new Uint8Array(pad8(8 + header.length));
  head.set(FRAME_MAGIC, 0);
  new DataView(head.buffer).setUint32(4, header.length, true);
  head.set(header, 8);
  const chunks: Uint8Array[] = [head];
  for (const b of blobs) {
    chunks.push(b);
    if (b.length % 8 !== 0) chunks.push(new Uint8Array(pad8(b.length) - b.length));
  }
  return chunks;
}

/** Decode a frame; typed arrays are views into the given buffer (no copy). */
export function decodeFrame(buffer: ArrayBuffer): unknown {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8 || FRAME_MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('not an FP4 Lab frame (bad magic)');
  const headerLength = new DataView(buffer).getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error('truncated FP4 Lab frame header');
  const base = pad8(8 + headerLength);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as { value: unknown; blobs: BlobInfo[] };
  const views = header.blobs.map((b) => {
    if (base + b.offset + b.byteLength > bytes.length) throw new Error('truncated FP4 Lab frame body');
    return b.type === 'f32' ? new Float32Array(buffer, base + b.offset, b.byteLength / 4) : new Uint8Array(buffer, base + b.offset, b.byteLength);
  });
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === BLOB_KEY) return views[(v as Record<string, number>)[BLOB_KEY]];
      const decoded = decodeNonFinite('', v);
      if (decoded !== v) return decoded;
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = revive((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return revive(header.value);
}

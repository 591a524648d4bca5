import type { ApiError } from '../../app/api/contract';
import { isFp4Error } from '../../app/errors';

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && typeof (e as ApiError).code === 'string' && typeof (e as ApiError).message === 'string';
}

/**
 * Anything thrown at an Api boundary as an ApiError the UI can show: a code, a sentence and,
 * where known, the input that caused it. Bugs become INTERNAL with their message, never a stack.
 */
export function toApiError(e: unknown, cause?: string): ApiError {
  // A transport's Error that carries an ApiError (its `cause` is the language's own, so the
  // transport keeps ours elsewhere and hands the plain ApiError back on request).
  const carrier = e as { toApiError?: () => ApiError } | null;
  if (typeof carrier?.toApiError === 'function') return toApiError(carrier.toApiError(), cause);
  if (isFp4Error(e)) return { code: e.code, message: e.message, ...(cause ? { cause } : {}) };
  if (isApiError(e)) return cause && !e.cause ? { ...e, cause } : e;
  if (e instanceof Error && e.name === 'AbortError') return { code: 'CANCELLED', message: 'the job was cancelled' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message || 'an unexpected error occurred', ...(cause ? { cause } : {}) };
}

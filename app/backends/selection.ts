import { Fp4Error } from '../errors';
import { AUTO_ORDER, BACKEND_ALIASES, type BackendName, type BackendStatus } from './backend';

/** Parse a user's backend word (incl. the library's `pytorch` / `cutlass`); unknown words are errors. */
export function parseBackendName(word: string): BackendName | 'auto' {
  const name = BACKEND_ALIASES[word.toLowerCase()];
  if (!name) throw new Fp4Error('INVALID_ARGUMENT', `backend must be one of ${Object.keys(BACKEND_ALIASES).join(', ')}; got ${JSON.stringify(word)}`);
  return name;
}

/**
 * Pick the backend for a request: `auto` takes the first available in AUTO_ORDER; a named
 * backend must be available, else the error carries the reason it is not.
 */
export function selectBackend(requested: string, statuses: readonly BackendStatus[]): BackendName {
  const name = parseBackendName(requested);
  const statusOf = (n: BackendName): BackendStatus | undefined => statuses.find((s) => s.name === n);
  if (name === 'auto') {
    const pick = AUTO_ORDER.find((n) => statusOf(n)?.available);
    if (!pick) throw new Fp4Error('BACKEND_UNAVAILABLE', 'no backend is available');
    return pick;
  }
  const status = statusOf(name);
  if (!status?.available) {
    throw new Fp4Error('BACKEND_UNAVAILABLE', `backend '${requested}' is unavailable: ${status?.reason ?? 'not registered'}`);
  }
  return name;
}

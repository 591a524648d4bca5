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

/**
 * The line the CLI and the UI show when `auto` lands on the reference backend because the
 * native CPU backend could not load (its build failed, or FP4LAB_NATIVE=off): why, and that the
 * numbers are the same but slow. Null when the native backend is there, when auto picks another
 * fast backend, when a backend was named, or where no native backend exists at all (the static
 * demo runs the engine in the page).
 */
export function referenceFallbackNotice(requested: string, statuses: readonly BackendStatus[]): string | null {
  if (requested.trim().toLowerCase() !== 'auto') return null;
  const cpu = statuses.find((s) => s.name === 'cpu');
  if (!cpu || cpu.available) return null;
  if (statuses.some((s) => s.available && s.name !== 'reference')) return null;
  return `the native CPU backend is unavailable (${cpu.reason ?? 'not loaded'}); using the reference backend, which gives the same numbers but is much slower`;
}

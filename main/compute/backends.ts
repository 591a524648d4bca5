import type { Backend, BackendName, BackendStatus } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { selectBackend } from '../../app/backends/selection';
import { registerNativeBackends } from './nativeAddon';

/**
 * The backends this process can run, with the reason for each one that it cannot. The native
 * ones (cpu, cuda) are added here by the addon loader; this module is the only door to them.
 */
const registered = new Map<BackendName, Backend>([['reference', referenceBackend]]);
const details = new Map<BackendName, string>();
const unavailable = new Map<BackendName, string>([
  ['cpu', 'the native addon is not built (run `npm run build:native`)'],
  ['cuda', 'the native addon is not built (run `npm run build:native`)'],
]);

export function registerBackend(backend: Backend, detail?: string): void {
  registered.set(backend.name, backend);
  unavailable.delete(backend.name);
  if (detail) details.set(backend.name, detail);
  else details.delete(backend.name);
}

export function markBackendUnavailable(name: BackendName, reason: string): void {
  registered.delete(name);
  details.delete(name);
  unavailable.set(name, reason);
}

// The addon is loaded on first use, not on import, so a process that never computes never loads it.
let nativeLoaded = false;
function ensureNativeBackends(): void {
  if (nativeLoaded) return;
  nativeLoaded = true;
  registerNativeBackends({ registerBackend, markBackendUnavailable });
}

export function backendStatuses(): BackendStatus[] {
  ensureNativeBackends();
  const names: BackendName[] = ['reference', 'cpu', 'cuda'];
  return names.map((name) =>
    registered.has(name)
      ? { name, available: true, ...(details.has(name) ? { detail: details.get(name) } : {}) }
      : { name, available: false, reason: unavailable.get(name) ?? 'not registered' },
  );
}

/** Resolve a user's backend word (auto, reference, pytorch, cpu, cuda, cutlass) to a backend. */
export function getBackend(requested = 'auto'): Backend {
  return registered.get(selectBackend(requested, backendStatuses()))!;
}

/**
 * Load what this process can run (the native addon and, when asked for, the GPU library).
 * Called once at start-up by the CLI, the server and the compute host.
 */
export async function initBackends(): Promise<void> {
  ensureNativeBackends();
}

/**
 * One line for the CLI and UI when a request runs on the reference backend because the native
 * one cannot: why, and how to fix it. Null when the native CPU backend is there (or the
 * reference was asked for by name).
 */
export function backendNotice(requested = 'auto'): string | null {
  const cpu = backendStatuses().find((s) => s.name === 'cpu');
  if (cpu?.available || getBackend(requested).name !== 'reference' || requested.toLowerCase() !== 'auto') return null;
  return `the native CPU backend is unavailable (${cpu?.reason ?? 'not registered'}); using the reference backend, which is much slower`;
}

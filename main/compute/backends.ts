import type { Backend, BackendName, BackendStatus } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { selectBackend } from '../../app/backends/selection';

/**
 * The backends this process can run, with the reason for each one that it cannot. The native
 * ones (cpu, cuda) are added here by the addon loader; this module is the only door to them.
 */
const registered = new Map<BackendName, Backend>([['reference', referenceBackend]]);
const unavailable = new Map<BackendName, string>([
  ['cpu', 'the native addon is not built (run `npm run build:native`)'],
  ['cuda', 'the native addon is not built (run `npm run build:native`)'],
]);

export function registerBackend(backend: Backend): void {
  registered.set(backend.name, backend);
  unavailable.delete(backend.name);
}

export function markBackendUnavailable(name: BackendName, reason: string): void {
  registered.delete(name);
  unavailable.set(name, reason);
}

export function backendStatuses(): BackendStatus[] {
  const names: BackendName[] = ['reference', 'cpu', 'cuda'];
  return names.map((name) =>
    registered.has(name) ? { name, available: true } : { name, available: false, reason: unavailable.get(name) ?? 'not registered' },
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
  // The native addon loader (main/compute/nativeAddon.ts) registers cpu/cuda here.
}

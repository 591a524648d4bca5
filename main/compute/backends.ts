import type { Backend, BackendName, BackendStatus } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { parseBackendName, referenceFallbackNotice, selectBackend } from '../../app/backends/selection';
import { nativeAddon, registerCudaBackend, registerNativeBackends } from './nativeAddon';

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

// The addon is loaded on first use, not on import, so a process that never computes never loads
// it; the GPU library is opened only when the GPU backend is asked for (by name, by `auto`, by a
// status listing, or by initBackends), so `--backend cpu` never touches CUDA.
let nativeLoaded = false;
let cpuBackend: Backend | undefined;
function ensureNativeBackends(): void {
  if (nativeLoaded) return;
  nativeLoaded = true;
  cpuBackend = registerNativeBackends({ registerBackend, markBackendUnavailable });
}

let cudaProbed = false;
function ensureCudaBackend(): void {
  ensureNativeBackends();
  if (cudaProbed) return;
  cudaProbed = true;
  // Without an addon registerNativeBackends already said why cuda is unavailable.
  if (!nativeAddon().ok) return;
  registerCudaBackend({ registerBackend, markBackendUnavailable }, cpuBackend ?? referenceBackend);
}

function currentStatuses(): BackendStatus[] {
  const names: BackendName[] = ['reference', 'cpu', 'cuda'];
  return names.map((name) =>
    registered.has(name)
      ? { name, available: true, ...(details.has(name) ? { detail: details.get(name) } : {}) }
      : { name, available: false, reason: unavailable.get(name) ?? 'not registered' },
  );
}

export function backendStatuses(): BackendStatus[] {
  ensureCudaBackend();
  return currentStatuses();
}

/** Resolve a user's backend word (auto, reference, pytorch, cpu, cuda, cutlass) to a backend. */
export function getBackend(requested = 'auto'): Backend {
  const name = parseBackendName(requested);
  ensureNativeBackends();
  if (name === 'auto' || name === 'cuda') ensureCudaBackend();
  return registered.get(selectBackend(requested, currentStatuses()))!;
}

/**
 * Load what a request for `requested` can run on: the native addon and, unless a host backend
 * was named, the GPU library. Called once at start-up by the CLI, the server and the compute host.
 */
export async function initBackends(requested = 'auto'): Promise<void> {
  const name = parseBackendName(requested);
  if (name === 'auto' || name === 'cuda') ensureCudaBackend();
  else ensureNativeBackends();
}

/** The reference-fallback notice (app/backends/selection.ts) for this process's backends. */
export function backendNotice(requested = 'auto'): string | null {
  ensureNativeBackends();
  return referenceFallbackNotice(requested, currentStatuses());
}

/**
 * The backend a CLI command runs on: loads what `requested` needs, resolves it, and tells the
 * user on stderr when auto fell back to the reference backend.
 */
export async function backendForCommand(requested: string, warn: (line: string) => void): Promise<Backend> {
  await initBackends(requested);
  const backend = getBackend(requested);
  const notice = backendNotice(requested);
  if (notice) warn(notice);
  return backend;
}

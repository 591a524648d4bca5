import type { Api } from '../../app/api/contract';
import { httpApiForPage } from './httpApi';
import { createIpcApi, desktopBridge } from './ipcApi';
import { createLocalApi } from './localApi';

export interface ApiChoice {
  readonly api: Api;
  /** Shown in the status bar: where the numbers are computed. */
  readonly label: string;
}

/** A page served by `fp4lab serve` was opened with ?token= (kept in sessionStorage across reloads). */
function servedWithToken(): boolean {
  if (new URL(window.location.href).searchParams.has('token')) return true;
  try {
    return window.sessionStorage.getItem('fp4lab.token') !== null;
  } catch {
    return false;
  }
}

/**
 * Which transport this page talks through: the desktop preload's IPC bridge, else the web
 * server that served it (its URL carries the run's token), else the in-page engine (a worker
 * running app/ on the reference backend) — the whole backend of the static demo build.
 */
export function chooseApi(): ApiChoice {
  const bridge = desktopBridge();
  if (bridge) return { api: createIpcApi(bridge), label: 'desktop' };
  if (servedWithToken()) return { api: httpApiForPage(), label: `fp4lab serve at ${window.location.host}` };
  return { api: createLocalApi(), label: 'in-page engine (static demo)' };
}

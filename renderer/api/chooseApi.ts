import type { Api } from '../../app/api/contract';
import { createLocalApi } from './localApi';

export interface ApiChoice {
  readonly api: Api;
  /** Shown in the status bar: where the numbers are computed. */
  readonly label: string;
}

/**
 * Which transport this page talks through. The desktop preload's IPC bridge and the web
 * server's HTTP API come first once they exist in this build; the in-page engine (a worker
 * running app/ on the reference backend) is the fallback, and the whole backend of the static
 * demo build.
 */
export function chooseApi(): ApiChoice {
  return { api: createLocalApi(), label: 'in-page engine' };
}

import type { ApiError, JobEvent, ServiceApi } from '../../app/api/contract';

/** Messages between the page (localApi.ts) and the worker that runs the in-page service. */
export type ApiMethod = keyof ServiceApi;

export type ToWorker = {
  readonly type: 'call';
  readonly id: number;
  readonly method: ApiMethod;
  readonly args: unknown[];
  /** For startAnalysis: events of the job come back tagged with this id. */
  readonly listener?: number;
};

export type FromWorker =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: ApiError }
  | { readonly type: 'event'; readonly listener: number; readonly event: JobEvent };

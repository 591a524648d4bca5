import { toApiError } from './apiError';
import { LocalService } from './localService';
import type { FromWorker, ToWorker } from './workerProtocol';

/** The worker side of the in-page Api: one LocalService, called by message. */
// Typed by hand: the renderer compiles with the DOM library, not the worker one.
const scope = self as unknown as { postMessage(message: unknown): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
// plotly.js's source (4.6 MB) is its own chunk, fetched only when an HTML report is exported.
const service = new LocalService(undefined, () => import('plotly.js-dist-min/plotly.min.js?raw').then((m) => m.default));

function post(message: FromWorker): void {
  scope.postMessage(message);
}

scope.onmessage = async (e: MessageEvent<ToWorker>) => {
  const { id, method, args, listener } = e.data;
  try {
    const call = service[method] as (...a: unknown[]) => Promise<unknown>;
    const callArgs = method === 'startAnalysis' ? [args[0], (event: unknown) => post({ type: 'event', listener: listener ?? -1, event } as FromWorker)] : args;
    const value = await call.apply(service, callArgs);
    post({ type: 'result', id, ok: true, value });
  } catch (err) {
    post({ type: 'result', id, ok: false, error: toApiError(err) });
  }
};

import type { Backend, JobControl } from '../../app/backends/backend';

/** Let queued messages (a cancel, a heatmap request) run before the next piece of work. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A backend whose every heavy call first yields to the event loop and checks for cancellation.
 * The reference backend computes synchronously inside its promises, so without this a cancel
 * message would wait in the queue until the whole analysis had finished. Optional fast paths
 * are passed on only where the inner backend has them (the analysis checks for them).
 */
export function yieldingBackend(inner: Backend): Backend {
  const before = async (control?: JobControl): Promise<void> => {
    await yieldToEventLoop();
    control?.signal?.throwIfAborted();
  };
  return {
    name: inner.name,
    async quantize(x, kwargs, control) {
      await before(control);
      return inner.quantize(x, kwargs, control);
    },
    async dequantize(q, options, control) {
      await before(control);
      return inner.dequantize(q, options, control);
    },
    async matmul(a, b, options, control) {
      await before(control);
      return inner.matmul(a, b, options, control);
    },
    async matmulHighPrecision(a, b, control) {
      await before(control);
      return inner.matmulHighPrecision(a, b, control);
    },
    ...(inner.reduceSide && {
      reduceSide: async (input, control) => {
        await before(control);
        return inner.reduceSide!(input, control);
      },
    }),
    ...(inner.pairMetrics && {
      pairMetrics: async (pair, control) => {
        await before(control);
        return inner.pairMetrics!(pair, control);
      },
    }),
    // Pooling is a screenful of cells: quick, and also used after the job for zooming.
    ...(inner.pool && { pool: inner.pool.bind(inner) }),
    ...(inner.poolMany && { poolMany: inner.poolMany.bind(inner) }),
  };
}

import { toApiError } from '../../app/api/transport';
import { initBackends } from './backends';
import { ComputeEngine } from './computeEngine';
import { connectToParent } from './hostPort';
import type { HostOp, ParentToHost } from './protocol';

/**
 * The compute host's entry: an Electron utility process in the desktop app, a child process in
 * web mode. It owns the native addon (through initBackends) and every analysis; if native code
 * faults here, only this process dies and the service starts a new one.
 */
const parent = connectToParent();
const engine = new ComputeEngine((event) => parent.post({ kind: 'job', event }));

// Listening at once keeps the process alive while the backends load; the service sends nothing
// before 'ready'.
parent.onMessage((message: ParentToHost) => {
  if (message.kind === 'cancel') {
    engine.cancel(message.jobId);
    return;
  }
  const { id, op, args } = message;
  engine.handle(op as HostOp, args as never).then(
    (value) => parent.post({ kind: 'response', id, ok: true, value }),
    (e: unknown) => parent.post({ kind: 'response', id, ok: false, error: toApiError(e) }),
  );
});

initBackends()
  .catch((e: unknown) => {
    // The reference backend is always there; the statuses of the others carry the reason.
    process.stderr.write(`fp4lab compute host: loading the native backends failed: ${(e as Error).message}\n`);
  })
  .finally(() => parent.post({ kind: 'ready', pid: process.pid }));

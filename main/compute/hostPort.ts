import type { HostToParent, ParentToHost } from './protocol';

/** The compute host's line to the service, whichever way it was started. */
export interface ParentPort {
  post(message: HostToParent): void;
  onMessage(listener: (message: ParentToHost) => void): void;
}

/** Electron's parentPort in a utility process (only the parts used here). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function connectToParent(): ParentPort {
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return {
      post: (m) => electronPort.postMessage(m),
      onMessage: (listener) => electronPort.on('message', (e) => listener(e.data as ParentToHost)),
    };
  }
  const send = process.send?.bind(process);
  if (send) {
    // The service decides when its host ends: Ctrl+C in a terminal (sent to the whole process
    // group) is the service's to handle, and when the service goes away, so does its host.
    process.on('SIGINT', () => undefined);
    process.on('disconnect', () => process.exit(0));
    return {
      post: (m) => {
        if (process.connected) send(m);
      },
      onMessage: (listener) => process.on('message', (m) => listener(m as ParentToHost)),
    };
  }
  throw new Error('the FP4 Lab compute host must be started by the FP4 Lab service (it found no parent to talk to)');
}

import { utilityProcess } from 'electron';
import type { HostLauncher, HostProcess } from '../compute/computeHost';
import type { HostToParent } from '../compute/protocol';

/**
 * The compute host as an Electron utility process (a Node process Chromium manages): a crash
 * in the native addon ends it, not the app. `entry` is the bundled host (dist/electron/computeHost.cjs).
 */
export function utilityHostLauncher(entry: string): HostLauncher {
  return (): HostProcess => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'FP4 Lab compute', stdio: 'inherit' });
    const exitListeners: ((how: string) => void)[] = [];
    let exited: string | undefined;
    const done = (how: string): void => {
      if (exited !== undefined) return;
      exited = how;
      for (const l of exitListeners) l(how);
    };
    child.on('exit', (code) => done(`exit code ${code}`));
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m: unknown) => listener(m as HostToParent)),
      onExit: (listener) => {
        if (exited !== undefined) listener(exited);
        else exitListeners.push(listener);
      },
      kill: () => {
        child.kill();
      },
    };
  };
}

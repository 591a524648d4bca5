import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostLauncher, HostProcess } from './computeHost';
import type { HostToParent } from './protocol';

export interface ForkHostOptions {
  /** The host's entry script; default: hostMain.ts beside this file, run through tsx. */
  readonly entry?: string;
  /** Node flags for the host; default: tsx's loader (needed for a .ts entry). */
  readonly execArgv?: readonly string[];
}

/** tsx's loader as an absolute URL, so the child finds it whatever its working directory. */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * The compute host as a Node child process (web mode and tests). A child process, not a worker
 * thread: a native fault in a worker would take the whole server down with it. Messages use
 * the structured-clone serialization, so typed arrays cross as bytes.
 */
export function forkHostLauncher(options: ForkHostOptions = {}): HostLauncher {
  const entry = options.entry ?? fileURLToPath(new URL('./hostMain.ts', import.meta.url));
  const execArgv = [...(options.execArgv ?? ['--import', tsxLoaderUrl()])];
  return (): HostProcess => {
    const child = fork(entry, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exitListeners: ((how: string) => void)[] = [];
    let exited: string | undefined;
    const done = (how: string): void => {
      if (exited !== undefined) return;
      exited = how;
      for (const l of exitListeners) l(how);
    };
    child.on('exit', (code, signal) => done(signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (e) => {
      // Spawning failed (or a kill could not be delivered): only the former ends the process.
      if (child.pid === undefined) done(`it could not be started: ${e.message}`);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as HostToParent)),
      onExit: (listener) => {
        if (exited !== undefined) listener(exited);
        else exitListeners.push(listener);
      },
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}

import { forkHostLauncher } from '../compute/forkHostLauncher';
import { Fp4Service } from '../service/service';
import { startServer, type RunningServer, type ServerOptions } from './server';

export interface WebAppOptions extends Omit<ServerOptions, 'service'> {
  /** Files to open at start (paths from the command line: the only paths web mode accepts). */
  readonly files?: readonly string[];
  readonly maxUploadBytes?: number;
  /** Where the uploads folder is made (default: the OS temp dir). */
  readonly tempRoot?: string;
}

export interface WebApp {
  readonly server: RunningServer;
  readonly service: Fp4Service;
  close(): Promise<void>;
}

/** The service with its compute host in a child process, behind the HTTP server. */
export async function startWebApp(options: WebAppOptions = {}): Promise<WebApp> {
  const service = new Fp4Service({ launcher: forkHostLauncher(), maxUploadBytes: options.maxUploadBytes, tempRoot: options.tempRoot });
  try {
    await service.start();
    for (const path of options.files ?? []) await service.openPath(path);
    const server = await startServer({ ...options, service });
    return {
      server,
      service,
      close: async () => {
        await server.close();
        await service.dispose();
      },
    };
  } catch (e) {
    await service.dispose();
    throw e;
  }
}

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiCallError } from '../../app/api/transport';
import { Fp4Error, invalidArgument, type Fp4ErrorCode } from '../../app/errors';
import { isLoopbackHost } from '../server/security';
import { startWebApp, type WebApp } from '../server/webApp';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../service/service';

/** The port tried first; the next few are tried when it is taken (unless --port was given). */
export const DEFAULT_PORT = 8765;
const PORT_ATTEMPTS = 10;

/** "4G", "512M", "100k" or a plain byte count. */
export function parseByteSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw invalidArgument(`${flag} must be a size such as 4G, 512M or 1000000; got '${text}'`);
  const n = Math.floor(Number(m[1]) * 1024 ** ' kmgt'.indexOf(m[2].toLowerCase() || ' '));
  if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument(`${flag} must be at least 1 byte; got '${text}'`);
  return n;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalidArgument(`--port must be an integer from 0 to 65535; got '${text}'`);
  return n;
}

const CLI_CODES: readonly string[] = ['INVALID_ARGUMENT', 'NON_FINITE', 'UNSUPPORTED', 'FORMAT', 'NOT_FOUND', 'TOO_LARGE', 'CANCELLED', 'BACKEND_UNAVAILABLE', 'CUDA_OOM', 'IO'];

interface ServeOptions {
  port?: string;
  host: string;
  allowRemote: boolean;
  allowHost: string[];
  maxUpload: string;
}

async function startOnFreePort(files: string[], opts: ServeOptions): Promise<WebApp> {
  const explicit = opts.port !== undefined;
  const first = explicit ? parsePort(opts.port!) : DEFAULT_PORT;
  const common = { files, host: opts.host, allowRemote: opts.allowRemote, allowedHosts: opts.allowHost, maxUploadBytes: parseByteSize(opts.maxUpload, '--max-upload') };
  for (let i = 0; ; i++) {
    try {
      return await startWebApp({ ...common, port: first + i });
    } catch (e) {
      const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse) throw e;
      if (explicit || i + 1 >= PORT_ATTEMPTS) throw invalidArgument(`port ${first + i} is in use; pick another with --port (0 picks a free one)`);
    }
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('web mode: serve the app on http://127.0.0.1 with a per-run token (open the printed URL; reach a remote box with ssh -L)')
    .argument('[files...]', 'tensor files to open at start')
    .option('--port <n>', `port (default ${DEFAULT_PORT}, or the next free one)`)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow a --host other than loopback (anyone who can reach it and has the token can use the app)', false)
    .option('--allow-host <name>', 'another host name the browser may use (e.g. the box name when serving remotely); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--max-upload <size>', 'largest upload accepted', `${DEFAULT_MAX_UPLOAD_BYTES / 1024 ** 3}G`)
    .action(async (files: string[], opts: ServeOptions) => {
      const app = await startOnFreePort(
        files.map((f) => resolve(f)),
        opts,
      ).catch((e: unknown) => {
        // The service answers ApiErrors; the CLI reports Fp4Errors as one line with its exit code.
        if (e instanceof ApiCallError) throw new Fp4Error(CLI_CODES.includes(e.code as Fp4ErrorCode) ? (e.code as Fp4ErrorCode) : 'IO', e.message);
        throw e;
      });
      if (!isLoopbackHost(opts.host)) {
        process.stderr.write(
          `fp4lab: warning: listening on ${opts.host}, not loopback: anyone who can reach this port and learns the token can use FP4 Lab and the files opened in it. ` +
            `Prefer an SSH tunnel (ssh -L ${app.server.port}:127.0.0.1:${app.server.port} host). Browsers must use this machine's address` +
            `${opts.allowHost.length ? ` or ${opts.allowHost.join(', ')}` : ' (add a host name with --allow-host NAME)'}.\n`,
        );
      }
      process.stdout.write(`FP4 Lab is running. Open this URL in a browser (it carries this run's token):\n\n    ${app.server.url}\n\nPress Ctrl+C to stop.\n`);
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = (): void => {
          // Ctrl+C reaches us twice under `npm start` (terminal and parent); one stop is enough.
          if (stopping) return;
          stopping = true;
          process.stdout.write('\nstopping FP4 Lab\n');
          app.close().then(done, done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

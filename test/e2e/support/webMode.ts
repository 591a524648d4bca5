import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

/**
 * `fp4lab serve` as a user starts it: a child process on a free loopback port, the files given
 * on its command line opened at start. Resolves with the URL it printed (it carries the token).
 */
export interface WebMode {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it printed, for a failure message. */
  output(): string;
  close(): Promise<void>;
}

export function startWebMode(files: readonly string[] = [], extraArgs: readonly string[] = [], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<WebMode> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'fp4lab.mjs'), 'serve', '--port', '0', ...extraArgs, ...files], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`fp4lab serve printed no URL within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], process: child, output: () => log, close });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fp4lab serve exited (${code ?? signal}) before printing its URL:\n${log}`));
    });
  });
}

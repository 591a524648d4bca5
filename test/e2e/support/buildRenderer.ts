import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

/** vitest sets NODE_ENV=test, which would make Vite bundle React's development build. */
export function productionEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production' };
}

/** A production build of the renderer into dist/renderer, where `fp4lab serve` serves it from. */
export function buildRenderer(): string {
  const outDir = join(REPO_ROOT, 'dist', 'renderer');
  const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], { cwd: REPO_ROOT, encoding: 'utf8', env: productionEnv() });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return outDir;
}

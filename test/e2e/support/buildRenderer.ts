import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

/** vitest sets NODE_ENV=test, which would make Vite bundle React's development build. */
export function productionEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'production' };
}

/** A production build of the renderer into a fresh temp directory (the suite never touches dist/). */
export function buildRenderer(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'fp4lab-renderer-'));
  const r = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { cwd: REPO_ROOT, encoding: 'utf8', env: productionEnv() });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return outDir;
}

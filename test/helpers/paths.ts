import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The shared fixtures (golden vectors, tensor corpus): $FP4LAB_SHARED, else the workplace's
 * ../shared beside the checkout, else the copy in shared/ (see shared/README.md).
 */
export function sharedDir(): string {
  const candidates = [process.env.FP4LAB_SHARED, join(REPO_ROOT, '..', 'shared'), join(REPO_ROOT, 'shared')].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(join(p, 'golden', 'manifest.json')));
  if (!found) throw new Error(`shared fixtures not found; looked in ${candidates.join(', ')} (set FP4LAB_SHARED)`);
  return found;
}

export const goldenDir = (): string => join(sharedDir(), 'golden');
export const corpusDir = (): string => join(sharedDir(), 'corpus');

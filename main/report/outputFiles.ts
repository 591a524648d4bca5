import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Fp4Error } from '../../app/errors';
import { writeFileAtomic } from '../io/atomicWrite';

/**
 * Output files of the analyze and sweep commands. They are checked before any work starts (an
 * hour-long sweep should not fail at the end because report.html exists) and written atomically.
 */
export async function checkOutputPaths(paths: readonly (string | undefined)[], force: boolean): Promise<void> {
  const given = paths.filter((p): p is string => p !== undefined);
  const seen = new Set<string>();
  for (const path of given) {
    if (seen.has(path)) throw new Fp4Error('INVALID_ARGUMENT', `${path} is given for two outputs; each output needs its own file`);
    seen.add(path);
    const dir = await stat(dirname(path)).catch(() => undefined);
    if (!dir?.isDirectory()) throw new Fp4Error('IO', `cannot write ${path}: the folder ${dirname(path)} does not exist`);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new Fp4Error('IO', `cannot write ${path}: it is a folder`);
    if (existing && !force) throw new Fp4Error('IO', `${path} already exists; pass --force to overwrite it`);
  }
}

/** Write one output atomically; returns its size in bytes. */
export async function writeOutput(path: string, data: string | Uint8Array | readonly Uint8Array[], force: boolean): Promise<number> {
  const chunks = typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  await writeFileAtomic(path, chunks, { overwrite: force });
  return chunks.reduce((n, c) => n + c.length, 0);
}

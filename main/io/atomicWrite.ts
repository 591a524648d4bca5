import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Fp4Error } from '../../app/errors';

export interface WriteOptions {
  /** Replace an existing file (the CLI's --force; the app asks first). */
  overwrite?: boolean;
}

/**
 * Write chunks to a temp file beside the target, fsync, then rename over it: a reader sees the
 * old file or the new one, never half of one, and a failed write leaves nothing behind.
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], options: WriteOptions = {}): Promise<void> {
  if (!options.overwrite) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new Fp4Error('IO', `${path} already exists; pass --force to overwrite it`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx');
    for (const c of chunks) await handle.write(c);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    if (e instanceof Fp4Error) throw e;
    throw new Fp4Error('IO', `cannot write ${path}: ${(e as Error).message}`);
  }
}

import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { Fp4Error } from '../../app/errors';
import type { ByteSource } from '../../app/tensors/byteSource';

/** A ByteSource over an open file: ranged reads, nothing read until asked. Close when done. */
export interface FileByteSource extends ByteSource {
  readonly path: string;
  close(): Promise<void>;
}

export async function openFileByteSource(path: string): Promise<FileByteSource> {
  let handle: FileHandle;
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Fp4Error('IO', `${path} is not a regular file`);
    size = st.size;
    handle = await open(path, 'r');
  } catch (e) {
    if (e instanceof Fp4Error) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new Fp4Error('IO', `cannot open ${path}: ${why}`);
  }
  const name = basename(path);
  return {
    name,
    path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new Fp4Error('IO', `${name}: read of ${length} bytes at offset ${offset} is outside the ${size}-byte file`);
      }
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new Fp4Error('IO', `${name}: the file ended early (changed while reading?)`);
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}

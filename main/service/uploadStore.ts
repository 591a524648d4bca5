import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Fp4Error } from '../../app/errors';

/**
 * Where uploaded files live while open: a private temp directory (mode 0700 from mkdtemp),
 * one file per upload, deleted when the file is closed and the whole directory on shutdown.
 * Files keep the upload's extension, since a few formats are told apart by it (.pt vs .npz).
 */
export class UploadStore {
  private dir?: Promise<string>;

  constructor(private readonly root = tmpdir()) {}

  private directory(): Promise<string> {
    this.dir ??= mkdtemp(join(this.root, 'fp4lab-uploads-'));
    return this.dir;
  }

  /** A fresh path for an upload named `displayName` (the name is used for its extension only). */
  async newPath(displayName: string): Promise<string> {
    const ext = extname(displayName).toLowerCase();
    const safeExt = /^\.[a-z0-9]{1,12}$/.test(ext) ? ext : '';
    return join(await this.directory(), `upload-${randomBytes(8).toString('hex')}${safeExt}`);
  }

  /** Write bytes that arrived whole (IPC, tests) to a new upload file. */
  async write(displayName: string, data: Uint8Array): Promise<string> {
    const path = await this.newPath(displayName);
    let handle;
    try {
      handle = await open(path, 'wx', 0o600);
      await handle.writeFile(data);
    } catch (e) {
      await rm(path, { force: true });
      throw new Fp4Error('IO', `cannot store the upload ${displayName}: ${(e as Error).message}`);
    } finally {
      await handle?.close();
    }
    return path;
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async dispose(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }
}

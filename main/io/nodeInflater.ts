import { constants, createInflateRaw, inflateRaw } from 'node:zlib';
import type { RawInflater } from '../../app/tensors/inflate';

/**
 * Node's zlib as the app's RawInflater. maxOutputLength is the member's declared size, so a
 * member that inflates to more than it declares fails instead of allocating without bound.
 */
export const nodeInflater: RawInflater = {
  inflateRaw(compressed: Uint8Array, size: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // maxOutputLength must be >= 1; an empty member is checked by length below.
      inflateRaw(compressed, { maxOutputLength: Math.max(1, size) }, (err, out) => {
        if (err) reject(err);
        else if (out.length !== size) reject(new Error(`inflated to ${out.length} bytes, expected ${size}`));
        else resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
      });
    });
  },

  inflateRawPrefix(compressed: Uint8Array, limit: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // SYNC_FLUSH: a truncated stream (we pass a prefix) ends without an error.
      const stream = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 16 * 1024 });
      const chunks: Buffer[] = [];
      let total = 0;
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        const out = Buffer.concat(chunks, total);
        resolve(new Uint8Array(out.buffer, out.byteOffset, Math.min(out.length, limit)));
      };
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
        if (total >= limit) {
          finish();
          stream.destroy();
        }
      });
      stream.on('end', finish);
      stream.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      });
      stream.end(compressed);
    });
  },
};

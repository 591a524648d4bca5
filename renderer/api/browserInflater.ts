import type { RawInflater } from '../../app/tensors/inflate';

/**
 * The web platform's DecompressionStream('deflate-raw') as the app's RawInflater, so the
 * in-page engine opens compressed .npz members too. Output is read chunk by chunk and the read
 * stops as soon as it passes what the member declares: a hostile archive cannot make the page
 * allocate more than its declared sizes.
 */
async function inflate(compressed: Uint8Array, limit: number, exact: boolean): Promise<Uint8Array> {
  const stream = new Blob([compressed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const out = new Uint8Array(limit);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > limit) {
        if (exact) throw new Error(`inflates to more than the ${limit} bytes it declares`);
        out.set(value.subarray(0, limit - filled), filled);
        filled = limit;
        break;
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    // A prefix of a stream ends "truncated": what came out before that is what was asked for.
    if (exact) throw e;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  if (exact && filled !== limit) throw new Error(`inflated to ${filled} bytes, expected ${limit}`);
  return out.subarray(0, filled);
}

export const browserInflater: RawInflater = {
  inflateRaw: (compressed, size) => inflate(compressed, size, true),
  inflateRawPrefix: (compressed, limit) => inflate(compressed, limit, false),
};

/**
 * DEFLATE decompression, supplied by the platform (app/ stays pure): main/ passes Node's zlib,
 * a browser could pass DecompressionStream. Implementations must never produce more than the
 * bytes asked for, so a hostile archive cannot make us allocate more than its declared sizes,
 * which the zip reader checks against the archive before calling.
 */
export interface RawInflater {
  /** Inflate a raw DEFLATE stream whose output must be exactly `size` bytes; rejects otherwise. */
  inflateRaw(compressed: Uint8Array, size: number): Promise<Uint8Array>;
  /**
   * The first (up to) `limit` bytes of output, for reading a member's header without inflating
   * all of it. `compressed` may be a prefix of the stream. Optional: without it the whole member
   * is inflated.
   */
  inflateRawPrefix?(compressed: Uint8Array, limit: number): Promise<Uint8Array>;
}

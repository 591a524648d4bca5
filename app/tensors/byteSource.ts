/**
 * Random access to the bytes of a file, however they are stored. Parsers in app/ take one of
 * these and never touch the file system; main/ supplies file-backed sources, tests in-memory ones.
 */
export interface ByteSource {
  /** What to call the source in error messages (usually the file name). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; rejects if the range is outside the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function memoryByteSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
        return Promise.reject(new RangeError(`${name}: read of ${length} bytes at ${offset} is outside the ${bytes.length}-byte source`));
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

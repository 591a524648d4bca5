import { SeededRandom } from '../../app/samples/seededRandom';
/**
 * Seeded mutations of valid files: bit flips, bytes and length-like integers overwritten with
 * values that break parsers (0, 0xff, 2^31, 2^32, 2^63 ...), truncation, and splicing in
 * chunks of other files. Positions favour the first and last bytes, where headers, lengths and
 * zip directories live.
 */
export type Rng = () => number;

/** The project's seeded generator (app/samples/seededRandom), as a function. */
export function seededRng(seed: number): Rng {
  const random = new SeededRandom(seed);
  return () => random.uniform();
}

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Values that sit at the edges of length and offset fields. */
const INTERESTING: bigint[] = [0n, 1n, 2n, 7n, 8n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0xffffn, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];

function position(rng: Rng, length: number): number {
  // Headers live in the first bytes, zip directories in the last: favour both.
  const r = rng();
  if (r < 0.4) return int(rng, Math.min(length, 512));
  if (r < 0.6) return Math.max(0, length - 1 - int(rng, Math.min(length, 512)));
  return int(rng, length);
}

function writeInt(bytes: Uint8Array, at: number, value: bigint, width: number, bigEndian: boolean): void {
  for (let i = 0; i < width && at + i < bytes.length; i++) {
    const byte = Number((value >> BigInt(8 * i)) & 0xffn);
    bytes[bigEndian ? at + width - 1 - i : at + i] = byte;
  }
}

export type MutationName = 'bitflip' | 'byte' | 'integer' | 'truncate' | 'splice' | 'duplicate' | 'delete';

/** One mutated copy of `input`; `others` supply splice material. Returns the bytes and what was done. */
export function mutate(input: Uint8Array, others: readonly Uint8Array[], rng: Rng): { bytes: Uint8Array; steps: string[] } {
  let bytes = input.slice();
  const steps: string[] = [];
  const count = 1 + int(rng, 4);
  for (let k = 0; k < count && bytes.length > 0; k++) {
    const r = rng();
    if (r < 0.25) {
      const at = position(rng, bytes.length);
      const bit = int(rng, 8);
      bytes[at] ^= 1 << bit;
      steps.push(`bitflip@${at}.${bit}`);
    } else if (r < 0.4) {
      const at = position(rng, bytes.length);
      const v = [0, 0xff, 0x7f, 0x80, 0x01, 0xfe][int(rng, 6)];
      bytes[at] = v;
      steps.push(`byte@${at}=${v}`);
    } else if (r < 0.65) {
      const at = position(rng, bytes.length);
      const value = INTERESTING[int(rng, INTERESTING.length)] + BigInt(int(rng, 3) - 1);
      const width = [2, 4, 8][int(rng, 3)];
      const bigEndian = rng() < 0.2;
      writeInt(bytes, at, value & ((1n << BigInt(8 * width)) - 1n), width, bigEndian);
      steps.push(`int${width * 8}${bigEndian ? 'be' : 'le'}@${at}=${value}`);
    } else if (r < 0.75) {
      const length = int(rng, bytes.length);
      bytes = bytes.slice(0, length);
      steps.push(`truncate@${length}`);
    } else if (r < 0.88 && others.length > 0) {
      const other = others[int(rng, others.length)];
      if (other.length === 0) continue;
      const from = int(rng, other.length);
      const chunk = other.subarray(from, from + 1 + int(rng, 256));
      const at = position(rng, bytes.length);
      const out = new Uint8Array(bytes.length + chunk.length);
      out.set(bytes.subarray(0, at));
      out.set(chunk, at);
      out.set(bytes.subarray(at), at + chunk.length);
      bytes = out;
      steps.push(`splice@${at}+${chunk.length}`);
    } else if (r < 0.94) {
      const at = position(rng, bytes.length);
      const length = 1 + int(rng, 64);
      const chunk = bytes.slice(at, at + length);
      const out = new Uint8Array(bytes.length + chunk.length);
      out.set(bytes.subarray(0, at));
      out.set(chunk, at);
      out.set(bytes.subarray(at), at + chunk.length);
      bytes = out;
      steps.push(`duplicate@${at}+${chunk.length}`);
    } else {
      const at = position(rng, bytes.length);
      const end = Math.min(bytes.length, at + 1 + int(rng, 64));
      const out = new Uint8Array(bytes.length - (end - at));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(end), at);
      bytes = out;
      steps.push(`delete@${at}-${end - at}`);
    }
  }
  return { bytes, steps };
}

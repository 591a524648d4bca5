import { Fp4Error } from '../errors';
import type { ByteSource } from './byteSource';
import { ByteCursor, decodeUtf8, latin1, readU16, readU32 } from './byteCursor';
import { crc32 } from './crc32';
import type { RawInflater } from './inflate';

/**
 * A zip reader for the archives tensors come in (.npz, PyTorch's zip format): the central
 * directory (incl. ZIP64) is read at open, members on demand. Stored members are byte ranges of
 * the file (so a multi-GB .pt is read lazily); deflated ones go through the injected inflater.
 * Every size and offset is checked against the archive before anything is read or allocated.
 */
const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A central directory larger than this is not a tensor archive we can list. */
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;
/** DEFLATE cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;
/** Members inflated into memory at once (a deflated .npz member); stored ones have no limit. */
export const MAX_INFLATED_MEMBER = 2 ** 32 - 1;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

export function isZipMagic(head: Uint8Array): boolean {
  return head.length >= 4 && readU32(head, 0) === LOCAL_SIGNATURE;
}

export interface ZipMember {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  /** CRC-32 of the uncompressed bytes, checked when a deflated member is inflated whole. */
  readonly crc32: number;
}

export interface ZipArchive {
  readonly source: ByteSource;
  readonly members: readonly ZipMember[];
  find(name: string): ZipMember | undefined;
  /** The whole member, inflated if needed. */
  read(member: ZipMember): Promise<Uint8Array>;
  /** `length` bytes at `offset` inside a stored member, read straight from the file. */
  readRange(member: ZipMember, offset: number, length: number): Promise<Uint8Array>;
  /** The first bytes of a member (all of it if shorter), without inflating the rest when possible. */
  readPrefix(member: ZipMember, limit: number): Promise<Uint8Array>;
}

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function zipError(source: string, message: string): Fp4Error {
  return new Fp4Error('FORMAT', `${source}: not a valid zip archive: ${message}`);
}

async function findEndOfCentralDirectory(source: ByteSource): Promise<{ tail: Uint8Array; tailStart: number; at: number }> {
  if (source.size < EOCD_SIZE) throw zipError(source.name, `the file has ${source.size} bytes, too few for a zip directory`);
  const tailStart = Math.max(0, source.size - EOCD_SIZE - MAX_COMMENT);
  const tail = await source.read(tailStart, source.size - tailStart);
  // Scan backwards; the record's comment length must reach exactly to the end of the file.
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (readU32(tail, i) === EOCD_SIGNATURE && i + EOCD_SIZE + readU16(tail, i + 20) === tail.length) return { tail, tailStart, at: i };
  }
  throw zipError(source.name, 'no end-of-central-directory record (truncated, or not a zip)');
}

export async function openZipArchive(source: ByteSource, inflater?: RawInflater): Promise<ZipArchive> {
  const name = source.name;
  const fail = (message: string): Fp4Error => zipError(name, message);
  const { tail, tailStart, at } = await findEndOfCentralDirectory(source);
  let entryCount = readU16(tail, at + 10);
  let cdSize = readU32(tail, at + 12);
  let cdOffset = readU32(tail, at + 16);
  if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: a locator just before the record points at the 64-bit directory record.
    const locatorAt = tailStart + at - 20;
    if (locatorAt < 0) throw fail('ZIP64 sizes without a ZIP64 locator');
    const locator = await source.read(locatorAt, 20);
    if (readU32(locator, 0) !== ZIP64_LOCATOR_SIGNATURE) throw fail('ZIP64 sizes without a ZIP64 locator');
    const z64Offset = new ByteCursor(locator, fail, 8).u64('the ZIP64 record offset');
    if (z64Offset + 56 > source.size) throw fail(`the ZIP64 record offset ${z64Offset} lies outside the ${source.size}-byte file`);
    const record = new ByteCursor(await source.read(z64Offset, 56), fail);
    if (record.u32() !== ZIP64_EOCD_SIGNATURE) throw fail('the ZIP64 record has a wrong signature');
    record.skip(20);
    record.u64('the entry count on this disk');
    entryCount = record.u64('the entry count');
    cdSize = record.u64('the directory size');
    cdOffset = record.u64('the directory offset');
  }
  if (cdOffset + cdSize > source.size) throw fail(`the central directory [${cdOffset}, +${cdSize}] lies outside the ${source.size}-byte file`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw fail(`the central directory of ${cdSize} bytes exceeds the ${MAX_CENTRAL_DIRECTORY}-byte limit`);
  if (entryCount * 46 > cdSize) throw fail(`${entryCount} entries cannot fit a ${cdSize}-byte central directory`);
  const cd = new ByteCursor(await source.read(cdOffset, cdSize), fail);
  const members: ZipMember[] = [];
  for (let i = 0; i < entryCount; i++) {
    if (cd.u32('a directory entry') !== CENTRAL_SIGNATURE) throw fail(`directory entry ${i} has a wrong signature`);
    cd.skip(4); // versions
    const flags = cd.u16();
    const method = cd.u16();
    cd.skip(4); // time, date
    const memberCrc = cd.u32();
    let compressedSize = cd.u32();
    let size = cd.u32();
    const nameLength = cd.u16();
    const extraLength = cd.u16();
    const commentLength = cd.u16();
    cd.skip(8); // disk, attributes
    let localHeaderOffset = cd.u32();
    const nameBytes = cd.take(nameLength, 'a member name');
    const memberName = flags & 0x800 ? decodeUtf8(nameBytes, () => fail(`member ${i} has a name that is not UTF-8`)) : latin1(nameBytes);
    const extra = new ByteCursor(cd.take(extraLength, 'an extra field'), fail);
    cd.skip(commentLength, 'a member comment');
    // ZIP64 extended information: only the fields that overflowed, in this order.
    while (extra.remaining >= 4) {
      const id = extra.u16();
      const length = extra.u16();
      const field = new ByteCursor(extra.take(length, 'an extra field'), fail);
      if (id !== 0x0001) continue;
      if (size === 0xffffffff) size = field.u64('a ZIP64 size');
      if (compressedSize === 0xffffffff) compressedSize = field.u64('a ZIP64 compressed size');
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = field.u64('a ZIP64 offset');
    }
    if (flags & 0x1) throw new Fp4Error('UNSUPPORTED', `${name}: member '${memberName}' is encrypted`);
    if (localHeaderOffset + 30 + compressedSize > source.size) {
      throw fail(`member '${memberName}' (${compressedSize} bytes at ${localHeaderOffset}) lies outside the ${source.size}-byte file`);
    }
    members.push({ name: memberName, method, compressedSize, size, localHeaderOffset, crc32: memberCrc });
  }
  const byName = new Map(members.map((m) => [m.name, m]));

  const dataStart = async (m: ZipMember): Promise<number> => {
    const local = await source.read(m.localHeaderOffset, 30);
    if (readU32(local, 0) !== LOCAL_SIGNATURE) throw fail(`member '${m.name}' has no local header at offset ${m.localHeaderOffset}`);
    const start = m.localHeaderOffset + 30 + readU16(local, 26) + readU16(local, 28);
    if (start + m.compressedSize > source.size) throw fail(`member '${m.name}' data (${m.compressedSize} bytes at ${start}) runs past the end of the file`);
    return start;
  };
  const checkMethod = (m: ZipMember): void => {
    if (m.method === METHOD_STORED) {
      if (m.size !== m.compressedSize) throw fail(`stored member '${m.name}' declares ${m.size} bytes but occupies ${m.compressedSize}`);
      return;
    }
    if (m.method !== METHOD_DEFLATE) throw new Fp4Error('UNSUPPORTED', `${name}: member '${m.name}' uses compression method ${m.method}; only stored and deflate are supported`);
    if (!inflater) throw new Fp4Error('UNSUPPORTED', `${name}: member '${m.name}' is compressed and no decompressor is available here`);
    if (m.size > MAX_DEFLATE_RATIO * m.compressedSize + 1024) {
      throw fail(`member '${m.name}' claims to inflate ${m.compressedSize} bytes to ${m.size}, more than DEFLATE can`);
    }
    if (m.size > MAX_INFLATED_MEMBER) throw new Fp4Error('TOO_LARGE', `${name}: compressed member '${m.name}' inflates to ${m.size} bytes, more than can be held in memory`);
  };
  const inflate = async (m: ZipMember, compressed: Uint8Array): Promise<Uint8Array> => {
    let out: Uint8Array;
    try {
      out = await inflater!.inflateRaw(compressed, m.size);
    } catch (e) {
      throw fail(`member '${m.name}' does not inflate to its declared ${m.size} bytes (${(e as Error).message})`);
    }
    if (out.length !== m.size) throw fail(`member '${m.name}' inflates to ${out.length} bytes, not its declared ${m.size}`);
    const got = crc32(out);
    if (got !== m.crc32) throw fail(`member '${m.name}' is corrupt: its bytes have CRC-32 ${hex32(got)}, the directory says ${hex32(m.crc32)}`);
    return out;
  };

  return {
    source,
    members,
    find: (memberName) => byName.get(memberName),
    async read(m) {
      checkMethod(m);
      const start = await dataStart(m);
      const raw = await source.read(start, m.compressedSize);
      return m.method === METHOD_STORED ? raw : inflate(m, raw);
    },
    async readRange(m, offset, length) {
      if (m.method !== METHOD_STORED) throw new Fp4Error('UNSUPPORTED', `${name}: member '${m.name}' is compressed; ranged reads need a stored member`);
      checkMethod(m);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > m.size) {
        throw fail(`a read of ${length} bytes at ${offset} lies outside member '${m.name}' (${m.size} bytes)`);
      }
      return source.read((await dataStart(m)) + offset, length);
    },
    async readPrefix(m, limit) {
      checkMethod(m);
      const start = await dataStart(m);
      if (m.method === METHOD_STORED) return source.read(start, Math.min(limit, m.size));
      if (!inflater!.inflateRawPrefix) return (await inflate(m, await source.read(start, m.compressedSize))).subarray(0, limit);
      // DEFLATE expands incompressible data by at most 9/8 (fixed Huffman codes), so this much
      // compressed input yields `limit` bytes unless the member is shorter.
      const compressedPrefix = await source.read(start, Math.min(m.compressedSize, Math.ceil(limit * 1.25) + 1024));
      try {
        const out = await inflater!.inflateRawPrefix(compressedPrefix, Math.min(limit, m.size));
        return out.length > limit ? out.subarray(0, limit) : out;
      } catch (e) {
        throw fail(`member '${m.name}' is not valid DEFLATE data (${(e as Error).message})`);
      }
    },
  };
}

import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../app/tensors/crc32';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { serializeNpy } from '../../app/tensors/npy';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { concatChunks } from '../../app/tensors/safetensors';
import { gatherStrided } from '../../app/tensors/tensorLayout';
import { openZipArchive } from '../../app/tensors/zipArchive';
import { nodeInflater } from '../../main/io/nodeInflater';
import { buildZip, f32Bytes, u32 } from './tensorsBuilders';

const npy = (values: number[], shape: number[]): Uint8Array => concatChunks(serializeNpy('F32', shape, f32Bytes(values)));
const open = (bytes: Uint8Array, name = 'a.npz') => openTensorFile(memoryByteSource(bytes, name), { inflater: nodeInflater });

describe('zip archives', () => {
  it('reads ZIP64 directories (what multi-GB checkpoints use)', async () => {
    const f = await open(buildZip([{ name: 'x.npy', data: npy([1, 2, 3, 4], [2, 2]), zip64: true }]));
    expect(f.tensors[0]).toMatchObject({ name: 'x', shape: [2, 2] });
    expect(new Float32Array((await f.tensors[0].read()).slice().buffer)).toEqual(Float32Array.of(1, 2, 3, 4));
  });

  it('reads a deflated member lazily: the header at open, the data on read', async () => {
    const big = Array.from({ length: 100_000 }, (_, i) => Math.sin(i));
    let bytesRead = 0;
    const archive = buildZip([{ name: 'w.npy', data: npy(big, [200, 500]), deflate: true }]);
    const source = memoryByteSource(archive, 'c.npz');
    const counting = { ...source, read: (o: number, n: number) => ((bytesRead += n), source.read(o, n)) };
    const f = await openTensorFile(counting, { inflater: nodeInflater });
    expect(f.tensors[0].shape).toEqual([200, 500]);
    expect(bytesRead).toBeLessThan(archive.length / 2);
    expect(new Float32Array((await f.tensors[0].read()).slice().buffer)).toEqual(Float32Array.from(big));
  });

  it('checks a deflated member against its CRC-32: a corrupt one is named, a good one reads', async () => {
    const data = npy([1.5, -2, 3, 4.25], [2, 2]);
    const good = await open(buildZip([{ name: 'x.npy', data, deflate: true }]), 'good.npz');
    expect(new Float32Array((await good.tensors[0].read()).slice().buffer)).toEqual(Float32Array.of(1.5, -2, 3, 4.25));
    const corrupt = await open(buildZip([{ name: 'x.npy', data, deflate: true, crc32: (zlibCrc32(data) ^ 0x10) >>> 0 }]), 'bad.npz');
    await expect(corrupt.tensors[0].read()).rejects.toThrow(/^bad\.npz: not a valid zip archive: member 'x\.npy' is corrupt: its bytes have CRC-32 0x[0-9a-f]{8}, the directory says 0x[0-9a-f]{8}$/);
  });

  it('computes CRC-32 as zlib does', () => {
    let seed = 7;
    const bytes = Uint8Array.from({ length: 5000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const n of [0, 1, 7, 64, 4999, 5000]) expect(crc32(bytes.subarray(0, n))).toBe(zlibCrc32(bytes.subarray(0, n)));
  });

  it('refuses a member that claims more than DEFLATE can produce, before inflating', async () => {
    const archive = buildZip([{ name: 'w.npy', data: npy([1, 2], [2]), deflate: true }]);
    // Patch the central directory's uncompressed size to 4 GiB - 1.
    const cd = archive.lastIndexOf(0x50, archive.length - 22 - 46 + 3);
    const at = archive.findIndex((_, i) => archive[i] === 0x50 && archive[i + 1] === 0x4b && archive[i + 2] === 0x01 && archive[i + 3] === 0x02);
    expect(cd).toBeGreaterThan(0);
    archive.set(u32(0xfffffffe), at + 24);
    await expect(open(archive)).rejects.toThrow(/claims to inflate \d+ bytes to 4294967294, more than DEFLATE can/);
  });

  it('says which members are unusable: no .npy members, encryption, unknown methods, no inflater', async () => {
    await expect(open(buildZip([{ name: 'notes.txt', data: new Uint8Array(3) }]))).rejects.toThrow('a.npz: not a valid .npz file: the archive holds no .npy members (it has notes.txt)');
    const encrypted = buildZip([{ name: 'x.npy', data: npy([1], [1]) }]);
    const at = encrypted.findIndex((_, i) => encrypted[i] === 0x50 && encrypted[i + 1] === 0x4b && encrypted[i + 2] === 0x01 && encrypted[i + 3] === 0x02);
    encrypted[at + 8] |= 1;
    await expect(open(encrypted)).rejects.toThrow("member 'x.npy' is encrypted");
    const bzip = buildZip([{ name: 'x.npy', data: npy([1], [1]) }]);
    bzip[at + 10] = 12;
    await expect(open(bzip)).rejects.toThrow("member 'x.npy' uses compression method 12; only stored and deflate are supported");
    await expect(openTensorFile(memoryByteSource(buildZip([{ name: 'x.npy', data: npy([1], [1]), deflate: true }]), 'a.npz'))).rejects.toThrow('no decompressor is available here');
  });

  it('rejects directories that point outside the file', async () => {
    const archive = buildZip([{ name: 'x.npy', data: npy([1], [1]) }]);
    const eocd = archive.length - 22;
    archive.set(u32(0x7fffffff), eocd + 16);
    await expect(openZipArchive(memoryByteSource(archive, 'a.zip'))).rejects.toThrow(/the central directory \[2147483647, \+\d+\] lies outside the \d+-byte file/);
  });
});

describe('gatherStrided', () => {
  it('matches index arithmetic for random views of every element size', () => {
    for (const size of [1, 2, 4, 8]) {
      const shape = [3, 4, 5];
      const strides = [1, 3 * 2, 3]; // a permuted, padded view
      const span = 1 + (3 - 1) * 1 + (4 - 1) * 6 + (5 - 1) * 3;
      const src = Uint8Array.from({ length: span * size }, (_, i) => (i * 7 + 3) & 0xff);
      const out = gatherStrided(src, size, shape, strides);
      let k = 0;
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let l = 0; l < 5; l++, k++) {
            const from = (i * strides[0] + j * strides[1] + l * strides[2]) * size;
            expect([...out.subarray(k * size, (k + 1) * size)]).toEqual([...src.subarray(from, from + size)]);
          }
    }
  });
});

describe('sniffing', () => {
  const sniffed = (bytes: Uint8Array, name: string) => openTensorFile(memoryByteSource(bytes, name), { inflater: nodeInflater });

  it('names the formats it reads when the bytes match none', async () => {
    await expect(sniffed(new TextEncoder().encode('hello world, not a tensor'), 'notes.md')).rejects.toThrow(
      'notes.md: unrecognised file format; FP4 Lab reads .safetensors (and sharded *.index.json), .npy, .npz, PyTorch .pt/.pth/.bin (zip and legacy), .gguf, and .csv/.tsv/.txt text matrices',
    );
    await expect(sniffed(new Uint8Array(0), 'empty.pt')).rejects.toThrow(/^empty\.pt: the file is empty; FP4 Lab reads/);
    await expect(sniffed(new Uint8Array(64), 'model.gguf')).rejects.toThrow(/^model\.gguf: its first bytes are not those of a GGUF file \(corrupt or mislabelled\?\)/);
  });

  it('recognises pre-2018 tar checkpoints and says what to do', async () => {
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    await expect(sniffed(tar, 'old.pt')).rejects.toThrow('old.pt: a tar archive, which is how PyTorch saved checkpoints before 2018; re-save it with a current torch (torch.save(torch.load(f)))');
  });

  it('opens by bytes whatever the name says', async () => {
    const f = await sniffed(npy([1, 2], [2]), 'weights.bin');
    expect(f.format).toBe('npy');
  });
});

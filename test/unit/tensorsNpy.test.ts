import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { decodeToFloat32, readTensorAsMatrix } from '../../app/tensors/decode';
import { openNpy, serializeNpy } from '../../app/tensors/npy';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { concatChunks } from '../../app/tensors/safetensors';
import { nodeInflater } from '../../main/io/nodeInflater';
import { REPO_ROOT } from '../helpers/paths';

/** Files numpy wrote (see tensorsFixtures/README.md) against numpy's own reading of them. */
const dir = join(REPO_ROOT, 'test', 'unit', 'tensorsFixtures');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
const NUMPY_DTYPES: Record<string, string> = { float32: 'F32', float64: 'F64', float16: 'F16', int8: 'I8', int32: 'I32', int64: 'I64', uint16: 'U16', bool: 'BOOL' };

const open = (file: string) => openTensorFile(memoryByteSource(new Uint8Array(readFileSync(join(dir, file))), file), { inflater: nodeInflater });

describe('.npy and .npz written by numpy', () => {
  for (const [key, want] of Object.entries(expected)) {
    it(`${key}: ${want.dtype} ${JSON.stringify(want.shape)} as C-order little-endian values`, async () => {
      const [file, member] = key.split(':');
      const f = await open(file);
      const t = member ? f.tensors.find((e) => e.name === member)! : f.tensors[0];
      expect(t.dtype).toBe(NUMPY_DTYPES[want.dtype]);
      expect(t.shape).toEqual(want.shape);
      const bytes = await t.read();
      expect(bytes.length).toBe(t.byteLength);
      expect([...decodeToFloat32(bytes, t.dtype)]).toEqual(want.values.map((v) => Math.fround(v)));
    });
  }

  it.each([
    ['complex.npy', "complex.npy: arrays of complex ('<c8') are not supported; FP4 Lab reads float, integer and bool arrays"],
    ['objects.npy', "objects.npy: arrays of Python objects (a pickle) ('|O') are not supported; FP4 Lab reads float, integer and bool arrays"],
    ['structured.npy', `structured.npy: structured arrays (descr [["x","<f4"],["y","<i4"]]) are not supported; save a plain numeric array`],
  ])('%s is refused with a sentence naming its kind', async (file, message) => {
    await expect(open(file)).rejects.toMatchObject({ code: 'UNSUPPORTED', message });
  });

  it('a 1-D array is offered as one row, an integer array not at all', async () => {
    const vec = (await open('vector_f64.npy')).tensors[0];
    expect(await readTensorAsMatrix(vec, 'vector_f64.npy')).toMatchObject({ rows: 1, cols: 7 });
    await expect(readTensorAsMatrix((await open('int8.npy')).tensors[0], 'int8.npy')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('serializeNpy', () => {
  it.each([
    [[3, 4], 'F32'],
    [[], 'F32'],
    [[5], 'F64'],
    [[2, 0, 3], 'I32'],
    [[2, 3, 4], 'BOOL'],
  ] as const)('round-trips %j %s, with the data 64-byte aligned', async (shape, dtype) => {
    const count = shape.reduce((n: number, d: number) => n * d, 1);
    const size = { F32: 4, F64: 8, I32: 4, BOOL: 1 }[dtype];
    const data = Uint8Array.from({ length: count * size }, (_, i) => (dtype === 'BOOL' ? i % 2 : (i * 37) & 0xff));
    const chunks = serializeNpy(dtype, shape, data);
    expect(chunks[0].length % 64).toBe(0);
    expect(chunks[0][chunks[0].length - 1]).toBe(0x0a);
    const f = await openNpy(memoryByteSource(concatChunks(chunks), 'x.npy'));
    expect(f.tensors[0]).toMatchObject({ name: 'x', dtype, shape });
    expect(await f.tensors[0].read()).toEqual(data);
  });

  it('writes the header numpy writes for the same array', () => {
    // numpy.save(np.zeros((70, 130), np.float32)) begins with exactly these bytes (c_f32.npy in the corpus).
    const numpyHead = readFileSync(join(REPO_ROOT, 'shared', 'corpus', 'c_f32.npy')).subarray(0, 128);
    expect(Buffer.from(serializeNpy('F32', [70, 130], new Uint8Array(70 * 130 * 4))[0]).equals(numpyHead)).toBe(true);
  });

  it('refuses dtypes .npy has no name for, and data of the wrong length', () => {
    expect(() => serializeNpy('BF16', [2], new Uint8Array(4))).toThrow(/\.npy has no BF16 type/);
    expect(() => serializeNpy('F32', [2], new Uint8Array(4))).toThrow(/needs 8 bytes, got 4/);
  });
});

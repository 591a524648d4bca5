import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { concatChunks, openSafetensors, serializeSafetensors } from '../../app/tensors/safetensors';
import { DTYPE_ITEM_SIZE, type DType } from '../../app/tensors/dtypes';

function header(json: object, dataBytes = 0): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  return out;
}

const open = (bytes: Uint8Array) => openSafetensors(memoryByteSource(bytes, 'test.safetensors'));

describe('safetensors writer and reader', () => {
  it('round-trips every dtype, shapes incl. 0-d and empty, and metadata; header padded to 8 bytes', async () => {
    const tensors = (Object.keys(DTYPE_ITEM_SIZE) as DType[]).map((dtype, i) => {
      const shape = i % 3 === 0 ? [] : i % 3 === 1 ? [2, 3] : [0, 4];
      const n = shape.reduce((a, b) => a * b, 1) * DTYPE_ITEM_SIZE[dtype];
      return { name: `t.${dtype}`, dtype, shape, data: Uint8Array.from({ length: n }, (_, j) => (j * 37 + i) & 0xff) };
    });
    const bytes = concatChunks(serializeSafetensors(tensors, { who: 'fp4lab' }));
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const file = await open(bytes);
    expect(file.metadata).toEqual({ who: 'fp4lab' });
    for (const t of tensors) {
      const e = file.tensors.find((x) => x.name === t.name)!;
      expect(e.dtype).toBe(t.dtype);
      expect(e.shape).toEqual(t.shape);
      expect(await e.read()).toEqual(t.data);
    }
  });

  it('refuses duplicate names and data that does not match the shape', () => {
    const t = { name: 'x', dtype: 'F32' as const, shape: [2], data: new Uint8Array(8) };
    expect(() => serializeSafetensors([t, t])).toThrow(/appears twice/);
    expect(() => serializeSafetensors([{ ...t, data: new Uint8Array(7) }])).toThrow(/needs 8 bytes, got 7/);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /fewer than the 8-byte header length/],
    ['header length past the end', (() => { const b = header({}); new DataView(b.buffer).setUint32(0, 1000, true); return b; })(), /runs past the end/],
    ['absurd header length', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(4, 0x1000, true); return b; })(), /exceeds the 104857600-byte limit/],
    ['not JSON', (() => { const b = header({}); b[8] = 0x5b; return b; })(), /header is not JSON/],
    ['unknown dtype', header({ x: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, 16), /unknown dtype "F128"/],
    ['offsets past the data', header({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /lie outside the 8-byte data section/],
    ['size mismatch', header({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, 16), /needs 12 bytes but data_offsets \[0, 16\] span 16/],
    ['negative shape', header({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), /invalid shape/],
    ['overlap', header({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /overlap/],
    ['huge shape', header({ x: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, 8), /absurdly large/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`rejects a file with ${name}`, async () => {
      await expect(open(bytes)).rejects.toThrow(message);
      await expect(open(bytes)).rejects.toMatchObject({ code: 'FORMAT' });
    });
  }
});

import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { TEXT_MATRIX_MAX_BYTES } from '../../app/tensors/textMatrix';

const open = (text: string, name = 'm.csv') => openTensorFile(memoryByteSource(new TextEncoder().encode(text), name));
const values = async (text: string, name?: string): Promise<{ shape: readonly number[]; values: number[] }> => {
  const t = (await open(text, name)).tensors[0];
  return { shape: t.shape, values: [...new Float32Array((await t.read()).slice().buffer)] };
};

describe('text matrices', () => {
  it.each([
    ['comma', '1,2,3\n4,5,6\n', 'm.csv'],
    ['tab', '1\t2\t3\r\n4\t5\t6', 'm.tsv'],
    ['spaces, comments, blank lines', '# weights\n 1  2 3\n\n4 5   6\n', 'm.txt'],
    ['semicolons', '1;2;3\n4;5;6', 'm.csv'],
  ])('reads %s', async (_, text, name) => {
    expect(await values(text, name)).toEqual({ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] });
  });

  it('reads exponents, signs, inf and nan', async () => {
    const r = await values('-1.5e-3, +2, .5, inf, -Inf, nan');
    expect(r.values.slice(0, 5)).toEqual([Math.fround(-1.5e-3), 2, 0.5, Infinity, -Infinity]);
    expect(r.values[5]).toBeNaN();
  });

  it('names the tensor after the file', async () => {
    expect((await open('1', 'dir/weights.csv')).tensors[0].name).toBe('weights');
  });

  it.each([
    ['1,2\n3,x\n', 'm.csv: not a valid text matrix: line 2, column 2: \'x\' is not a number'],
    ['1,2\n3\n', 'm.csv: not a valid text matrix: line 2 has 1 values but the first row has 2'],
    ['1,,2', 'm.csv: not a valid text matrix: line 1, column 2: an empty value is not a number'],
    ['# nothing\n\n', 'm.csv: not a valid text matrix: it holds no rows of numbers'],
    ['a,b\n1,2', "m.csv: not a valid text matrix: line 1, column 1: 'a' is not a number"],
  ])('%j gives a line- and column-numbered error', async (text, message) => {
    await expect(open(text)).rejects.toMatchObject({ code: 'FORMAT', message });
  });

  it('refuses files over the size limit without reading them', async () => {
    // Only the sniffer's first bytes may be read.
    const head = new TextEncoder().encode('1,2,3,4,5,6,7,8,9');
    const source = { name: 'big.csv', size: TEXT_MATRIX_MAX_BYTES + 1, read: (o: number, n: number) => (n <= 512 ? Promise.resolve(head.subarray(o, o + n)) : Promise.reject(new Error('must not read'))) };
    await expect(openTensorFile(source)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});

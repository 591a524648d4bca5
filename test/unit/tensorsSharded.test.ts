import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { concatChunks, serializeSafetensors } from '../../app/tensors/safetensors';
import { openTensorFileAtPath } from '../../main/io/openTensorFileAtPath';
import { f32Bytes } from './tensorsBuilders';

const dir = mkdtempSync(join(tmpdir(), 'fp4lab-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shard(file: string, tensors: Record<string, number[]>): void {
  writeFileSync(join(dir, file), concatChunks(serializeSafetensors(Object.entries(tensors).map(([name, v]) => ({ name, dtype: 'F32', shape: [v.length], data: f32Bytes(v) })))));
}
function index(file: string, weightMap: Record<string, string>): string {
  writeFileSync(join(dir, file), JSON.stringify({ metadata: { total_size: 20 }, weight_map: weightMap }));
  return join(dir, file);
}

shard('model-00001-of-00002.safetensors', { 'a.weight': [1, 2], 'b.weight': [3] });
shard('model-00002-of-00002.safetensors', { 'c.weight': [4, 5] });

describe('sharded checkpoints (*.index.json)', () => {
  it('opens every shard as one tensor list, reading each tensor from its shard', async () => {
    const opened = await openTensorFileAtPath(
      index('model.safetensors.index.json', { 'a.weight': 'model-00001-of-00002.safetensors', 'c.weight': 'model-00002-of-00002.safetensors', 'b.weight': 'model-00001-of-00002.safetensors' }),
    );
    try {
      expect(opened.file.format).toBe('safetensors');
      expect(opened.file.tensors.map((t) => t.name)).toEqual(['a.weight', 'c.weight', 'b.weight']);
      expect(opened.file.metadata).toMatchObject({ shards: '2', total_size: '20' });
      const c = opened.file.tensors[1];
      expect([...new Float32Array((await c.read()).slice().buffer)]).toEqual([4, 5]);
    } finally {
      await opened.close();
    }
  });

  it('refuses shard names that leave the folder', async () => {
    await expect(openTensorFileAtPath(index('evil.index.json', { x: '../../etc/passwd' }))).rejects.toThrow(
      `evil.index.json: not a valid sharded-checkpoint index: weight_map['x'] is "../../etc/passwd"; shards must be file names in the index's folder`,
    );
  });

  it('names a tensor its shard lacks and a shard that is missing', async () => {
    await expect(openTensorFileAtPath(index('bad.index.json', { z: 'model-00002-of-00002.safetensors' }))).rejects.toThrow(
      "bad.index.json: not a valid sharded-checkpoint index: weight_map puts 'z' in model-00002-of-00002.safetensors, which has no such tensor",
    );
    await expect(openTensorFileAtPath(index('gone.index.json', { z: 'model-00003-of-00003.safetensors' }))).rejects.toThrow(/gone\.index\.json names shard 'model-00003-of-00003\.safetensors', which cannot be opened/);
  });
});

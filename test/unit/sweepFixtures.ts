import { writeFileSync } from 'node:fs';
import { float32ToBfloat16Bits } from '../../app/formats/bfloat16';
import { float32ToFloat16Bits } from '../../app/formats/float16';
import { SeededRandom } from '../../app/samples/seededRandom';
import { concatChunks, serializeSafetensors, type TensorToWrite } from '../../app/tensors/safetensors';

/** Seed of a test's random data: $FP4LAB_TEST_SEED to replay one, else fresh; always printed. */
export function testSeed(label: string): number {
  const fromEnv = process.env.FP4LAB_TEST_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) >>> 0 : Math.floor(Math.random() * 2 ** 32) >>> 0;
  process.stdout.write(`[${label}] seed ${seed} (replay with FP4LAB_TEST_SEED=${seed})\n`);
  return seed;
}

export interface FixtureTensor {
  readonly name: string;
  readonly dtype: 'BF16' | 'F16' | 'F32' | 'I64';
  readonly shape: readonly number[];
}

/** Values like a linear layer's weight: normal, a few outlier columns, scaled per tensor. */
function weightValues(rng: SeededRandom, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const cols = shape[shape.length - 1];
  const out = new Float32Array(n);
  const scale = 0.02 * (1 + rng.uniform() * 4);
  const outliers = new Set([rng.integer(0, cols), rng.integer(0, cols)]);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale * (outliers.has(i % cols) ? 10 : 1);
  return out;
}

function encode(dtype: FixtureTensor['dtype'], values: Float32Array): Uint8Array {
  switch (dtype) {
    case 'BF16':
      return new Uint8Array(Uint16Array.from(values, float32ToBfloat16Bits).buffer);
    case 'F16':
      return new Uint8Array(Uint16Array.from(values, float32ToFloat16Bits).buffer);
    case 'F32':
      return new Uint8Array(values.buffer.slice(0));
    case 'I64':
      return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(Math.round(v))).buffer);
  }
}

/** A small checkpoint: 2-D weights of odd and even shapes and dtypes, plus tensors a sweep skips. */
export const SMALL_CHECKPOINT: readonly FixtureTensor[] = [
  { name: 'embed_tokens.weight', dtype: 'BF16', shape: [96, 64] },
  { name: 'layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [64, 64] },
  { name: 'layers.0.input_layernorm.weight', dtype: 'F32', shape: [64] },
  { name: 'layers.0.mlp.up_proj.weight', dtype: 'F16', shape: [150, 64] },
  { name: 'layers.0.mlp.down_proj.weight', dtype: 'F32', shape: [64, 150] },
  { name: 'layers.0.position_ids', dtype: 'I64', shape: [1, 8] },
  { name: 'layers.1.self_attn.q_proj.weight', dtype: 'BF16', shape: [64, 64] },
  { name: 'layers.1.conv.weight', dtype: 'BF16', shape: [8, 4, 16] },
  { name: 'lm_head.weight', dtype: 'BF16', shape: [33, 64] },
];

/** Write a checkpoint of `tensors` with seeded values; returns the values as decoded fp32. */
export function writeCheckpoint(path: string, tensors: readonly FixtureTensor[], seed: number, edit?: (name: string, values: Float32Array) => void): void {
  const rng = new SeededRandom(seed);
  const items: TensorToWrite[] = tensors.map((t) => {
    const values = t.dtype === 'I64' ? Float32Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, (_, i) => i) : weightValues(rng, t.shape);
    edit?.(t.name, values);
    return { name: t.name, dtype: t.dtype, shape: [...t.shape], data: encode(t.dtype, values) };
  });
  writeFileSync(path, concatChunks(serializeSafetensors(items, { source: 'fp4lab sweep test fixture' })));
}

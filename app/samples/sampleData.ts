import { float32ToBfloat16Bits, roundToBfloat16 } from '../formats/bfloat16';
import { memoryByteSource } from '../tensors/byteSource';
import type { Matrix } from '../tensors/matrix';
import { openSafetensors, concatChunks, serializeSafetensors } from '../tensors/safetensors';
import type { TensorFile } from '../tensors/tensorFile';
import { SeededRandom } from './seededRandom';

/**
 * Built-in sample data, so the app is never empty: a linear layer's weight with a few outlier
 * input columns (the pattern that makes per-block scaling matter) and a heavy-tailed activation.
 * Deterministic (fixed seed); bf16 like most checkpoints.
 */
export const SAMPLE_FILE_NAME = 'sample: outlier weight + heavy-tailed activation';
export const SAMPLE_WEIGHT = 'layers.0.mlp.down_proj.weight';
export const SAMPLE_ACTIVATION = 'layers.0.mlp.down_proj.input';

export function sampleWeight(rows = 512, cols = 1024, seed = 20260101): Matrix {
  const rng = new SeededRandom(seed);
  const outlierCols = new Set<number>();
  while (outlierCols.size < Math.max(1, Math.floor(cols / 128))) outlierCols.add(rng.integer(0, cols));
  const data = new Float32Array(rows * cols);
  const std = 1 / Math.sqrt(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const scale = outlierCols.has(c) ? 12 * std : std;
      data[r * cols + c] = roundToBfloat16(rng.normal() * scale);
    }
  }
  return { rows, cols, data, dtype: 'bfloat16' };
}

export function sampleActivation(rows = 256, cols = 1024, seed = 20260102): Matrix {
  const rng = new SeededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = roundToBfloat16(rng.studentT(3));
  return { rows, cols, data, dtype: 'bfloat16' };
}

function bf16Bytes(m: Matrix): Uint8Array {
  return new Uint8Array(Uint16Array.from(m.data, float32ToBfloat16Bits).buffer);
}

/** The sample as a safetensors file in memory, opened like any other file. */
export async function openSampleFile(): Promise<TensorFile> {
  const w = sampleWeight();
  const x = sampleActivation();
  const bytes = concatChunks(
    serializeSafetensors(
      [
        { name: SAMPLE_WEIGHT, dtype: 'BF16', shape: [w.rows, w.cols], data: bf16Bytes(w) },
        { name: SAMPLE_ACTIVATION, dtype: 'BF16', shape: [x.rows, x.cols], data: bf16Bytes(x) },
      ],
      { description: 'FP4 Lab sample data (generated)' },
    ),
  );
  return openSafetensors(memoryByteSource(bytes, SAMPLE_FILE_NAME));
}

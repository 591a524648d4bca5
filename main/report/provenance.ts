import { createHash } from 'node:crypto';
import type { TensorProvenance } from '../../app/analysis/model';
import type { AnalysisInput } from '../../app/analysis/runAnalysis';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import { matrixShapeOf, readTensorAsMatrix } from '../../app/tensors/decode';
import { findTensor, type TensorFile } from '../../app/tensors/tensorFile';

/** sha256 of bytes, hex: provenance that lets a reader check they have the same tensor. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * One side of an analysis read from a file, with its provenance: file, tensor, shape, dtype and
 * the sha256 of the tensor's bytes as stored (read once: hashed, then decoded).
 * `fileLabel` is what the report shows and the Python snippet opens (the path as the user gave it).
 */
export async function readAnalysisInput(file: TensorFile, tensor: string, fileLabel: string, kwargs: Partial<QuantizeKwargs>): Promise<AnalysisInput> {
  const entry = findTensor(file, tensor);
  const bytes = await entry.read();
  const sha256 = sha256Hex(bytes);
  const matrix = await readTensorAsMatrix({ ...entry, read: async () => bytes }, file.name);
  const [rows, cols] = matrixShapeOf(entry.shape);
  const provenance: TensorProvenance = {
    file: fileLabel,
    tensor: entry.name,
    shape: [...entry.shape],
    dtype: entry.dtype,
    sha256,
    ...(entry.shape.length === 2 ? {} : { flattenedTo: [rows, cols] as const }),
  };
  return { matrix, request: { provenance, kwargs } };
}

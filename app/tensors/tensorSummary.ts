import type { TensorSummary } from '../api/contract';
import { matrixShapeOf } from './decode';
import { isQuantizable, type TensorEntry } from './tensorFile';

/**
 * A listed tensor as the UI and the service show it: the file's own type name (a GGUF Q8_0
 * shows as Q8_0), its bytes in the file, how it is offered as a matrix, and why not when it
 * cannot be quantized.
 */
export function summarizeTensor(t: TensorEntry): TensorSummary {
  const matrix = isQuantizable(t) ? matrixShapeOf(t.shape) : null;
  const note = t.encoding?.unsupported
    ? `${t.encoding.name} tensors cannot be decoded yet`
    : matrix === null
      ? `${t.dtype} is not quantizable (integer/bool)`
      : t.encoding
        ? `stored as ${t.encoding.name}, decoded to ${t.dtype}`
        : t.shape.length > 2
          ? `as matrix ${matrix[0]}x${matrix[1]}`
          : undefined;
  return {
    name: t.name,
    dtype: t.encoding?.name ?? t.dtype,
    shape: [...t.shape],
    bytes: t.encoding?.storedByteLength ?? t.byteLength,
    matrix,
    ...(note ? { note } : {}),
  };
}

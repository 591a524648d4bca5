import { Fp4Error } from '../../app/errors';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import { isFloatDType } from '../../app/tensors/dtypes';
import type { Matrix } from '../../app/tensors/matrix';
import { QUANTIZED_FILE_FORMAT, quantizedTensorNames, readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { findTensor, type TensorFile } from '../../app/tensors/tensorFile';
import type { MatmulOperand } from '../../app/matmul/fp4Matmul';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import { openTensorFileAtPath } from '../io/openTensorFileAtPath';

/** Pick a tensor by name, or the only floating-point one when no name is given. */
export function chooseTensorName(file: TensorFile, name: string | undefined, flag: string): string {
  if (name !== undefined) return findTensor(file, name).name;
  const floats = file.tensors.filter((t) => isFloatDType(t.dtype));
  if (floats.length === 1) return floats[0].name;
  const listed = floats.slice(0, 10).map((t) => `'${t.name}'`).join(', ');
  throw new Fp4Error('INVALID_ARGUMENT', `${file.name} holds ${floats.length} floating-point tensors; choose one with ${flag} (${listed}${floats.length > 10 ? ', ...' : ''})`);
}

export interface LoadedMatrix {
  readonly matrix: Matrix;
  readonly file: string;
  readonly tensor: string;
  readonly shape: readonly number[];
}

export async function loadMatrix(path: string, tensor: string | undefined, flag = '--tensor'): Promise<LoadedMatrix> {
  const opened = await openTensorFileAtPath(path);
  try {
    const name = chooseTensorName(opened.file, tensor, flag);
    const entry = findTensor(opened.file, name);
    return { matrix: await readTensorAsMatrix(entry, opened.file.name), file: path, tensor: name, shape: entry.shape };
  } finally {
    await opened.close();
  }
}

function isQuantizedFile(file: TensorFile): boolean {
  return file.metadata.format === QUANTIZED_FILE_FORMAT || quantizedTensorNames(file).length > 0;
}

/** One side of `fp4lab matmul`: a quantized-tensor file is used as packed, anything else is quantized. */
export async function loadMatmulOperand(path: string, tensor: string | undefined, side: 'a' | 'b', kwargs: Partial<QuantizeKwargs>): Promise<MatmulOperand> {
  const opened = await openTensorFileAtPath(path);
  try {
    if (isQuantizedFile(opened.file)) {
      const names = quantizedTensorNames(opened.file);
      const name = tensor ?? (names.length === 1 ? names[0] : undefined);
      if (name === undefined || !names.includes(name)) {
        throw new Fp4Error('INVALID_ARGUMENT', `${path} holds quantized tensors ${names.map((n) => `'${n || '(unnamed)'}'`).join(', ')}; choose one with --${side}-tensor`);
      }
      const q = await readQuantizedTensor(opened.file, name, kwargs.fp4_format);
      return { kind: 'quantized', quantized: q.quantized };
    }
    const name = chooseTensorName(opened.file, tensor, `--${side}-tensor`);
    const matrix = await readTensorAsMatrix(findTensor(opened.file, name), opened.file.name);
    return { kind: 'matrix', matrix, quantizeKwargs: kwargs };
  } finally {
    await opened.close();
  }
}

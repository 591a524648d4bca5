import { invalidArgument } from '../errors';
import { bfloat16BitsToFloat32, float32ToBfloat16Bits } from '../formats/bfloat16';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../formats/float16';

export const OUT_DTYPES = ['bfloat16', 'float16', 'float32'] as const;
export type OutDType = (typeof OUT_DTYPES)[number];

export function checkOutDtype(value: unknown): OutDType {
  if (typeof value === 'string' && (OUT_DTYPES as readonly string[]).includes(value)) return value as OutDType;
  throw invalidArgument(`out_dtype must be one of ${OUT_DTYPES.join(', ')}; got ${JSON.stringify(value)}`);
}

/** Round fp32 values to out_dtype (RNE): the values as fp32, plus the 16-bit patterns for bf16/fp16. */
export function castToOutDtype(values: Float32Array, dtype: OutDType): { data: Float32Array; bits: Uint16Array | null } {
  if (dtype === 'float32') return { data: values, bits: null };
  const bits = new Uint16Array(values.length);
  const data = new Float32Array(values.length);
  const encode = dtype === 'bfloat16' ? float32ToBfloat16Bits : float32ToFloat16Bits;
  const decode = dtype === 'bfloat16' ? bfloat16BitsToFloat32 : float16BitsToFloat32;
  for (let i = 0; i < values.length; i++) {
    bits[i] = encode(values[i]);
    data[i] = decode(bits[i]);
  }
  return { data, bits };
}

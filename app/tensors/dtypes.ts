/**
 * Element types of tensors in files, named as safetensors names them; every parser maps its
 * format's types onto these.
 */
export const DTYPE_ITEM_SIZE = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  U32: 4,
  I32: 4,
  U64: 8,
  I64: 8,
  BOOL: 1,
} as const;

export type DType = keyof typeof DTYPE_ITEM_SIZE;

export const FLOAT_DTYPES: readonly DType[] = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_ITEM_SIZE, value);
}

export function isFloatDType(dtype: DType): boolean {
  return FLOAT_DTYPES.includes(dtype);
}

export function itemSize(dtype: DType): number {
  return DTYPE_ITEM_SIZE[dtype];
}

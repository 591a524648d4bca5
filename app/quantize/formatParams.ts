import type { Fp4Format } from './kwargs';

/** Per-format constants: block length and the padding multiples of NUMERICS.md §5. */
export interface FormatParams {
  readonly blockSize: number;
  readonly rowMultiple: number;
  readonly colMultiple: number;
}

export const FORMAT_PARAMS: Record<Fp4Format, FormatParams> = {
  nvfp4: { blockSize: 16, rowMultiple: 128, colMultiple: 64 },
  mxfp4: { blockSize: 32, rowMultiple: 128, colMultiple: 128 },
};

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Shape after zero padding (applied after transpose): rows to 128, columns to 4 x block. */
export function paddedShape(rows: number, cols: number, format: Fp4Format): [number, number] {
  const p = FORMAT_PARAMS[format];
  return [roundUp(rows, p.rowMultiple), roundUp(cols, p.colMultiple)];
}

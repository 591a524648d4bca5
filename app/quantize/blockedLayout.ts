import { invalidArgument } from '../errors';

/**
 * The blocked ("128x4 swizzled") scale layout of cuBLAS / CUTLASS block-scaled GEMMs
 * (NUMERICS.md §5). Scales form a matrix S[rows][scaleCols]; it is stored in 512-byte tiles of
 * 128 rows x 4 scale columns, tiles row-major, and inside a tile row r goes to
 * (r % 32) * 16 + (r % 128 / 32) * 4 and column c to c % 4. This is the only place the
 * formula lives in TypeScript; native/include/fp4lab_layout.h is its C twin.
 */
export const SCALE_TILE_ROWS = 128;
export const SCALE_TILE_COLS = 4;
export const SCALE_TILE_BYTES = SCALE_TILE_ROWS * SCALE_TILE_COLS;

export function blockedScaleIndex(row: number, scaleCol: number, scaleCols: number): number {
  const tile = Math.floor(row / 128) * (scaleCols / 4) + Math.floor(scaleCol / 4);
  return tile * 512 + (row % 32) * 16 + Math.floor((row % 128) / 32) * 4 + (scaleCol % 4);
}

function checkScaleShape(rows: number, scaleCols: number, length: number, what: string): void {
  if (rows % SCALE_TILE_ROWS !== 0 || scaleCols % SCALE_TILE_COLS !== 0) {
    throw invalidArgument(`${what}: the blocked scale layout needs rows % 128 == 0 and scale columns % 4 == 0; got [${rows}, ${scaleCols}]`);
  }
  if (length !== rows * scaleCols) {
    throw invalidArgument(`${what}: expected ${rows * scaleCols} scale bytes for [${rows}, ${scaleCols}], got ${length}`);
  }
}

/** Row-major S[rows][scaleCols] -> blocked bytes. */
export function swizzleScales(rowMajor: Uint8Array, rows: number, scaleCols: number): Uint8Array {
  checkScaleShape(rows, scaleCols, rowMajor.length, 'swizzleScales');
  const out = new Uint8Array(rowMajor.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < scaleCols; c++) out[blockedScaleIndex(r, c, scaleCols)] = rowMajor[r * scaleCols + c];
  }
  return out;
}

/** Blocked bytes -> row-major S[rows][scaleCols]. */
export function unswizzleScales(blocked: Uint8Array, rows: number, scaleCols: number): Uint8Array {
  checkScaleShape(rows, scaleCols, blocked.length, 'unswizzleScales');
  const out = new Uint8Array(blocked.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < scaleCols; c++) out[r * scaleCols + c] = blocked[blockedScaleIndex(r, c, scaleCols)];
  }
  return out;
}

import { isBlockField, type FieldName } from '../analysis/fields';
import type { AnalysisResult, Heatmap } from '../analysis/model';
import type { PoolWindow } from '../analysis/pooling';
import type { HeatmapTarget } from '../analysis/workspace';

/**
 * A heatmap's visible region in element coordinates: element (r, c) covers [c, c+1) x [r, r+1).
 * Block fields are drawn in element coordinates too (a block spans its 16 or 32 columns), so
 * the scale map, the selection map and the error maps of one side line up and zoom together.
 */
export interface Viewport {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** How a field's columns map to element columns. */
export interface FieldGeometry {
  readonly fieldRows: number;
  readonly fieldCols: number;
  /** Element columns per field column: the block size for block fields, else 1. */
  readonly columnsPerCell: number;
  /** Logical element columns (the last block may be partial). */
  readonly elementCols: number;
}

/** Shape of a field of a result in the terms the heatmap needs (block fields in element columns). */
export function fieldGeometry(result: AnalysisResult, target: HeatmapTarget, field: FieldName): FieldGeometry | null {
  if (target === 'out') {
    if (!result.matmul) return null;
    const [rows, cols] = result.matmul.shape;
    return { fieldRows: rows, fieldCols: cols, columnsPerCell: 1, elementCols: cols };
  }
  const side = result[target];
  if (!side) return null;
  const [rows, cols] = side.shape;
  return isBlockField(field)
    ? { fieldRows: rows, fieldCols: side.blocks.gridCols, columnsPerCell: side.blocks.blockSize, elementCols: cols }
    : { fieldRows: rows, fieldCols: cols, columnsPerCell: 1, elementCols: cols };
}

/** The overview the result already carries for a field, if any (others are pooled on request). */
export function storedOverview(result: AnalysisResult, target: HeatmapTarget, field: FieldName): Heatmap | undefined {
  const overview: Partial<Record<FieldName, Heatmap>> | undefined = target === 'out' ? result.matmul?.overview : result[target]?.overview;
  return overview?.[field];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The field window (integer, half-open, non-empty) that covers a viewport; null viewport = all. */
export function poolWindowForViewport(viewport: Viewport | null, g: FieldGeometry): PoolWindow {
  if (!viewport) return { r0: 0, r1: g.fieldRows, c0: 0, c1: g.fieldCols };
  const r0 = clamp(Math.floor(Math.min(viewport.y0, viewport.y1)), 0, g.fieldRows - 1);
  const r1 = clamp(Math.ceil(Math.max(viewport.y0, viewport.y1)), r0 + 1, g.fieldRows);
  const c0 = clamp(Math.floor(Math.min(viewport.x0, viewport.x1) / g.columnsPerCell), 0, g.fieldCols - 1);
  const c1 = clamp(Math.ceil(Math.max(viewport.x0, viewport.x1) / g.columnsPerCell), c0 + 1, g.fieldCols);
  return { r0, r1, c0, c1 };
}

export function sameWindow(a: PoolWindow, b: PoolWindow): boolean {
  return a.r0 === b.r0 && a.r1 === b.r1 && a.c0 === b.c0 && a.c1 === b.c1;
}

/**
 * Whether a finer tile than `have` is worth fetching for `window` on a screen of maxRows x
 * maxCols cells: only when `have` pools more than one field value per cell where a tile would not.
 */
export function needsFinerTile(have: Heatmap, window: PoolWindow, maxRows: number, maxCols: number): boolean {
  const rowsPerCell = (window.r1 - window.r0) / Math.min(maxRows, window.r1 - window.r0);
  const colsPerCell = (window.c1 - window.c0) / Math.min(maxCols, window.c1 - window.c0);
  return have.cellRows > rowsPerCell * 1.01 || have.cellCols > colsPerCell * 1.01;
}

/** Cell boundaries of a pooled heatmap along one axis, exactly as poolField cut them. */
export function cellEdges(start: number, length: number, cells: number): number[] {
  const edges = new Array<number>(cells + 1);
  for (let j = 0; j <= cells; j++) edges[j] = start + Math.floor((j * length) / cells);
  return edges;
}

/** Where one heatmap cell lies: field rows/cols and element columns (all half-open). */
export interface CellExtent {
  readonly r0: number;
  readonly r1: number;
  readonly fc0: number;
  readonly fc1: number;
  readonly c0: number;
  readonly c1: number;
  readonly value: number;
}

export function cellExtent(h: Heatmap, i: number, j: number, g: Pick<FieldGeometry, 'columnsPerCell' | 'elementCols'>): CellExtent {
  const { r0: wr0, r1: wr1, c0: wc0, c1: wc1 } = h.window;
  const r0 = wr0 + Math.floor((i * (wr1 - wr0)) / h.rows);
  const r1 = wr0 + Math.floor(((i + 1) * (wr1 - wr0)) / h.rows);
  const fc0 = wc0 + Math.floor((j * (wc1 - wc0)) / h.cols);
  const fc1 = wc0 + Math.floor(((j + 1) * (wc1 - wc0)) / h.cols);
  return { r0, r1, fc0, fc1, c0: fc0 * g.columnsPerCell, c1: Math.min(g.elementCols, fc1 * g.columnsPerCell), value: h.data[i * h.cols + j] };
}

/**
 * The one quantization block a cell lies in, if it lies in one: rows within one scale tile
 * (tileRows: 1, or 16/32 for block_scale_2d) and element columns within one block.
 */
export function blockOfCell(cell: CellExtent, blockSize: number, tileRows: number): { row: number; blockCol: number } | null {
  const sameTile = Math.floor(cell.r0 / tileRows) === Math.floor((cell.r1 - 1) / tileRows);
  const sameBlock = Math.floor(cell.c0 / blockSize) === Math.floor((cell.c1 - 1) / blockSize);
  return sameTile && sameBlock ? { row: cell.r0, blockCol: Math.floor(cell.c0 / blockSize) } : null;
}

/** A viewport of about rows x blocks around a point, inside the matrix: one click from overview to blocks. */
export function viewportAround(x: number, y: number, rows: number, cols: number, matrixRows: number, matrixCols: number): Viewport {
  const w = Math.min(cols, matrixCols);
  const h = Math.min(rows, matrixRows);
  const x0 = clamp(Math.round(x - w / 2), 0, matrixCols - w);
  const y0 = clamp(Math.round(y - h / 2), 0, matrixRows - h);
  return { x0, x1: x0 + w, y0, y1: y0 + h };
}

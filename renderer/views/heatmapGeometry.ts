import type { FieldName } from '../../app/analysis/fields';
import type { AnalysisResult, Heatmap } from '../../app/analysis/model';
import type { HeatmapTarget } from '../../app/analysis/workspace';
import { isBlockFieldName } from '../../app/plots/fieldStyles';
import type { FieldGeometry } from '../../app/plots/viewport';

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
  return isBlockFieldName(field)
    ? { fieldRows: rows, fieldCols: side.blocks.gridCols, columnsPerCell: side.blocks.blockSize, elementCols: cols }
    : { fieldRows: rows, fieldCols: cols, columnsPerCell: 1, elementCols: cols };
}

/** The overview the result already carries for a field, if any. */
export function storedOverview(result: AnalysisResult, target: HeatmapTarget, field: FieldName): Heatmap | undefined {
  if (target === 'out') return (result.matmul?.overview as Partial<Record<FieldName, Heatmap>> | undefined)?.[field];
  return (result[target]?.overview as Partial<Record<FieldName, Heatmap>> | undefined)?.[field];
}

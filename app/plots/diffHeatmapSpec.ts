import type { PlotSpec } from './plotSpec';
import { baseLayout, themedAxis, type PlotTheme } from './theme';
import { cellEdges } from './viewport';

/**
 * |difference| between two backends' outputs, max-pooled. Cells where they agree exactly stay
 * blank, so an empty map means identical outputs and any colour marks a disagreement.
 */
export function diffHeatmapSpec(pooled: { rows: number; cols: number; data: ArrayLike<number> }, fieldRows: number, fieldCols: number, theme: PlotTheme): PlotSpec {
  // Zero (agreement) is left undrawn, so only disagreements are coloured.
  const z: (number | null)[][] = [];
  let max = 0;
  for (let i = 0; i < pooled.rows; i++) {
    const row: (number | null)[] = [];
    for (let j = 0; j < pooled.cols; j++) {
      const v = pooled.data[i * pooled.cols + j];
      row.push(v === 0 ? null : v);
      if (v > max) max = v;
    }
    z.push(row);
  }
  return {
    data: [
      {
        type: 'heatmap',
        z,
        x: cellEdges(0, fieldCols, pooled.cols),
        y: cellEdges(0, fieldRows, pooled.rows),
        colorscale: theme.sequential,
        zmin: 0,
        zmax: max > 0 ? max : 1,
        colorbar: { title: { text: '|Δ|', side: 'right' }, thickness: 12, outlinewidth: 0 },
        hoverongaps: false,
        hovertemplate: '|Δ| = %{z:.4g}<extra>max of cell</extra>',
      },
    ],
    layout: baseLayout(theme, {
      // Explicit ranges: an all-blank map (identical outputs) still spans the whole output.
      xaxis: themedAxis(theme, { title: { text: 'output column' }, range: [0, fieldCols], showgrid: false, zeroline: false }),
      yaxis: themedAxis(theme, { title: { text: 'output row' }, range: [fieldRows, 0], showgrid: false, zeroline: false }),
      margin: { l: 56, r: 8, t: 8, b: 40 },
    }),
  };
}

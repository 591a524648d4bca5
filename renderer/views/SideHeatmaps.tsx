import { useEffect, useMemo, useRef, useState } from 'react';
import type { Api } from '../../app/api/contract';
import type { FieldName } from '../../app/analysis/fields';
import type { AnalysisResult } from '../../app/analysis/model';
import type { ColorMode } from '../../app/plots/fieldStyles';
import { FIELD_STYLES } from '../../app/plots/fieldStyles';
import type { PlotTheme } from '../../app/plots/theme';
import { blockOfCell, viewportAround, type Viewport } from '../../app/plots/viewport';
import { BlockCard, type BlockRef } from './BlockCard';
import { HeatmapView, type HoveredCell } from './HeatmapView';

const ERROR_FIELDS: readonly { field: FieldName; label: string }[] = [
  { field: 'abs_error', label: '|error| per element' },
  { field: 'rel_error', label: 'relative error per element' },
  { field: 'signed_error', label: 'signed error per element' },
  { field: 'block_mse', label: 'MSE per block' },
  { field: 'block_max_abs', label: 'max |error| per block' },
];

/** Rows and blocks a click on a pooled cell zooms to: enough to see single blocks. */
const DRILL_ROWS = 32;
const DRILL_BLOCKS = 8;
/** A click waits this long for a second one: a double-click resets the zoom and must not pin. */
const DOUBLE_CLICK_MS = 300;

export interface SideHeatmapsProps {
  readonly api: Api;
  readonly result: AnalysisResult;
  readonly side: 'a' | 'b';
  readonly theme: PlotTheme;
  readonly viewport: Viewport | null;
  readonly onViewport: (v: Viewport | null) => void;
  readonly onPainted?: (analysisId: string) => void;
}

/**
 * One side's maps, zoomed and panned together: block scales, the 4-vs-6 choice, an error map
 * and the input. Hovering a block shows its story in the block card; clicking a pooled cell
 * zooms to it, clicking a single block pins it.
 */
export function SideHeatmaps(props: SideHeatmapsProps) {
  const { api, result, side, theme } = props;
  const [errorField, setErrorField] = useState<FieldName>('abs_error');
  const [errorLog, setErrorLog] = useState(true);
  const [hovered, setHovered] = useState<BlockRef | null>(null);
  const [pinned, setPinned] = useState<BlockRef | null>(null);
  const pendingClick = useRef<ReturnType<typeof setTimeout> | null>(null);
  const analysis = result[side];
  // A pinned block survives re-runs with other kwargs (to watch its choice change), not a new
  // block grid (another tensor, transpose, format or 2-D tiles).
  const grid = analysis ? `${side}:${analysis.shape.join('x')}:${analysis.blocks.blockSize}:${analysis.blocks.tileRows}` : side;
  useEffect(() => {
    setPinned(null);
    setHovered(null);
  }, [grid]);
  useEffect(() => () => clearTimeout(pendingClick.current ?? undefined), []);
  const shown = pinned ?? hovered;
  const { row: shownRow = -1, blockCol: shownCol = -1 } = shown ?? {};
  const highlight = useMemo(() => {
    if (shownRow < 0 || !analysis) return null;
    const { blockSize, tileRows } = analysis.blocks;
    const r0 = shownRow - (shownRow % tileRows);
    return { x0: shownCol * blockSize, x1: Math.min(analysis.shape[1], (shownCol + 1) * blockSize), y0: r0, y1: Math.min(analysis.shape[0], r0 + tileRows) };
  }, [shownRow, shownCol, analysis]);
  if (!analysis) return <p className="muted">This analysis has no side {side.toUpperCase()}.</p>;
  const { blockSize, tileRows } = analysis.blocks;

  const onHoverCell = (c: HoveredCell | null) => {
    if (!c) return; // keep the last block on screen so it can be read
    const b = blockOfCell(c.cell, blockSize, tileRows);
    // Same block, same object: nothing re-renders (a redraw in the middle of a double-click
    // would swallow it).
    if (b) setHovered((h) => (h && h.side === side && h.row === b.row && h.blockCol === b.blockCol ? h : { side, ...b }));
  };
  const onClickCell = (c: HoveredCell) => {
    clearTimeout(pendingClick.current ?? undefined);
    pendingClick.current = setTimeout(() => {
      const b = blockOfCell(c.cell, blockSize, tileRows);
      if (b) {
        setPinned((p) => (p && p.side === side && p.row === b.row && p.blockCol === b.blockCol ? p : { side, ...b }));
        return;
      }
      const [rows, cols] = analysis.shape;
      props.onViewport(viewportAround((c.cell.c0 + c.cell.c1) / 2, (c.cell.r0 + c.cell.r1) / 2, DRILL_ROWS, DRILL_BLOCKS * blockSize, rows, cols));
    }, DOUBLE_CLICK_MS);
  };
  const onDoubleClick = () => clearTimeout(pendingClick.current ?? undefined);
  const errorMode: ColorMode | undefined = FIELD_STYLES[errorField].color === 'diverging' ? undefined : errorLog ? 'log10' : 'linear';
  const common = { api, result, target: side, theme, viewport: props.viewport, onViewport: props.onViewport, onHoverCell, onClickCell, onDoubleClick, highlight } as const;
  const S = side.toUpperCase();
  return (
    <div className="side-heatmaps">
      <div className="heatmap-grid">
        <HeatmapView
          {...common}
          field="scale"
          testId="heatmap-scales"
          label={`Block scale factors of ${S}`}
          title={<span title={analysis.kwargs.fp4_format === 'nvfp4' ? 'effective scale = e4m3 block scale × normconst' : 'e8m0 block scale (a power of two)'}>Scale factors</span>}
          onPainted={props.onPainted}
        />
        <HeatmapView {...common} field="selection" testId="heatmap-selection" label={`4 vs 6 choice per block of ${S}`} title={`4 vs 6 · ${analysis.blocks.percentChoosing4.toFixed(1)}% → 4`} />
        <HeatmapView
          {...common}
          field={errorField}
          testId="heatmap-error"
          label={`Error map of ${S}: ${FIELD_STYLES[errorField].title}`}
          title="Error"
          colorMode={errorMode}
          controls={
            <div className="view-controls">
              <select aria-label={`Error map of ${S}`} value={errorField} onChange={(e) => setErrorField(e.target.value as FieldName)}>
                {ERROR_FIELDS.map((f) => (
                  <option key={f.field} value={f.field}>
                    {f.label}
                  </option>
                ))}
              </select>
              <label className="checkbox-label">
                <input type="checkbox" checked={errorLog} disabled={FIELD_STYLES[errorField].color === 'diverging'} onChange={(e) => setErrorLog(e.target.checked)} /> log
              </label>
            </div>
          }
        />
        <HeatmapView {...common} field="input" testId="heatmap-input" label={`Input of ${S} as quantized`} title={<span title="the values that were quantized: after transpose, padding and had">Input</span>} />
      </div>
      <BlockCard api={api} result={result} block={shown} pinned={pinned !== null} theme={theme} onUnpin={() => setPinned(null)} />
    </div>
  );
}

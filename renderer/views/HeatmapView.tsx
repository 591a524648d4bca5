import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { PlotHoverEvent, PlotMouseEvent, PlotRelayoutEvent } from 'plotly.js-dist-min';
import type { Api } from '../../app/api/contract';
import type { FieldName } from '../../app/analysis/fields';
import type { AnalysisResult, Heatmap } from '../../app/analysis/model';
import type { HeatmapTarget } from '../../app/analysis/workspace';
import type { ColorMode } from '../../app/plots/fieldStyles';
import { fieldHeatmapSpec } from '../../app/plots/heatmapSpec';
import type { PlotTheme } from '../../app/plots/theme';
import { cellExtent, fieldGeometry, needsFinerTile, poolWindowForViewport, storedOverview, type CellExtent, type Viewport } from '../../app/plots/viewport';
import { Plot } from '../plot/Plot';
import { useElementSize } from '../state/useElementSize';

/** Fields the result does not carry an overview of are fetched at this size first. */
const FETCHED_OVERVIEW_SIZE = 256;
/** Tiles are never larger than this per side (the service's limit is 2048). */
const MAX_TILE = 1024;
/** Space the plot takes for axes and the colour bar around the cells (CSS px). */
const PLOT_CHROME = { width: 150, height: 50 };

export interface HoveredCell {
  readonly target: HeatmapTarget;
  readonly field: FieldName;
  readonly cell: CellExtent;
  readonly cellRows: number;
  readonly cellCols: number;
}

export interface HeatmapViewProps {
  readonly api: Api;
  readonly result: AnalysisResult;
  readonly target: HeatmapTarget;
  readonly field: FieldName;
  readonly theme: PlotTheme;
  readonly title: ReactNode;
  readonly label: string;
  readonly testId: string;
  readonly viewport: Viewport | null;
  readonly onViewport: (v: Viewport | null) => void;
  readonly colorMode?: ColorMode;
  readonly controls?: ReactNode;
  readonly onHoverCell?: (cell: HoveredCell | null) => void;
  readonly onClickCell?: (cell: HoveredCell) => void;
  readonly onDoubleClick?: () => void;
  readonly highlight?: Viewport | null;
  readonly onPainted?: (analysisId: string) => void;
}

interface Tile {
  readonly key: string;
  readonly heatmap: Heatmap;
}

/** The viewport a plotly relayout event describes, given the one before it (null = everything). */
function viewportFromRelayout(e: PlotRelayoutEvent, before: Viewport | null, full: Viewport): Viewport | null | undefined {
  const ev = e as Record<string, unknown>;
  const num = (k: string) => (typeof ev[k] === 'number' ? (ev[k] as number) : undefined);
  const pair = (axis: 'xaxis' | 'yaxis'): [number, number] | null | undefined => {
    if (ev[`${axis}.autorange`] === true) return null;
    const r = ev[`${axis}.range`];
    if (Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number') return [r[0], r[1]];
    const lo = num(`${axis}.range[0]`);
    const hi = num(`${axis}.range[1]`);
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  };
  const x = pair('xaxis');
  const y = pair('yaxis');
  if (x === undefined && y === undefined) return undefined; // not a zoom/pan (e.g. a resize)
  const base = before ?? full;
  const xr = x === undefined ? [base.x0, base.x1] : x === null ? [full.x0, full.x1] : [Math.min(...x), Math.max(...x)];
  const yr = y === undefined ? [base.y0, base.y1] : y === null ? [full.y0, full.y1] : [Math.min(...y), Math.max(...y)];
  const v = { x0: xr[0], x1: xr[1], y0: yr[0], y1: yr[1] };
  return v.x0 <= full.x0 && v.x1 >= full.x1 && v.y0 <= full.y0 && v.y1 >= full.y1 ? null : v;
}

/**
 * One field of a result as a zoomable heatmap. The overview (the whole field pooled, carried in
 * the result or fetched once) is always drawn; on top, a tile of the visible window pooled to
 * screen resolution is fetched whenever the overview is coarser than the screen there, until
 * cells are single elements (or single blocks).
 */
export function HeatmapView(props: HeatmapViewProps) {
  const { api, result, target, field, viewport } = props;
  const geometry = useMemo(() => fieldGeometry(result, target, field), [result, target, field]);
  const box = useRef<HTMLDivElement>(null);
  const size = useElementSize(box);
  const [fetchedOverview, setFetchedOverview] = useState<Tile | null>(null);
  const [detail, setDetail] = useState<Tile | null>(null);
  const [error, setError] = useState<string | null>(null);
  const baseKey = `${result.id}:${target}:${field}`;
  const stored = storedOverview(result, target, field);
  const overview = stored ?? (fetchedOverview?.key === baseKey ? fetchedOverview.heatmap : undefined);

  useEffect(() => {
    if (stored || !geometry) return;
    let live = true;
    api
      .heatmap({ analysisId: result.id, target, field, maxRows: FETCHED_OVERVIEW_SIZE, maxCols: FETCHED_OVERVIEW_SIZE })
      .then((heatmap) => live && setFetchedOverview({ key: baseKey, heatmap }))
      .catch((e) => live && setError(e?.message ?? String(e)));
    return () => {
      live = false;
    };
  }, [api, result.id, target, field, stored, geometry, baseKey]);

  const maxRows = Math.min(MAX_TILE, Math.max(16, size.height - PLOT_CHROME.height));
  const maxCols = Math.min(MAX_TILE, Math.max(16, size.width - PLOT_CHROME.width));
  const window = geometry ? poolWindowForViewport(viewport, geometry) : null;
  const wantTile = Boolean(overview && window && size.width > 0 && needsFinerTile(overview, window, maxRows, maxCols));
  const tileKey = window ? `${baseKey}:${window.r0},${window.r1},${window.c0},${window.c1}:${maxRows}x${maxCols}` : '';

  useEffect(() => {
    if (!wantTile || !window) return;
    let live = true;
    // A short pause lets a wheel or drag settle before a tile is asked for.
    const timer = setTimeout(() => {
      api
        .heatmap({ analysisId: result.id, target, field, window, maxRows, maxCols })
        .then((heatmap) => live && setDetail({ key: tileKey, heatmap }))
        .catch((e) => live && setError(e?.message ?? String(e)));
    }, 60);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `window` is a new object each render; tileKey stands for it.
  }, [api, wantTile, tileKey]);

  // A tile is drawn while it still belongs to this result and field and overlaps the window.
  const shownDetail = detail && detail.key.startsWith(`${baseKey}:`) && wantTile ? detail.heatmap : null;
  const spec = useMemo(() => {
    if (!overview || !geometry) return null;
    return fieldHeatmapSpec({
      field,
      overview,
      detail: shownDetail,
      geometry,
      theme: props.theme,
      viewport,
      uirevision: `${target}:${field}`,
      colorMode: props.colorMode,
      highlight: props.highlight,
    });
  }, [overview, geometry, shownDetail, field, props.theme, viewport, target, props.colorMode, props.highlight]);

  const full: Viewport | null = geometry ? { x0: 0, x1: geometry.elementCols, y0: 0, y1: geometry.fieldRows } : null;
  const cellOf = (e: PlotHoverEvent | PlotMouseEvent): HoveredCell | null => {
    const p = e.points?.[0] as unknown as { curveNumber: number; pointIndex?: number[] } | undefined;
    if (!p || !Array.isArray(p.pointIndex) || !geometry) return null;
    const h = p.curveNumber === 1 && shownDetail ? shownDetail : overview;
    if (!h) return null;
    return { target, field, cell: cellExtent(h, p.pointIndex[0], p.pointIndex[1], geometry), cellRows: h.cellRows, cellCols: h.cellCols * geometry.columnsPerCell };
  };
  const painted = useRef<string | null>(null);

  return (
    <section className="heatmap-view" aria-label={props.label}>
      <header className="view-header">
        <h3>{props.title}</h3>
        {props.controls}
      </header>
      <div className="heatmap-box" ref={box} data-testid={props.testId} data-analysis-id={result.id} data-field={field} data-detail={shownDetail ? `${shownDetail.window.r0},${shownDetail.window.r1},${shownDetail.window.c0},${shownDetail.window.c1}` : ''} data-cell-rows={shownDetail?.cellRows ?? overview?.cellRows ?? ''}>
        {spec ? (
          <Plot
            spec={spec}
            label={props.label}
            scrollZoom
            onRelayout={(e) => {
              if (!full) return;
              const v = viewportFromRelayout(e, viewport, full);
              if (v !== undefined) props.onViewport(v);
            }}
            onHover={(e) => props.onHoverCell?.(cellOf(e))}
            onUnhover={() => props.onHoverCell?.(null)}
            onClick={(e) => {
              const c = cellOf(e);
              if (c) props.onClickCell?.(c);
            }}
            onDoubleClick={props.onDoubleClick}
            onPainted={() => {
              if (painted.current !== result.id) {
                painted.current = result.id;
                props.onPainted?.(result.id);
              }
            }}
          />
        ) : (
          <div className="placeholder muted">{error ?? (geometry ? 'loading…' : 'not part of this analysis')}</div>
        )}
      </div>
    </section>
  );
}

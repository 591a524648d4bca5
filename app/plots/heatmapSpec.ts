import { OUTPUT_FIELDS, type FieldName } from '../analysis/fields';
import type { Heatmap } from '../analysis/model';
import { FIELD_STYLES, colorRange, colorValue, type ColorMode } from './fieldStyles';
import { formatNumber, plotNumber } from './numberFormat';
import type { PlotSpec, PlotTrace } from './plotSpec';
import { baseLayout, themedAxis, type PlotTheme } from './theme';
import { cellEdges, type FieldGeometry, type Viewport } from './viewport';

export interface FieldHeatmapArgs {
  readonly field: FieldName;
  /** The whole field, pooled: always drawn, so panning never shows a hole. */
  readonly overview: Heatmap;
  /** A finer tile of the visible window, drawn over the overview. */
  readonly detail?: Heatmap | null;
  readonly geometry: FieldGeometry;
  readonly theme: PlotTheme;
  /** The zoomed region; none: the whole field. */
  readonly viewport?: Viewport | null;
  /** Plotly keeps zoom and other UI state while this stays the same (Plotly.react's uirevision). */
  readonly uirevision?: string;
  readonly colorMode?: ColorMode;
  /** A region to outline (the block the block card shows), in element coordinates. */
  readonly highlight?: Viewport | null;
  /**
   * Round the drawn numbers to this many significant digits (none: exact). The report embeds
   * every number in its HTML; 4 digits are what the hover shows and far finer than a colour.
   */
  readonly significantDigits?: number;
}

const OUTPUT_AXIS_TITLES = { x: 'B row (output column)', y: 'A row (output row)' };
const MATRIX_AXIS_TITLES = { x: 'column', y: 'row' };

/**
 * Ticks of a log axis or colour bar: integer exponents labelled with the values they stand for;
 * a range with fewer than three of those also gets the 2 and 5 (base 2: the 1.5) in between.
 */
export function logTicks(lo: number, hi: number, base: 2 | 10): { tickvals: number[]; ticktext: string[] } {
  const first = Math.floor(lo);
  const last = Math.ceil(hi);
  const tickvals: number[] = [];
  const integerTicks = Math.floor(hi + 1e-9) - Math.ceil(lo - 1e-9) + 1;
  const mantissas = integerTicks >= 3 ? [1] : base === 10 ? [1, 2, 5] : [1, 1.5];
  const step = Math.max(1, Math.ceil((last - first) / 6));
  for (let k = first; k <= last; k += step) {
    for (const m of mantissas) {
      const v = k + Math.log10(m) / Math.log10(base);
      if (v >= lo - 1e-9 && v <= hi + 1e-9) tickvals.push(v);
    }
  }
  if (tickvals.length === 0) tickvals.push((lo + hi) / 2);
  const decades = base === 10 && tickvals.every(Number.isInteger);
  const ticktext = tickvals.map((v) => (decades ? `1e${v}` : formatNumber(base ** v, 3)));
  return { tickvals, ticktext };
}

/** A slim colour bar without a title: the view's header names the field, the ticks carry values. */
function colorBar(mode: ColorMode, range: [number, number], theme: PlotTheme): Record<string, unknown> {
  const bar: Record<string, unknown> = { thickness: 10, xpad: 4, outlinewidth: 0, tickfont: { color: theme.muted, size: 11 } };
  if (mode === 'log2' || mode === 'log10') Object.assign(bar, logTicks(range[0], range[1], mode === 'log2' ? 2 : 10), { tickmode: 'array' });
  if (mode === 'percent4') Object.assign(bar, { tickmode: 'array', tickvals: [0, 50, 100], ticktext: ['all 6', '50%', 'all 4'] });
  return bar;
}

function colorScaleOf(mode: ColorMode, field: FieldName, theme: PlotTheme): PlotSpec['layout'][string] {
  if (mode === 'diverging') return theme.diverging;
  if (mode === 'percent4') return [
    [0, theme.six],
    [0.5, theme.grid],
    [1, theme.four],
  ];
  return field === 'scale' ? theme.scales : theme.sequential;
}

/** One pooled tile as a heatmap trace in element coordinates (cells are exactly the pooled ranges). */
function tileTrace(h: Heatmap, mode: ColorMode, g: FieldGeometry, label: string, name: string, digits: number | undefined): PlotTrace {
  // Log modes colour by the logarithm, so the value the hover shows travels as customdata; in the
  // other modes z is that value (or, for the selection, the percentage the hover prints).
  const log = mode === 'log2' || mode === 'log10';
  const z: (number | null)[][] = [];
  const raw: (number | null)[][] = [];
  const round = (v: number | null): number | null => (digits === undefined || v === null ? v : plotNumber(v, digits));
  for (let i = 0; i < h.rows; i++) {
    const zr = new Array<number | null>(h.cols);
    const rr = log ? new Array<number | null>(h.cols) : null;
    for (let j = 0; j < h.cols; j++) {
      const v = h.data[i * h.cols + j];
      zr[j] = round(colorValue(mode, v));
      if (rr) rr[j] = round(v);
    }
    z.push(zr);
    if (rr) raw.push(rr);
  }
  const x = cellEdges(h.window.c0, h.window.c1 - h.window.c0, h.cols).map((c) => Math.min(g.elementCols, c * g.columnsPerCell));
  const y = cellEdges(h.window.r0, h.window.r1 - h.window.r0, h.rows);
  const shown = mode === 'percent4' ? '%{z:.0f}% of blocks scaled to 4' : `${label} = %{${log ? 'customdata' : 'z'}:.4g}`;
  return {
    type: 'heatmap',
    name,
    z,
    x,
    y,
    ...(log ? { customdata: raw } : {}),
    coloraxis: 'coloraxis',
    zsmooth: false,
    hoverongaps: false,
    hovertemplate: `${shown}<extra>${h.reduce === 'mean' || (h.cellRows === 1 && h.cellCols === 1) ? '' : `${h.reduce} of cell`}</extra>`,
  };
}

/**
 * A field as a heatmap: the overview underneath, the detail tile on top, one colour axis whose
 * range comes from the overview (so colours mean the same at every zoom level).
 */
export function fieldHeatmapSpec(args: FieldHeatmapArgs): PlotSpec {
  const { field, overview, detail, geometry: g, theme, significantDigits: digits } = args;
  const viewport = args.viewport ?? null;
  const style = FIELD_STYLES[field];
  const mode = args.colorMode ?? style.color;
  const range = colorRange(mode, overview.data);
  const data = [tileTrace(overview, mode, g, style.valueLabel, 'overview', digits)];
  if (detail) data.push(tileTrace(detail, mode, g, style.valueLabel, 'detail', digits));
  const titles = (OUTPUT_FIELDS as readonly string[]).includes(field) ? OUTPUT_AXIS_TITLES : MATRIX_AXIS_TITLES;
  return {
    data,
    layout: baseLayout(theme, {
      uirevision: args.uirevision,
      dragmode: 'zoom',
      coloraxis: {
        colorscale: colorScaleOf(mode, field, theme),
        cmin: range[0],
        cmax: range[1],
        colorbar: colorBar(mode, range, theme),
      },
      xaxis: themedAxis(theme, {
        title: { text: titles.x },
        showgrid: false,
        zeroline: false,
        ...(viewport ? { range: [viewport.x0, viewport.x1], autorange: false } : { autorange: true }),
      }),
      yaxis: themedAxis(theme, {
        title: { text: titles.y },
        showgrid: false,
        zeroline: false,
        ...(viewport ? { range: [viewport.y1, viewport.y0], autorange: false } : { autorange: 'reversed' }),
      }),
      // A light line under a dark one: the outline reads on every colour of every scale.
      shapes: args.highlight
        ? ['#ffffff', '#000000'].map((color, i) => ({ type: 'rect', ...args.highlight, line: { color, width: i === 0 ? 3.5 : 1.5 }, fillcolor: 'rgba(0,0,0,0)' }))
        : [],
      margin: { l: 48, r: 8, t: 8, b: 40 },
    }),
  };
}

import type { ColorScale, PlotLayout, PlotSpec } from './plotSpec';

/**
 * Colours the plot specs use, so one spec serves the light and the dark UI (and the report).
 * Scales are chosen for reading magnitudes: sequential ones are perceptually uniform and
 * colour-blind safe (viridis, cividis), the diverging one is symmetric around zero.
 */
export interface PlotTheme {
  readonly name: 'light' | 'dark';
  readonly paper: string;
  readonly plot: string;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
  readonly sideA: string;
  readonly sideB: string;
  readonly output: string;
  /** Blocks scaled to 4 and to 6 (the selection map, the block card). */
  readonly four: string;
  readonly six: string;
  readonly sequential: ColorScale;
  readonly scales: ColorScale;
  readonly diverging: ColorScale;
}

const VIRIDIS: ColorScale = [
  [0, '#440154'],
  [0.125, '#472d7b'],
  [0.25, '#3b528b'],
  [0.375, '#2c728e'],
  [0.5, '#21918c'],
  [0.625, '#28ae80'],
  [0.75, '#5ec962'],
  [0.875, '#addc30'],
  [1, '#fde725'],
];

const CIVIDIS: ColorScale = [
  [0, '#00224e'],
  [0.25, '#3d4d6b'],
  [0.5, '#7c7b78'],
  [0.75, '#bcaf6f'],
  [1, '#fee838'],
];

/** Blue - neutral - red; the neutral stop follows the background so zero reads as "nothing". */
function diverging(neutral: string): ColorScale {
  return [
    [0, '#2166ac'],
    [0.25, '#67a9cf'],
    [0.5, neutral],
    [0.75, '#ef8a62'],
    [1, '#b2182b'],
  ];
}

export const LIGHT_THEME: PlotTheme = {
  name: 'light',
  paper: '#ffffff',
  plot: '#ffffff',
  text: '#1f2328',
  muted: '#59636e',
  grid: '#d8dee4',
  sideA: '#1f6feb',
  sideB: '#d2691e',
  output: '#8250df',
  four: '#e36209',
  six: '#0969da',
  sequential: VIRIDIS,
  scales: CIVIDIS,
  diverging: diverging('#f7f7f7'),
};

export const DARK_THEME: PlotTheme = {
  name: 'dark',
  paper: '#161b22',
  plot: '#161b22',
  text: '#e6edf3',
  muted: '#9198a1',
  grid: '#30363d',
  sideA: '#58a6ff',
  sideB: '#f0883e',
  output: '#bc8cff',
  four: '#f0883e',
  six: '#58a6ff',
  sequential: VIRIDIS,
  scales: CIVIDIS,
  diverging: diverging('#2d333b'),
};

/** One colour per variant (a sweep's lines, its table's swatches), stable across plots: Okabe–Ito, readable by colour-blind people. */
export const VARIANT_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export function plotTheme(name: 'light' | 'dark'): PlotTheme {
  return name === 'dark' ? DARK_THEME : LIGHT_THEME;
}

/** Layout keys every spec shares: colours, font, tight margins. */
export function baseLayout(theme: PlotTheme, extra: PlotLayout = {}): PlotLayout {
  return {
    paper_bgcolor: theme.paper,
    plot_bgcolor: theme.plot,
    font: { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 12, color: theme.text },
    margin: { l: 56, r: 16, t: 28, b: 44 },
    hoverlabel: { font: { family: 'ui-monospace, SFMono-Regular, Menlo, monospace', size: 12 } },
    ...extra,
  };
}

/** An axis in the theme's colours. */
export function themedAxis(theme: PlotTheme, extra: PlotLayout = {}): PlotLayout {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, tickcolor: theme.grid, color: theme.muted, ...extra };
}

/**
 * A spec with its title drawn above the plot, for pages that show plots without a header of their
 * own (the report); the app's views name their plots in the page.
 */
export function titledSpec(spec: PlotSpec, title: string): PlotSpec {
  const margin = (spec.layout.margin ?? {}) as { t?: number };
  return {
    data: spec.data,
    layout: { ...spec.layout, title: { text: title, font: { size: 14 }, x: 0, xref: 'paper', xanchor: 'left' }, margin: { ...margin, t: Math.max(margin.t ?? 0, 40) } },
  };
}

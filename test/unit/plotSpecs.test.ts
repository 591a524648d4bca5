import { describe, expect, it } from 'vitest';
import { heatmapOf } from '../../app/analysis/heatmaps';
import { arrayField, poolField } from '../../app/analysis/pooling';
import { colorRange, colorValue } from '../../app/plots/fieldStyles';
import { fieldHeatmapSpec, logTicks } from '../../app/plots/heatmapSpec';
import { formatNumber } from '../../app/plots/numberFormat';
import { BASELINE_VARIANT, ruleComparisonSpec } from '../../app/plots/ruleComparisonSpec';
import { LIGHT_THEME } from '../../app/plots/theme';
import { blockOfCell, cellEdges, cellExtent, needsFinerTile, poolWindowForViewport, viewportAround } from '../../app/plots/viewport';
import { SeededRandom } from '../../app/samples/seededRandom';
import type { RuleComparisonRow } from '../../app/analysis/model';
import { diffHeatmapSpec } from '../../app/plots/diffHeatmapSpec';
import { countDifferingBytes } from '../../renderer/views/backendDiff';

const seed = 20260611;
console.log(`plot spec tests: seed ${seed}`);

function randomField(rows: number, cols: number, rng: SeededRandom) {
  const data = Float32Array.from({ length: rows * cols }, () => rng.normal());
  return arrayField(data, rows, cols);
}

describe('viewport and tile geometry', () => {
  it('cell edges and cell extents are exactly the ranges poolField reduced', async () => {
    const rng = new SeededRandom(seed);
    for (let trial = 0; trial < 20; trial++) {
      const rows = 1 + rng.integer(0, 90);
      const cols = 1 + rng.integer(0, 90);
      const field = randomField(rows, cols, rng);
      const r0 = rng.integer(0, rows);
      const c0 = rng.integer(0, cols);
      const window = { r0, r1: r0 + 1 + rng.integer(0, rows - r0), c0, c1: c0 + 1 + rng.integer(0, cols - c0) };
      const h = await heatmapOf('input', field, 1 + rng.integer(0, 12), 1 + rng.integer(0, 12), window, 'max');
      const xEdges = cellEdges(window.c0, window.c1 - window.c0, h.cols);
      const yEdges = cellEdges(window.r0, window.r1 - window.r0, h.rows);
      expect(xEdges[0]).toBe(window.c0);
      expect(xEdges[h.cols]).toBe(window.c1);
      for (let i = 0; i < h.rows; i++) {
        for (let j = 0; j < h.cols; j++) {
          const cell = cellExtent(h, i, j, { columnsPerCell: 1, elementCols: cols });
          expect([cell.r0, cell.r1, cell.c0, cell.c1]).toEqual([yEdges[i], yEdges[i + 1], xEdges[j], xEdges[j + 1]]);
          // the cell's value is the max over exactly that range
          const single = poolField(field, { r0: cell.r0, r1: cell.r1, c0: cell.c0, c1: cell.c1 }, 1, 1, 'max');
          expect(cell.value).toBe(Math.fround(single.data[0]));
        }
      }
    }
  });

  it('maps a viewport in element coordinates onto the field window, block fields rounded out to whole blocks', () => {
    const blocks = { fieldRows: 512, fieldCols: 64, columnsPerCell: 16, elementCols: 1024 };
    expect(poolWindowForViewport(null, blocks)).toEqual({ r0: 0, r1: 512, c0: 0, c1: 64 });
    expect(poolWindowForViewport({ x0: 300.5, x1: 387.2, y0: 150.4, y1: 184.9 }, blocks)).toEqual({ r0: 150, r1: 185, c0: 18, c1: 25 });
    // reversed ranges (plotly's reversed y axis) and ranges past the edges
    expect(poolWindowForViewport({ x0: 2000, x1: -5, y0: 600, y1: -3 }, blocks)).toEqual({ r0: 0, r1: 512, c0: 0, c1: 64 });
    // a viewport thinner than one cell still gives a non-empty window
    expect(poolWindowForViewport({ x0: 10.2, x1: 10.3, y0: 5.5, y1: 5.6 }, { fieldRows: 8, fieldCols: 16, columnsPerCell: 1, elementCols: 16 })).toEqual({ r0: 5, r1: 6, c0: 10, c1: 11 });
  });

  it('asks for a finer tile only while the drawn one pools more than the screen needs', async () => {
    const field = randomField(512, 1024, new SeededRandom(seed + 1));
    const overview = await heatmapOf('input', field, 128, 128);
    const all = { r0: 0, r1: 512, c0: 0, c1: 1024 };
    expect(needsFinerTile(overview, all, 400, 600)).toBe(true);
    expect(needsFinerTile(overview, all, 128, 128)).toBe(false);
    const zoomed = { r0: 100, r1: 140, c0: 200, c1: 300 };
    const tile = await heatmapOf('input', field, 400, 600, zoomed);
    expect(tile.cellRows).toBe(1);
    expect(needsFinerTile(tile, zoomed, 400, 600)).toBe(false);
  });

  it('finds the one block a cell lies in, and none for a cell spanning blocks', () => {
    const cell = (r0: number, r1: number, c0: number, c1: number) => ({ r0, r1, fc0: c0, fc1: c1, c0, c1, value: 0 });
    expect(blockOfCell(cell(7, 8, 32, 40), 16, 1)).toEqual({ row: 7, blockCol: 2 });
    expect(blockOfCell(cell(7, 9, 32, 40), 16, 1)).toBeNull();
    expect(blockOfCell(cell(7, 8, 30, 34), 16, 1)).toBeNull();
    // 2-D tiles: rows inside one 16-row tile share the block
    expect(blockOfCell(cell(16, 20, 0, 16), 16, 16)).toEqual({ row: 16, blockCol: 0 });
    expect(blockOfCell(cell(15, 17, 0, 16), 16, 16)).toBeNull();
  });

  it('zooms to a region around a click that stays inside the matrix', () => {
    expect(viewportAround(5, 5, 32, 128, 512, 1024)).toEqual({ x0: 0, x1: 128, y0: 0, y1: 32 });
    expect(viewportAround(1020, 510, 32, 128, 512, 1024)).toEqual({ x0: 896, x1: 1024, y0: 480, y1: 512 });
    expect(viewportAround(50, 3, 32, 128, 8, 64)).toEqual({ x0: 0, x1: 64, y0: 0, y1: 8 });
  });
});

describe('colour modes', () => {
  it('maps values to colours: logs skip zeros, the selection becomes the share of 4s', () => {
    expect(colorValue('log2', 0.25)).toBe(-2);
    expect(colorValue('log2', 0)).toBeNull();
    expect(colorValue('log10', 1e-3)).toBeCloseTo(-3, 12);
    expect(colorValue('percent4', 4)).toBe(100);
    expect(colorValue('percent4', 6)).toBe(0);
    expect(colorValue('percent4', 5)).toBe(50);
    expect(colorValue('diverging', -3)).toBe(-3);
    expect(colorValue('linear', Number.NaN)).toBeNull();
  });

  it('spans colour ranges symmetric for signed values and over the finite logs otherwise', () => {
    expect(colorRange('diverging', [-1, 0.5, 3])).toEqual([-3, 3]);
    expect(colorRange('log2', [0, 0.25, 4])).toEqual([-2, 2]);
    expect(colorRange('percent4', [4, 6])).toEqual([0, 100]);
    expect(colorRange('linear', [2, 2])).toEqual([0, 2]);
    expect(colorRange('log10', [0, 0])).toEqual([0, 1]);
  });

  it('labels log ticks with the values they stand for', () => {
    const octaves = logTicks(-8, -2, 2);
    expect(octaves.tickvals).toEqual([-8, -7, -6, -5, -4, -3, -2]);
    expect(octaves.ticktext.slice(-3)).toEqual(['0.0625', '0.125', '0.25']);
    expect(logTicks(-2, -1, 2).ticktext).toEqual(['0.25', '0.375', '0.5']);
    const short = logTicks(-2.2, -0.9, 10);
    expect(short.ticktext).toEqual(['0.01', '0.02', '0.05', '0.1']);
    const wide = logTicks(-7, 1, 10);
    expect(wide.ticktext.every((t) => /^1e-?\d+$/.test(t))).toBe(true);
  });
});

describe('field heatmap spec', () => {
  it('draws block fields in element columns, the last block clamped to the matrix', async () => {
    const rows = 3;
    const gridCols = 3; // 40 columns in blocks of 16
    const field = arrayField(Float32Array.of(1, 2, 4, 8, 16, 32, 0.5, 0.25, 0), rows, gridCols);
    const overview = await heatmapOf('scale', field, 128, 128);
    const spec = fieldHeatmapSpec({
      field: 'scale',
      overview,
      geometry: { fieldRows: rows, fieldCols: gridCols, columnsPerCell: 16, elementCols: 40 },
      theme: LIGHT_THEME,
      viewport: null,
      uirevision: 'a:scale',
      highlight: { x0: 16, x1: 32, y0: 1, y1: 2 },
    });
    expect(spec.data).toHaveLength(1);
    const trace = spec.data[0] as { x: number[]; y: number[]; z: (number | null)[][]; customdata: number[][] };
    expect(trace.x).toEqual([0, 16, 32, 40]);
    expect(trace.y).toEqual([0, 1, 2, 3]);
    expect(trace.z[0]).toEqual([0, 1, 2]);
    expect(trace.z[2][2]).toBeNull(); // an all-zero block has no log scale
    expect(trace.customdata[2][2]).toBe(0);
    const layout = spec.layout as { coloraxis: { cmin: number; cmax: number }; yaxis: { autorange: unknown }; shapes: unknown[]; uirevision: string };
    expect([layout.coloraxis.cmin, layout.coloraxis.cmax]).toEqual([-2, 5]);
    expect(layout.yaxis.autorange).toBe('reversed');
    expect(layout.shapes).toHaveLength(2);
    expect(layout.uirevision).toBe('a:scale');
  });

  it('layers a detail tile over the overview and follows the viewport', async () => {
    const field = randomField(64, 64, new SeededRandom(seed + 2));
    const overview = await heatmapOf('signed_error', field, 8, 8);
    const detail = await heatmapOf('signed_error', field, 64, 64, { r0: 8, r1: 16, c0: 8, c1: 24 });
    const spec = fieldHeatmapSpec({
      field: 'signed_error',
      overview,
      detail,
      geometry: { fieldRows: 64, fieldCols: 64, columnsPerCell: 1, elementCols: 64 },
      theme: LIGHT_THEME,
      viewport: { x0: 8, x1: 24, y0: 8, y1: 16 },
      uirevision: 'a:signed_error',
    });
    expect(spec.data.map((t) => t.name)).toEqual(['overview', 'detail']);
    const layout = spec.layout as { xaxis: { range: number[] }; yaxis: { range: number[] }; coloraxis: { cmin: number; cmax: number } };
    expect(layout.xaxis.range).toEqual([8, 24]);
    expect(layout.yaxis.range).toEqual([16, 8]);
    expect(layout.coloraxis.cmin).toBe(-layout.coloraxis.cmax);
  });
});

describe('rule comparison spec', () => {
  it('shows MSE as a multiple of plain NVFP4 and marks the current rule', () => {
    const row = (fp4_format: 'nvfp4' | 'mxfp4', scale_rule: RuleComparisonRow['scale_rule'], mse: number, pct: number): RuleComparisonRow => ({
      fp4_format,
      scale_rule,
      percentChoosing4: pct,
      metrics: { count: 1, mse, rmse: Math.sqrt(mse), sqnrDb: 20, maxAbsError: 1, meanAbsError: 1, relFrobenius: 0.1, cosine: 0.99 },
    });
    const rows = [row('nvfp4', 'always_6', 2, 0), row('nvfp4', 'mse', 1.5, 40), row('mxfp4', 'always_4', 4, 100)];
    const spec = ruleComparisonSpec([{ side: 'a', rows, current: { fp4_format: 'nvfp4', scale_rule: 'mse' } }], LIGHT_THEME);
    expect(BASELINE_VARIANT).toEqual({ fp4_format: 'nvfp4', scale_rule: 'always_6' });
    const [msePanel, , pctPanel] = spec.data as { y: number[]; marker: { line: { width: number[] } } }[];
    expect(msePanel.y).toEqual([1, 0.75, 2]);
    expect(pctPanel.y).toEqual([0, 40, 100]);
    expect(msePanel.marker.line.width).toEqual([0, 2, 0]);
  });
});

describe('number formatting', () => {
  it('prints significant digits without trailing zeros, exponents for the tiny and the huge', () => {
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(0.0123456)).toBe('0.01235');
    expect(formatNumber(1.695e-5)).toBe('1.695e-5');
    expect(formatNumber(123456789)).toBe('1.235e8');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(0)).toBe('0');
  });
});

describe('backend diff', () => {
  it('counts differing bytes (a length difference counts too) and leaves agreeing cells undrawn', () => {
    expect(countDifferingBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toEqual({ differing: 0, total: 3 });
    expect(countDifferingBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 9, 3, 4))).toEqual({ differing: 2, total: 4 });
    const spec = diffHeatmapSpec({ rows: 2, cols: 2, data: [0, 0, 0.5, 0] }, 4, 4, LIGHT_THEME);
    const trace = spec.data[0] as { z: (number | null)[][]; x: number[]; zmax: number };
    expect(trace.z).toEqual([
      [null, null],
      [0.5, null],
    ]);
    expect(trace.x).toEqual([0, 2, 4]);
    expect(trace.zmax).toBe(0.5);
  });
});

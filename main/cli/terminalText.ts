import { formatSeconds } from '../../app/plots/numberFormat';
import type { SweepProgress } from '../../app/sweep/model';

// Text for terminals: aligned tables and the sweep's progress bar.

/** Rows of cells as aligned columns (numbers right-aligned), one string per line. */
export function alignedTable(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/**
 * "[#########.........]  12/40 tensors  31%  ETA 1m05s  layers.5.mlp.up_proj.weight", fitted to
 * `columns`; the tensor's name only when `withName` (a terminal line redrawn in place).
 */
export function progressLine(p: SweepProgress, columns = 100, withName = true): string {
  const width = 24;
  const filled = Math.max(0, Math.min(width, Math.round(p.fraction * width)));
  const finished = p.tensorsDone === p.tensorsTotal;
  const eta = finished ? `took ${formatSeconds(p.elapsedSeconds)}` : p.etaSeconds === null ? 'ETA ?' : `ETA ${formatSeconds(p.etaSeconds)}`;
  const head = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p.tensorsDone).padStart(String(p.tensorsTotal).length)}/${p.tensorsTotal} tensors ${(p.fraction * 100).toFixed(0).padStart(3)}%  ${eta}`;
  const room = columns - head.length - 2;
  if (!withName || !p.current || room < 8) return head.slice(0, columns);
  const name = p.current.length > room ? `...${p.current.slice(p.current.length - room + 3)}` : p.current;
  return `${head}  ${name}`;
}

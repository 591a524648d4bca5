/** Fixed-bin histograms for the analysis views (counts only; plotting is the renderer's job). */
export interface Histogram {
  /** bins + 1 ascending edges. */
  readonly edges: number[];
  readonly counts: number[];
  /** Values below the first edge / above the last (kept, never silently dropped). */
  readonly underflow: number;
  readonly overflow: number;
  /** Values not counted at all (non-finite, e.g. log of 0). */
  readonly skipped: number;
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins: number, transform?: (v: number) => number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  let underflow = 0;
  let overflow = 0;
  let skipped = 0;
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = transform ? transform(values[i]) : values[i];
    if (!Number.isFinite(v)) skipped++;
    else if (v < lo) underflow++;
    else if (v >= hi) {
      if (v === hi) counts[bins - 1]++;
      else overflow++;
    } else counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  return { edges, counts, underflow, overflow, skipped };
}

/** Range of the finite values after `transform` ([0, 1] when there are none). */
export function finiteRange(values: ArrayLike<number>, transform?: (v: number) => number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = transform ? transform(values[i]) : values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

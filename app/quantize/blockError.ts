/**
 * Per-block error of a candidate under an adaptive rule, summed the way the reference sums it
 * (NUMERICS.md §2.4): fp32, 8 lanes where lane j takes elements j, j+8, j+16, ... in order,
 * then ((lane0 + lane1) + lane2) + ... + lane7. The order decides near-ties between 4 and 6.
 */
export type ErrorMetric = 'mse' | 'l1_norm' | 'abs_max';

export const LANES = 8;

/** Accumulates one block's element errors; `reset` before each block. */
export class LaneErrorAccumulator {
  private readonly lanes = new Float32Array(LANES);
  private maxAbs = 0;
  private count = 0;

  constructor(private readonly metric: ErrorMetric) {}

  reset(): void {
    this.lanes.fill(0);
    this.maxAbs = 0;
    this.count = 0;
  }

  /** Add the next element's signed error e = fp32(d - x), in element order. */
  add(e: number): void {
    const lane = this.count++ & (LANES - 1);
    if (this.metric === 'mse') this.lanes[lane] = Math.fround(this.lanes[lane] + Math.fround(e * e));
    else if (this.metric === 'l1_norm') this.lanes[lane] = Math.fround(this.lanes[lane] + Math.abs(e));
    else if (Math.abs(e) > this.maxAbs) this.maxAbs = Math.abs(e);
  }

  total(): number {
    if (this.metric === 'abs_max') return this.maxAbs;
    let t = this.lanes[0];
    for (let j = 1; j < LANES; j++) t = Math.fround(t + this.lanes[j]);
    return t;
  }
}

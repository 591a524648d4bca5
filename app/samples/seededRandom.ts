import { hash32 } from '../quantize/stochasticRng';

/**
 * A small seeded generator (a counter through the lowbias32 hash, two draws per double) for sample
 * data and randomized tests: reproducible from the printed seed on every platform.
 */
export class SeededRandom {
  private counter = 0;
  private readonly key: number;

  constructor(readonly seed: number) {
    this.key = hash32((seed >>> 0) ^ 0x6a09e667);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = hash32((this.counter++ ^ this.key) >>> 0) >>> 5;
    const lo = hash32((this.counter++ ^ this.key ^ 0x85ebca6b) >>> 0) >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Student-t with `dof` degrees of freedom: heavy tails for activation-like data. */
  studentT(dof: number): number {
    let chi2 = 0;
    for (let i = 0; i < dof; i++) chi2 += this.normal() ** 2;
    return this.normal() / Math.sqrt(chi2 / dof);
  }

  integer(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.uniform() * (hiExclusive - lo));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(0, items.length)];
  }
}

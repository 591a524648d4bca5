/**
 * Numbers as the views print them: enough significant digits to compare two runs, exponents
 * for the tiny and huge values FP4 errors and scales take, and words for the non-finite.
 */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) {
    const s = v.toPrecision(digits);
    // toPrecision keeps trailing zeros ("1.500"); they suggest precision the value lacks.
    return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  const [m, e] = v.toExponential(digits - 1).split('e');
  const mantissa = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return `${mantissa}e${Number(e)}`;
}

/** A byte count as KB/MB/GB (powers of 1024, as file browsers show them). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** A shape as "512×1024". */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** A power of two 2^k as a short number (scales are powers of two times an E4M3 mantissa). */
export function formatPowerOfTwo(k: number): string {
  return formatNumber(2 ** k, 3);
}

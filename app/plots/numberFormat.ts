/**
 * Numbers as people read them: in the views, the report's tables and the CLI's summaries. Enough
 * significant digits to compare two runs, exponents for the tiny and huge values FP4 errors and
 * scales take, words for the non-finite. Exports (JSON, CSV, the report's data-value attributes)
 * keep full precision with exactNumber; these strings are for eyes only.
 */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  // Whole numbers up to six digits (counts, powers of two like 262144) are exact as they are.
  if (Number.isInteger(v) && a < 1e6) return String(v);
  // Number() drops the trailing zeros toPrecision keeps ("1.500"): they suggest precision the value lacks.
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  const mantissa = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
  return `${mantissa}e${Number(e)}`;
}

export function formatDb(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)} dB` : formatNumber(v);
}

export function formatPercent(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(1)}%` : formatNumber(v);
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  if (m < 90) return `${m}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A byte count as KiB/MiB/GiB (powers of 1024, as file browsers show them). */
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

/** A full-precision number for machine-readable places (data-value attributes, CSV). */
export function exactNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/**
 * A number as plotted: rounded to `digits` significant digits (a plot shows no more, and a report
 * that embeds its plots' data stays small), null where it is not finite (plotly leaves a gap).
 */
export function plotNumber(v: number, digits = 5): number | null {
  if (!Number.isFinite(v)) return null;
  return v === 0 ? 0 : Number(v.toPrecision(digits));
}

/**
 * Numbers as people read them in tables and CLI summaries. Exports (JSON, CSV, the report's
 * data-value attributes) keep full precision; these strings are for eyes only.
 */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '\u221e';
  if (v === -Infinity) return '\u2212\u221e';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e9) return String(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1).replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

export function formatDb(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)} dB` : formatNumber(v);
}

export function formatPercent(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(1)}%` : formatNumber(v);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
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

/** A full-precision number for machine-readable places (data-value attributes, CSV). */
export function exactNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

import { invalidArgument } from '../errors';

/** The reference library's kwargs, with its names and values (DESIGN.md "Kwargs"). */
export const FP4_FORMATS = ['nvfp4', 'mxfp4'] as const;
export const SCALE_RULES = ['abs_max', 'always_4', 'always_6', 'l1_norm', 'mse'] as const;
export const ADAPTIVE_SCALE_RULES = ['abs_max', 'l1_norm', 'mse'] as const;
export const ROUND_STYLES = ['nearest', 'stochastic'] as const;

export type Fp4Format = (typeof FP4_FORMATS)[number];
export type ScaleRule = (typeof SCALE_RULES)[number];
export type RoundStyle = (typeof ROUND_STYLES)[number];

/**
 * `had`: null (off), a size n (shorthand for the n x n Sylvester Hadamard matrix / sqrt(n);
 * 16 is the library's usual choice) or an explicit square matrix, row-major.
 */
export type HadamardSpec = null | number | number[][];

export interface QuantizeKwargs {
  readonly fp4_format: Fp4Format;
  readonly scale_rule: ScaleRule;
  readonly block_scale_2d: boolean;
  readonly had: HadamardSpec;
  readonly round_style: RoundStyle;
  /** Seed of the counter-based RNG used by stochastic rounding (uint32). */
  readonly seed: number;
  readonly transpose: boolean;
}

export const DEFAULT_QUANTIZE_KWARGS: QuantizeKwargs = Object.freeze({
  fp4_format: 'nvfp4',
  scale_rule: 'mse',
  block_scale_2d: false,
  had: null,
  round_style: 'nearest',
  seed: 0,
  transpose: false,
});

export function isAdaptiveRule(rule: ScaleRule): boolean {
  return (ADAPTIVE_SCALE_RULES as readonly string[]).includes(rule);
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
}

function bool(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalidArgument(`${name} must be true or false; got ${JSON.stringify(value)}`);
}

function hadamardSpec(value: unknown): HadamardSpec {
  if (value === null || value === undefined || value === false || value === 0) return null;
  if (value === true) return 16; // the golden set's `had: true` = the 16x16 matrix
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 2 && value <= 256 && (value & (value - 1)) === 0) return value;
    throw invalidArgument(`had must be a power of two from 2 to 256 (the Sylvester size) or a square matrix; got ${value}`);
  }
  if (Array.isArray(value)) {
    const n = value.length;
    const square = n > 0 && value.every((row) => Array.isArray(row) && row.length === n && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
    if (!square) throw invalidArgument(`had must be a square matrix of finite numbers; got ${n} rows that are not all of length ${n}`);
    return value as number[][];
  }
  throw invalidArgument(`had must be null, a size (e.g. 16) or a square matrix; got ${JSON.stringify(value)}`);
}

/**
 * Fill defaults and check every kwarg, with an error that names the argument and the allowed
 * values. Combinations are checked here too (an adaptive rule with MXFP4 is an error).
 */
export function resolveQuantizeKwargs(partial: Partial<Record<keyof QuantizeKwargs, unknown>> = {}): QuantizeKwargs {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_QUANTIZE_KWARGS)) {
      throw invalidArgument(`unknown quantize kwarg '${key}'; known: ${Object.keys(DEFAULT_QUANTIZE_KWARGS).join(', ')}`);
    }
  }
  const d = DEFAULT_QUANTIZE_KWARGS;
  const seed = partial.seed ?? d.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw invalidArgument(`seed must be an integer from 0 to 4294967295; got ${JSON.stringify(seed)}`);
  }
  const kwargs: QuantizeKwargs = {
    fp4_format: oneOf('fp4_format', partial.fp4_format ?? d.fp4_format, FP4_FORMATS),
    scale_rule: oneOf('scale_rule', partial.scale_rule ?? d.scale_rule, SCALE_RULES),
    block_scale_2d: bool('block_scale_2d', partial.block_scale_2d ?? d.block_scale_2d),
    had: hadamardSpec(partial.had),
    round_style: oneOf('round_style', partial.round_style ?? d.round_style, ROUND_STYLES),
    seed,
    transpose: bool('transpose', partial.transpose ?? d.transpose),
  };
  if (kwargs.fp4_format === 'mxfp4' && isAdaptiveRule(kwargs.scale_rule)) {
    throw invalidArgument(
      `scale_rule '${kwargs.scale_rule}' is not defined for mxfp4: MXFP4 scales are powers of two, so only always_6 and always_4 exist`,
    );
  }
  return kwargs;
}

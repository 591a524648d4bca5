import type { ErrorMetrics } from '../analysis/metrics';
import type { BackendName } from '../backends/backend';
import type { Fp4Format, QuantizeKwargs, ScaleRule } from '../quantize/kwargs';

/**
 * A checkpoint sweep: every chosen tensor of one file, quantized with every chosen
 * (fp4_format, scale_rule) variant, with the metrics of each. Plain data, like the analysis
 * result; the CLI, the Sweep view, the report and the JSON/CSV exports all read this model.
 */
export const SWEEP_SCHEMA = 'fp4lab.sweep/1';

export interface SweepVariant {
  readonly fp4_format: Fp4Format;
  readonly scale_rule: ScaleRule;
}

/** The kwargs every variant shares (fp4_format and scale_rule come from the variant). */
export type SweepKwargs = Omit<QuantizeKwargs, 'fp4_format' | 'scale_rule'>;

/** What to sweep, as a user asks for it. */
export interface SweepRequest {
  /** Glob patterns over tensor names (`*` any run of characters, `?` one); none = every 2-D float tensor. */
  readonly tensors?: readonly string[];
  readonly formats?: readonly Fp4Format[];
  readonly rules?: readonly ScaleRule[];
  readonly kwargs?: Partial<SweepKwargs>;
}

/** The checkpoint as the sweep saw it (to refuse resuming over a different file). */
export interface SweepCheckpoint {
  readonly file: string;
  readonly format: string;
  readonly size: number;
  /** Modification time (ms since the epoch) where the host knows it. */
  readonly modifiedMs?: number;
}

export interface SweepTensorPlan {
  /** Position in the file's tensor list (the order of the per-layer plots). */
  readonly index: number;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The matrix it is analysed as (N-D tensors flattened). */
  readonly matrix: readonly [number, number];
  readonly bytes: number;
}

export interface SweepSkipped {
  readonly name: string;
  readonly reason: string;
}

/** A resolved request: the tensors in file order and the variants, ready to run. */
export interface SweepPlan {
  readonly schema: typeof SWEEP_SCHEMA;
  readonly checkpoint: SweepCheckpoint;
  readonly patterns: readonly string[];
  readonly variants: readonly SweepVariant[];
  readonly kwargs: SweepKwargs;
  readonly tensors: readonly SweepTensorPlan[];
  /** Tensors the patterns matched (or, without patterns, non-2-D/integer ones) that are not swept, with why. */
  readonly skipped: readonly SweepSkipped[];
}

export interface SweepVariantResult extends SweepVariant {
  readonly metrics: ErrorMetrics;
  readonly percentChoosing4: number;
}

/** One tensor's results: a line of the partial-result file, a group of rows in the table. */
export interface SweepTensorResult {
  readonly index: number;
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly matrix: readonly [number, number];
  /** sha256 of the tensor's bytes as stored, when the host computed it. */
  readonly sha256?: string;
  /** Empty when the tensor failed (see error). */
  readonly variants: readonly SweepVariantResult[];
  readonly seconds: number;
  /** Why the engine refused this tensor (e.g. NON_FINITE values); the sweep went on without it. */
  readonly error?: { readonly code: string; readonly message: string };
}

export interface SweepResult {
  readonly schema: typeof SWEEP_SCHEMA;
  readonly plan: SweepPlan;
  readonly backend: BackendName;
  readonly createdAt: string;
  /** Results in plan (file) order; fewer than plan.tensors when the sweep was cancelled. */
  readonly tensors: readonly SweepTensorResult[];
  readonly complete: boolean;
  /** Tensors taken from a partial-result file rather than computed in this run. */
  readonly resumed: number;
  readonly seconds: number;
}

/** Progress for bars: counts, the share of the work (by elements x variants), and an ETA. */
export interface SweepProgress {
  readonly tensorsDone: number;
  readonly tensorsTotal: number;
  /** 0..1, weighted by tensor size so a large layer moves the bar as much as it costs. */
  readonly fraction: number;
  /** The tensor being worked on (absent when done). */
  readonly current?: string;
  readonly elapsedSeconds: number;
  /** Seconds left, from the rate measured in this run; null before the first tensor finishes. */
  readonly etaSeconds: number | null;
}

import { compareScaleRules } from '../analysis/runAnalysis';
import type { Backend } from '../backends/backend';
import { isFp4Error } from '../errors';
import { resolveQuantizeKwargs } from '../quantize/kwargs';
import { readTensorAsMatrix } from '../tensors/decode';
import type { Matrix } from '../tensors/matrix';
import { findTensor, type TensorEntry, type TensorFile } from '../tensors/tensorFile';
import { SWEEP_SCHEMA, type SweepPlan, type SweepProgress, type SweepResult, type SweepTensorPlan, type SweepTensorResult, type SweepVariantResult } from './model';

export interface SweepRun {
  readonly backend: Backend;
  /** Cancel: the sweep stops at the next step and returns what it has (complete: false). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SweepProgress) => void;
  /**
   * Called after each tensor, before the next one is read; awaited, so the host can append the
   * result to its partial-result file before going on.
   */
  readonly onTensorDone?: (result: SweepTensorResult) => void | Promise<void>;
  /** Results of an earlier, interrupted run of the same plan: those tensors are not recomputed. */
  readonly previous?: readonly SweepTensorResult[];
  /** Digest (sha256, hex) of a tensor's stored bytes; supplied by the host (app/ has no crypto). */
  readonly digest?: (bytes: Uint8Array) => string | Promise<string>;
  /** Clock in ms; injectable so app/ stays free of platform globals and tests are deterministic. */
  readonly now?: () => number;
}

/** Work units of one tensor: its values times the variants run on it (what the ETA is measured in). */
function workOf(t: SweepTensorPlan, variants: number): number {
  return t.matrix[0] * t.matrix[1] * variants;
}

/** Read one tensor as a matrix, digesting its bytes on the way; the bytes are dropped on return. */
async function readTensor(entry: TensorEntry, fileName: string, digest: SweepRun['digest']): Promise<{ matrix: Matrix; sha256?: string }> {
  if (!digest) return { matrix: await readTensorAsMatrix(entry, fileName) };
  const bytes = await entry.read();
  const sha256 = await digest(bytes);
  const matrix = await readTensorAsMatrix({ ...entry, read: async () => bytes }, fileName);
  return { matrix, sha256 };
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) && (!isFp4Error(e) || e.code === 'CANCELLED');
}

/**
 * Sweep a checkpoint: one tensor at a time (read, quantize with every variant, measure, drop),
 * so memory stays near the largest single tensor whatever the checkpoint's size. Metrics come
 * from the analysis engine (compareScaleRules), the same numbers a single analysis shows.
 * A tensor the engine refuses (NaN values, ...) is recorded with its error and the sweep goes on.
 */
export async function runSweep(file: TensorFile, plan: SweepPlan, run: SweepRun): Promise<SweepResult> {
  const now = run.now ?? (() => Date.now());
  const t0 = now();
  const { signal, backend } = run;
  const nVariants = plan.variants.length;
  const previous = new Map((run.previous ?? []).map((r) => [r.index, r]));
  const totalWork = plan.tensors.reduce((s, t) => s + workOf(t, nVariants), 0);
  let doneWork = 0;
  let workThisRun = 0;
  const results: SweepTensorResult[] = [];

  const report = (current?: string, partWork = 0): void => {
    if (!run.onProgress) return;
    const elapsedSeconds = (now() - t0) / 1000;
    const measured = workThisRun + partWork;
    const rate = measured > 0 && elapsedSeconds > 0 ? measured / elapsedSeconds : 0;
    const left = totalWork - doneWork - partWork;
    run.onProgress({
      tensorsDone: results.length,
      tensorsTotal: plan.tensors.length,
      fraction: totalWork > 0 ? (doneWork + partWork) / totalWork : 1,
      current,
      elapsedSeconds,
      etaSeconds: rate > 0 ? left / rate : left === 0 ? 0 : null,
    });
  };

  let complete = true;
  for (const t of plan.tensors) {
    const earlier = previous.get(t.index);
    if (earlier && earlier.name === t.name) {
      results.push(earlier);
      doneWork += workOf(t, nVariants);
      continue;
    }
    if (signal?.aborted) {
      complete = false;
      break;
    }
    report(t.name);
    const started = now();
    let result: SweepTensorResult;
    try {
      const { matrix, sha256 } = await readTensor(findTensor(file, t.name), file.name, run.digest);
      const variants: SweepVariantResult[] = [];
      for (const v of plan.variants) {
        signal?.throwIfAborted();
        const kwargs = resolveQuantizeKwargs({ ...plan.kwargs, ...v });
        const [row] = await compareScaleRules(backend, matrix, kwargs, { signal }, [v]);
        variants.push({ fp4_format: row.fp4_format, scale_rule: row.scale_rule, metrics: row.metrics, percentChoosing4: row.percentChoosing4 });
        report(t.name, (variants.length / nVariants) * workOf(t, nVariants));
      }
      result = { ...identity(t), sha256, variants, seconds: (now() - started) / 1000 };
    } catch (e) {
      if (isAbort(e, signal)) {
        complete = false;
        break;
      }
      if (!isFp4Error(e)) throw e;
      result = { ...identity(t), variants: [], seconds: (now() - started) / 1000, error: { code: e.code, message: e.message } };
    }
    results.push(result);
    doneWork += workOf(t, nVariants);
    workThisRun += workOf(t, nVariants);
    await run.onTensorDone?.(result);
  }
  report();
  return {
    schema: SWEEP_SCHEMA,
    plan,
    backend: backend.name,
    createdAt: new Date(t0).toISOString(),
    tensors: results,
    complete: complete && results.length === plan.tensors.length,
    resumed: results.filter((r) => previous.get(r.index) === r).length,
    seconds: (now() - t0) / 1000,
  };
}

function identity(t: SweepTensorPlan): Pick<SweepTensorResult, 'index' | 'name' | 'dtype' | 'shape' | 'matrix'> {
  return { index: t.index, name: t.name, dtype: t.dtype, shape: t.shape, matrix: t.matrix };
}

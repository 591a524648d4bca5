import { runAnalysis, type AnalysisInput } from '../../app/analysis/runAnalysis';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import type { AnalysisOptions } from '../../app/analysis/model';
import type { Api, AnalyzeRequest, JobEvent } from '../../app/api/contract';
import { getBackend, initBackends } from '../../main/compute/backends';
import { SeededRandom } from '../../app/samples/seededRandom';
import type { Matrix } from '../../app/tensors/matrix';
import { concatChunks, serializeSafetensors } from '../../app/tensors/safetensors';

/** Shared pieces of the API tests: generated tensor files, job collection, the local oracle. */

export interface GeneratedTensor {
  readonly name: string;
  readonly matrix: Matrix;
}

/** A random fp32 matrix (normal values, a few outliers) from a seed the caller prints. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new SeededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(rng.normal() * (rng.uniform() < 0.01 ? 20 : 1));
  return { rows, cols, data, dtype: 'float32' };
}

/** A .safetensors file (F32 tensors) in memory. */
export function safetensorsBytes(tensors: readonly GeneratedTensor[]): Uint8Array {
  return concatChunks(
    serializeSafetensors(
      tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: [t.matrix.rows, t.matrix.cols], data: new Uint8Array(t.matrix.data.buffer.slice(0)) })),
      { description: 'FP4 Lab API test tensors' },
    ),
  );
}

export interface FinishedJob {
  readonly jobId: string;
  readonly events: JobEvent[];
  readonly final: Exclude<JobEvent, { type: 'progress' }>;
}

/**
 * Start an analysis and wait for its final event. `onProgress` may act mid-job (cancel, kill the
 * host); it is called once per progress event.
 */
export async function runJob(api: Pick<Api, 'startAnalysis'>, request: AnalyzeRequest, onProgress?: (event: JobEvent, jobId: string) => void, timeoutMs = 45_000): Promise<FinishedJob> {
  const events: JobEvent[] = [];
  let jobId = '';
  let resolveFinal!: (e: FinishedJob['final']) => void;
  const final = new Promise<FinishedJob['final']>((resolve) => (resolveFinal = resolve));
  const pendingProgress: JobEvent[] = [];
  const started = await api.startAnalysis(request, (event) => {
    events.push(event);
    if (event.type === 'progress') {
      if (jobId) onProgress?.(event, jobId);
      else pendingProgress.push(event);
    } else resolveFinal(event);
  });
  jobId = started.jobId;
  for (const e of pendingProgress.splice(0)) onProgress?.(e, jobId);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`job ${jobId} did not finish in ${timeoutMs} ms; events: ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs)));
  try {
    return { jobId, events, final: await Promise.race([final, timeout]) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The same analysis computed here, in-process, on the backend the job ran on (its result's
 * `backend`): the oracle. Every backend is deterministic, so the numbers must match exactly;
 * across backends the FP4 product differs within fp32 accumulation order.
 */
export async function localAnalysis(
  a: GeneratedTensor,
  b: GeneratedTensor | undefined,
  file: string,
  options: Partial<AnalysisOptions>,
  kwargs: AnalyzeRequest['a']['kwargs'] = {},
  backend = 'reference',
): Promise<AnalysisWorkspace> {
  const input = (t: GeneratedTensor): AnalysisInput => ({
    matrix: t.matrix,
    request: { provenance: { file, tensor: t.name, shape: [t.matrix.rows, t.matrix.cols], dtype: 'F32' }, kwargs },
  });
  await initBackends();
  return runAnalysis({ a: input(a), b: b ? input(b) : undefined, options: { ...options, backend } }, { backend: getBackend(backend) });
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnalyzeRequest, Api, ApiError } from '../../app/api/contract';
import type { AnalysisProgress, AnalysisResult } from '../../app/analysis/model';
import { toApiError } from '../api/apiError';

/** A progress bar appears only for jobs that last longer than this (a flash of one is noise). */
export const PROGRESS_DELAY_MS = 200;

export interface RunningJob {
  readonly jobId: string | null;
  readonly startedAt: number;
  readonly progress: AnalysisProgress | null;
  /** True once the job has run past PROGRESS_DELAY_MS. */
  readonly showProgress: boolean;
  readonly cancelling: boolean;
}

export interface JobOutcome {
  readonly kind: 'done' | 'failed' | 'cancelled';
  readonly seconds: number;
  readonly elements: number;
}

export interface AnalysisJob {
  readonly running: RunningJob | null;
  readonly result: AnalysisResult | null;
  readonly error: ApiError | null;
  readonly last: JobOutcome | null;
  run(request: AnalyzeRequest, elements: number): void;
  cancel(): void;
}

/**
 * One analysis job at a time: starting a new one cancels the one in flight (a kwarg changed),
 * events of a superseded job are ignored, and the previous result's full-resolution data is
 * released on the service once a newer result replaces it.
 */
export function useAnalysisJob(api: Api): AnalysisJob {
  const [running, setRunning] = useState<RunningJob | null>(null);
  const [result, setResult] = useState<AnalysisResult | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [last, setLast] = useState<JobOutcome | null>(null);
  const generation = useRef(0);
  const current = useRef<{ jobId: string | null; cancelRequested: boolean } | null>(null);
  const resultId = useRef<string | null>(null);

  const cancelCurrent = useCallback(() => {
    const job = current.current;
    if (!job) return;
    job.cancelRequested = true;
    if (job.jobId) void api.cancelJob(job.jobId).catch(() => undefined);
  }, [api]);

  const run = useCallback(
    (request: AnalyzeRequest, elements: number) => {
      cancelCurrent();
      const gen = ++generation.current;
      const job = { jobId: null as string | null, cancelRequested: false };
      current.current = job;
      const startedAt = performance.now();
      performance.mark('fp4lab:run');
      setError(null);
      setRunning({ jobId: null, startedAt, progress: null, showProgress: false, cancelling: false });
      const live = () => gen === generation.current;
      const finish = (kind: JobOutcome['kind']) => {
        if (!live()) return;
        current.current = null;
        setRunning(null);
        setLast({ kind, seconds: (performance.now() - startedAt) / 1000, elements });
      };
      setTimeout(() => {
        if (live()) setRunning((r) => (r ? { ...r, showProgress: true } : r));
      }, PROGRESS_DELAY_MS);
      api
        .startAnalysis(request, (event) => {
          if (!live()) return;
          if (event.type === 'progress') setRunning((r) => (r ? { ...r, progress: event.progress } : r));
          else if (event.type === 'done') {
            performance.mark('fp4lab:result');
            const previous = resultId.current;
            resultId.current = event.result.id;
            setResult(event.result);
            if (previous && previous !== event.result.id) void api.releaseAnalysis(previous).catch(() => undefined);
            finish('done');
          } else if (event.type === 'failed') {
            setError(event.error);
            finish('failed');
          } else finish('cancelled');
        })
        .then(({ jobId }) => {
          job.jobId = jobId;
          if (job.cancelRequested) void api.cancelJob(jobId).catch(() => undefined);
          if (live()) setRunning((r) => (r ? { ...r, jobId } : r));
        })
        .catch((e) => {
          if (!live()) return;
          setError(toApiError(e));
          finish('failed');
        });
    },
    [api, cancelCurrent],
  );

  const cancel = useCallback(() => {
    if (!current.current) return;
    cancelCurrent();
    setRunning((r) => (r ? { ...r, cancelling: true } : r));
  }, [cancelCurrent]);

  useEffect(() => () => cancelCurrent(), [cancelCurrent]);

  return { running, result, error, last, run, cancel };
}

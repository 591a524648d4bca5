import type { ApiError } from '../../app/api/contract';
import type { JobOutcome, RunningJob } from '../state/useAnalysisJob';
import { ErrorBanner } from './ErrorBanner';

export interface JobBarProps {
  readonly running: RunningJob | null;
  readonly canRun: boolean;
  /** Why Run is disabled (the first problem), shown as its tooltip. */
  readonly blockedBy?: string;
  /** The kwargs changed since the result on screen and the job is too large to re-run by itself. */
  readonly stale: boolean;
  readonly autoRun: boolean;
  readonly last: JobOutcome | null;
  readonly error: ApiError | null;
  readonly onRun: () => void;
  readonly onCancel: () => void;
}

export function JobBar(props: JobBarProps) {
  const { running, last } = props;
  const fraction = running?.progress?.fraction ?? 0;
  return (
    <div className="job-bar">
      <button type="button" className="primary" data-testid="run" onClick={props.onRun} disabled={!props.canRun} title={props.blockedBy ?? 'Run the analysis (Ctrl+Enter)'} aria-keyshortcuts="Control+Enter">
        {running ? 'Restart' : 'Run'}
      </button>
      <button type="button" data-testid="cancel" onClick={props.onCancel} disabled={!running || running.cancelling} title="Cancel the running job (Esc)" aria-keyshortcuts="Escape">
        {running?.cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
      <div className="job-status" aria-live="polite">
        {running?.showProgress ? (
          <>
            <progress data-testid="progress" max={1} value={fraction} aria-label="Analysis progress" />
            <span className="muted">
              {running.progress?.stage ?? 'starting'} · {Math.round(fraction * 100)}%
            </span>
          </>
        ) : running ? (
          <span className="muted">running…</span>
        ) : props.stale ? (
          <span className="stale">kwargs changed — press Run (Ctrl+Enter)</span>
        ) : last ? (
          <span className="muted" data-testid="job-outcome" data-outcome={last.kind}>
            {last.kind === 'done' ? `done in ${last.seconds.toFixed(2)} s` : last.kind === 'cancelled' ? 'cancelled' : 'failed'}
            {props.autoRun ? ' · re-runs on change' : ''}
          </span>
        ) : null}
      </div>
      <ErrorBanner error={props.error && !props.error.cause ? props.error : null} testId="run-error" />
    </div>
  );
}

import type { ApiError } from '../../app/api/contract';

/** An ApiError as a sentence (never a stack), with its code for the curious. */
export function ErrorBanner(props: { error: ApiError | null; testId?: string; onDismiss?: () => void }) {
  if (!props.error) return null;
  return (
    <div className="error-banner" role="alert" data-testid={props.testId}>
      <span className="error-code">{props.error.code}</span>
      <span className="error-message">{props.error.message}</span>
      {props.onDismiss && (
        <button type="button" className="icon-button" aria-label="Dismiss error" onClick={props.onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

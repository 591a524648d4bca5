import { useRef } from 'react';
import type { ApiError, FileSummary } from '../../app/api/contract';
import { formatBytes } from '../../app/plots/numberFormat';
import { ErrorBanner } from './ErrorBanner';

export const ACCEPTED_FILES = '.safetensors,.npy,.npz,.pt,.pth,.bin,.ckpt,.gguf,.csv,.tsv,.txt';

export interface FilesPanelProps {
  readonly files: readonly FileSummary[];
  readonly browsing: string | null;
  readonly opening: string | null;
  readonly error: ApiError | null;
  readonly onFiles: (files: File[]) => void;
  readonly onBrowse: (fileId: string) => void;
  readonly onClose: (fileId: string) => void;
  readonly onDismissError: () => void;
  readonly inputRef: React.RefObject<HTMLInputElement | null>;
}

/** Open files, most recent first (the session's recent files; the desktop menu has Open Recent), and the Open button. */
export function FilesPanel(props: FilesPanelProps) {
  const local = useRef<HTMLInputElement>(null);
  const input = props.inputRef ?? local;
  return (
    <section className="files-panel" aria-label="Files">
      <div className="files-actions">
        <button type="button" onClick={() => input.current?.click()} aria-keyshortcuts="Control+O" title="Open tensor files (Ctrl+O), or drop them anywhere">
          Open…
        </button>
        <span className="muted">or drop files anywhere</span>
        <input
          ref={input}
          className="visually-hidden"
          type="file"
          multiple
          accept={ACCEPTED_FILES}
          data-testid="file-input"
          aria-label="Open tensor files"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) props.onFiles(files);
          }}
        />
      </div>
      {props.opening && <p className="muted" role="status">opening {props.opening}…</p>}
      <ErrorBanner error={props.error} testId="open-error" onDismiss={props.onDismissError} />
      <ul className="file-list" aria-label="Open files">
        {props.files.map((f) => (
          <li key={f.fileId} className={f.fileId === props.browsing ? 'current' : ''}>
            <button type="button" className="file-button" onClick={() => props.onBrowse(f.fileId)} aria-current={f.fileId === props.browsing} title={`${f.name} · ${f.format}`}>
              <span className="file-name">{f.name}</span>
              <span className="muted">
                {f.format} · {f.tensors.length} tensors · {formatBytes(f.size)}
              </span>
            </button>
            <button type="button" className="icon-button" aria-label={`Close ${f.name}`} onClick={() => props.onClose(f.fileId)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

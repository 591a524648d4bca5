import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { ExportFormat } from '../../app/api/contract';
import type { Exports } from '../state/useExports';

const ITEMS: readonly { format: ExportFormat; label: string }[] = [
  { format: 'html', label: 'Report (HTML)' },
  { format: 'pdf', label: 'Report (PDF)' },
  { format: 'json', label: 'Result (JSON)' },
  { format: 'csv', label: 'Metrics and blocks (CSV)' },
  { format: 'safetensors', label: 'Quantized tensors (.safetensors)' },
  { format: 'python', label: 'Copy as Python' },
];

export interface ExportMenuProps {
  readonly exports: Exports;
  readonly disabled: boolean;
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
}

/** The export menu of the result on screen (useExports does the work; this is its face). */
export function ExportMenu(props: ExportMenuProps) {
  const { exports, open, onOpenChange } = props;
  const { status, error, snippet } = exports;
  const menu = useRef<HTMLUListElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) menu.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) onOpenChange(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open, onOpenChange]);

  const choose = (format: ExportFormat) => {
    onOpenChange(false);
    void exports.run(format);
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown') items[(i + 1) % items.length]?.focus();
    else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length]?.focus();
    else if (e.key === 'Escape') {
      onOpenChange(false);
      button.current?.focus();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="export-menu">
      <button
        ref={button}
        type="button"
        data-testid="export"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-keyshortcuts="Control+E"
        disabled={props.disabled || exports.busy}
        onClick={() => onOpenChange(!open)}
        title="Export the result (Ctrl+E)"
      >
        Export ▾
      </button>
      {open && (
        <ul className="menu" role="menu" ref={menu} aria-label="Export" onKeyDown={onMenuKey}>
          {ITEMS.map((item) => (
            <li key={item.format} role="none">
              <button type="button" role="menuitem" data-format={item.format} onClick={() => choose(item.format)}>
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {(status || error) && (
        <div className="export-status" role="status" data-testid="export-status">
          {error ? <span className="field-error">{error.message}</span> : status}
        </div>
      )}
      {snippet && (
        <div className="dialog-backdrop" role="presentation" onClick={exports.closeSnippet}>
          <div className="dialog" role="dialog" aria-modal="true" aria-label="Python snippet" onClick={(e) => e.stopPropagation()}>
            <header className="view-header">
              <h3>{snippet.copied ? 'Copied to the clipboard' : 'Copy this snippet'}</h3>
              <button type="button" className="icon-button" aria-label="Close" onClick={exports.closeSnippet} autoFocus>
                ×
              </button>
            </header>
            <textarea readOnly value={snippet.text} aria-label="Python snippet" rows={Math.min(24, snippet.text.split('\n').length + 1)} onFocus={(e) => e.target.select()} />
          </div>
        </div>
      )}
    </div>
  );
}

import { useEffect, useRef, useState } from 'react';
import type { Api, ApiError, ExportFormat } from '../../app/api/contract';
import { toApiError } from '../api/apiError';
import type { Host } from '../host/host';

const ITEMS: readonly { format: ExportFormat; label: string }[] = [
  { format: 'html', label: 'Report (HTML)' },
  { format: 'pdf', label: 'Report (PDF)' },
  { format: 'json', label: 'Result (JSON)' },
  { format: 'csv', label: 'Metrics and blocks (CSV)' },
  { format: 'safetensors', label: 'Quantized tensors (.safetensors)' },
  { format: 'python', label: 'Copy as Python' },
];

export interface ExportMenuProps {
  readonly api: Api;
  readonly host: Host;
  readonly analysisId: string | null;
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
}

/**
 * Exports of the result on screen. The service makes the bytes (exportAnalysis); the host saves
 * them (a download on the web, a dialog on the desktop). "Copy as Python" puts the service's
 * snippet on the clipboard and shows it, so it can be copied by hand where the clipboard is shut.
 */
export function ExportMenu(props: ExportMenuProps) {
  const { api, host, analysisId, open, onOpenChange } = props;
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [snippet, setSnippet] = useState<{ text: string; copied: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const menu = useRef<HTMLUListElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // A status line fades after a while; an error stays until the next export.
  useEffect(() => {
    if (!status || busy) return;
    const timer = setTimeout(() => setStatus(null), 5000);
    return () => clearTimeout(timer);
  }, [status, busy]);

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

  const choose = async (format: ExportFormat) => {
    onOpenChange(false);
    if (!analysisId) return;
    setBusy(true);
    setError(null);
    setStatus(`exporting ${format}…`);
    try {
      const payload = await api.exportAnalysis(analysisId, format);
      if (format === 'python') {
        const text = new TextDecoder().decode(payload.data);
        const copied = await host.copyText(text);
        setSnippet({ text, copied });
        setStatus(copied ? 'Python snippet copied' : null);
      } else {
        const outcome = await host.save(payload);
        setStatus(outcome.saved ? `${host.kind === 'web' ? 'downloaded' : 'saved'} ${outcome.where}` : 'not saved');
      }
    } catch (e) {
      setError(toApiError(e));
      setStatus(null);
    } finally {
      setBusy(false);
    }
  };

  const onMenuKey = (e: React.KeyboardEvent) => {
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
        disabled={!analysisId || busy}
        onClick={() => onOpenChange(!open)}
        title="Export the result (Ctrl+E)"
      >
        Export ▾
      </button>
      {open && (
        <ul className="menu" role="menu" ref={menu} aria-label="Export" onKeyDown={onMenuKey}>
          {ITEMS.map((item) => (
            <li key={item.format} role="none">
              <button type="button" role="menuitem" data-format={item.format} onClick={() => void choose(item.format)}>
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
        <div className="dialog-backdrop" role="presentation" onClick={() => setSnippet(null)}>
          <div className="dialog" role="dialog" aria-modal="true" aria-label="Python snippet" onClick={(e) => e.stopPropagation()}>
            <header className="view-header">
              <h3>{snippet.copied ? 'Copied to the clipboard' : 'Copy this snippet'}</h3>
              <button type="button" className="icon-button" aria-label="Close" onClick={() => setSnippet(null)} autoFocus>
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

import { useCallback, useEffect, useState } from 'react';
import type { Api, ApiError, ExportFormat } from '../../app/api/contract';
import { toApiError } from '../api/apiError';
import type { Host } from '../host/host';

export interface Exports {
  readonly busy: boolean;
  readonly status: string | null;
  readonly error: ApiError | null;
  /** The Python snippet last copied (shown so it can be copied by hand where the clipboard is shut). */
  readonly snippet: { readonly text: string; readonly copied: boolean } | null;
  run(format: ExportFormat): Promise<void>;
  closeSnippet(): void;
}

/**
 * Exports of the result on screen: files are saved through the Api's host part (saveExport: a
 * download on the web, a save dialog and an atomic write on the desktop); "Copy as Python" puts
 * the service's snippet on the clipboard. The same path serves the menu and the desktop's menu
 * commands.
 */
export function useExports(api: Api, host: Host, analysisId: string | null): Exports {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [snippet, setSnippet] = useState<Exports['snippet']>(null);

  // A status line fades after a while; an error stays until the next export.
  useEffect(() => {
    if (!status || busy) return;
    const timer = setTimeout(() => setStatus(null), 5000);
    return () => clearTimeout(timer);
  }, [status, busy]);

  const run = useCallback(
    async (format: ExportFormat) => {
      if (!analysisId) return;
      setBusy(true);
      setError(null);
      setStatus(`exporting ${format}…`);
      try {
        if (format === 'python') {
          const payload = await api.exportAnalysis(analysisId, format);
          const text = new TextDecoder().decode(payload.data);
          const copied = await host.copyText(text);
          setSnippet({ text, copied });
          setStatus(copied ? 'Python snippet copied' : null);
        } else {
          const saved = await api.saveExport(analysisId, format);
          setStatus(saved ? `saved ${saved.savedAs}` : 'not saved');
        }
      } catch (e) {
        setError(toApiError(e));
        setStatus(null);
      } finally {
        setBusy(false);
      }
    },
    [api, host, analysisId],
  );

  return { busy, status, error, snippet, run, closeSnippet: () => setSnippet(null) };
}

import type { ExportPayload } from '../../app/api/contract';
import type { Host, SaveOutcome } from './host';

/** Save as a download: a Blob URL clicked through a temporary link, revoked after the click. */
function download(payload: ExportPayload): SaveOutcome {
  const blob = new Blob([payload.data as Uint8Array<ArrayBuffer>], { type: payload.mimeType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = payload.fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { saved: true, where: payload.fileName };
}

export const webHost: Host = {
  kind: 'web',
  async save(payload) {
    return download(payload);
  },
  async copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  },
};

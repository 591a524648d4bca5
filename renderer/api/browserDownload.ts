import type { ExportPayload } from '../../app/api/contract';

/** Save as a download: a Blob URL clicked through a temporary link, revoked after the click. */
export function browserDownload(payload: ExportPayload): void {
  const url = URL.createObjectURL(new Blob([payload.data as Uint8Array<ArrayBuffer>], { type: payload.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = payload.fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser a moment to start the download before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

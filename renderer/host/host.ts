import type { ExportPayload } from '../../app/api/contract';

/**
 * What the UI needs from where it runs, beyond the Api (Netron's host seam): saving an export,
 * the clipboard, and on the desktop native file dialogs and dropped files' paths. The views
 * never ask which host they have.
 */
export interface Host {
  readonly kind: 'web' | 'desktop';
  /** Save an export: a download on the web, a save dialog + atomic write on the desktop. */
  save(payload: ExportPayload): Promise<SaveOutcome>;
  /** Put text on the clipboard; false when the platform refused (the UI then shows the text). */
  copyText(text: string): Promise<boolean>;
  /** Desktop only: a native open dialog; the paths the user picked (empty when cancelled). */
  pickPaths?(): Promise<string[]>;
  /** Desktop only: the file-system path of a dropped File, or null. */
  pathOfFile?(file: File): string | null;
}

export type SaveOutcome = { readonly saved: true; readonly where: string } | { readonly saved: false };

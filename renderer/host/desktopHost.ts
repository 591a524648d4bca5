import type { ExportPayload } from '../../app/api/contract';
import type { Host, SaveOutcome } from './host';

/**
 * What the desktop preload exposes on `window.fp4labHost` (contextBridge): the main process
 * shows the dialogs and writes atomically; the renderer only hands over bytes.
 */
export interface DesktopHostBridge {
  save(payload: ExportPayload): Promise<{ saved: boolean; path?: string }>;
  pickPaths(): Promise<string[]>;
  pathOfFile(file: File): string;
  copyText(text: string): Promise<void>;
}

declare global {
  interface Window {
    fp4labHost?: DesktopHostBridge;
  }
}

export function desktopHost(bridge: DesktopHostBridge): Host {
  return {
    kind: 'desktop',
    async save(payload): Promise<SaveOutcome> {
      const r = await bridge.save(payload);
      return r.saved ? { saved: true, where: r.path ?? payload.fileName } : { saved: false };
    },
    async copyText(text) {
      try {
        await bridge.copyText(text);
        return true;
      } catch {
        return false;
      }
    },
    pickPaths: () => bridge.pickPaths(),
    pathOfFile: (file) => bridge.pathOfFile(file) || null,
  };
}

import { dirname, extname, join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, type WebContents } from 'electron';
import type { AppEvent, ExportPayload, SavedExport } from '../../app/api/contract';
import { toApiError } from '../../app/api/transport';
import { writeFileAtomic } from '../io/atomicWrite';
import type { Fp4Service } from '../service/service';
import { APP_EVENT_CHANNEL } from './ipcChannels';
import type { DesktopShell } from './ipcHandlers';
import type { RecentFiles } from './recentFiles';

/** The tensor files FP4 Lab opens (also its file associations in electron-builder.yml). */
export const TENSOR_EXTENSIONS = ['safetensors', 'npy', 'npz', 'pt', 'pth', 'bin', 'gguf'];

const SAVE_FILTERS: Readonly<Record<string, string>> = {
  '.html': 'HTML report',
  '.pdf': 'PDF report',
  '.json': 'JSON',
  '.csv': 'CSV',
  '.safetensors': 'Quantized tensors (safetensors)',
  '.py': 'Python script',
};

/**
 * The desktop side of the shell: which paths the page may open, Open Recent, dialogs, saving.
 * Paths reach the service only from here (dialogs, drops, the OS, the command line).
 */
export class ElectronDesktopShell implements DesktopShell {
  private readonly granted = new Set<string>();
  private lastSaveDir?: string;

  constructor(
    private readonly service: Fp4Service,
    private readonly recent: RecentFiles,
    private readonly onRecentChanged: () => void,
  ) {}

  isPathGranted(path: string): boolean {
    const p = resolve(path);
    return this.granted.has(p) || this.recent.has(p);
  }

  grantPath(path: string): void {
    this.granted.add(resolve(path));
  }

  opened(path: string): void {
    app.addRecentDocument(path);
    void this.recent.add(resolve(path)).then(this.onRecentChanged);
  }

  async save(payload: ExportPayload, sender: { send(channel: string, ...args: unknown[]): void }): Promise<SavedExport | null> {
    const win = BrowserWindow.fromWebContents(sender as WebContents) ?? undefined;
    const ext = extname(payload.fileName).toLowerCase();
    const options = {
      title: 'Save export',
      defaultPath: join(this.lastSaveDir ?? app.getPath('documents'), payload.fileName),
      filters: [{ name: SAVE_FILTERS[ext] ?? 'File', extensions: [ext.slice(1) || '*'] }],
      // Every platform's dialog asks before replacing a file (Linux needs to be told).
      properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
    };
    const { canceled, filePath } = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    if (canceled || !filePath) return null;
    await writeFileAtomic(filePath, [payload.data], { overwrite: true });
    this.lastSaveDir = dirname(filePath);
    return { savedAs: filePath };
  }

  /** Open a path from a dialog, Open Recent, the OS or the command line, and tell the page. */
  async openFromShell(path: string, target: WebContents | undefined): Promise<void> {
    this.grantPath(path);
    try {
      const file = await this.service.openPath(path);
      this.opened(path);
      send(target, { type: 'fileOpened', file });
    } catch (e) {
      await dialog.showMessageBox({ type: 'error', title: 'Cannot open file', message: `FP4 Lab cannot open ${path}`, detail: toApiError(e).message });
    }
  }

  async showOpenDialog(target: WebContents | undefined): Promise<void> {
    const win = target ? (BrowserWindow.fromWebContents(target) ?? undefined) : undefined;
    const options = {
      title: 'Open tensor files',
      properties: ['openFile' as const, 'multiSelections' as const],
      filters: [
        { name: 'Tensor files', extensions: TENSOR_EXTENSIONS },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const { canceled, filePaths } = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    if (canceled) return;
    for (const p of filePaths) await this.openFromShell(p, target);
  }
}

export function send(target: WebContents | undefined, event: AppEvent): void {
  if (target && !target.isDestroyed()) target.send(APP_EVENT_CHANNEL, event);
}

import type { ExportPayload, JobEvent, SavedExport } from '../../app/api/contract';
import { apiFailure, apiOk, ApiCallError, type ApiResult } from '../../app/api/transport';
import { API_ARGUMENT_CHECKERS, checkAnalyzeRequest, checkPath, type PlainMethod } from '../service/apiArguments';
import type { Fp4Service } from '../service/service';
import { invokeChannel, JOB_EVENT_CHANNEL, type InvokeMethod } from './ipcChannels';

/** The parts of an IPC invoke event the handlers use (Electron's IpcMainInvokeEvent, or a fake). */
export interface InvokeEventLike {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
  readonly sender: { send(channel: string, ...args: unknown[]): void; isDestroyed(): boolean };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** What the desktop shell does around the service: path grants, recent files, saving. */
export interface DesktopShell {
  /** Paths the page may open by name: chosen in a dialog, dropped, named on the command line, in Open Recent. */
  isPathGranted(path: string): boolean;
  /** A file the user dropped or picked in the page (its path came from webUtils in the preload). */
  grantPath(path: string): void;
  /** A file was opened (for Open Recent). */
  opened(path: string): void;
  /** Ask where to save (the dialog confirms any overwrite) and write atomically; null if cancelled. */
  save(payload: ExportPayload, sender: InvokeEventLike['sender']): Promise<SavedExport | null>;
}

/** The page's own origin: the app:// protocol that serves the built renderer. */
export const APP_ORIGIN = 'app://fp4lab';

/** Only our page's top frame may call: not another origin navigated to, not a subframe. */
export function isTrustedSender(event: InvokeEventLike): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN || frame.url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

type Handler = (event: InvokeEventLike, args: readonly unknown[]) => Promise<unknown>;

/**
 * The main process's IPC handlers: each checks the sender and every argument, calls the service,
 * and answers an ApiResult (an Error thrown across IPC would lose its code). Returns a function
 * that removes them.
 */
export function registerIpcHandlers(ipcMain: IpcMainLike, service: Fp4Service, shell: DesktopShell): () => void {
  const plain = (method: PlainMethod): Handler => async (_event, args) => {
    const checked = API_ARGUMENT_CHECKERS[method](args) as unknown[];
    return (service[method] as (...a: unknown[]) => Promise<unknown>).apply(service, checked);
  };

  const openAndRemember = async (path: string): Promise<unknown> => {
    const summary = await service.openPath(path);
    shell.opened(path);
    return summary;
  };

  const handlers: Record<InvokeMethod, Handler> = {
    listBackends: plain('listBackends'),
    openSample: plain('openSample'),
    openUpload: plain('openUpload'),
    listFiles: plain('listFiles'),
    closeFile: plain('closeFile'),
    previewMatrix: plain('previewMatrix'),
    cancelJob: plain('cancelJob'),
    heatmap: plain('heatmap'),
    blockDetail: plain('blockDetail'),
    exportAnalysis: plain('exportAnalysis'),
    releaseAnalysis: plain('releaseAnalysis'),
    openPath: async (_event, args) => {
      const [path] = API_ARGUMENT_CHECKERS.openPath(args);
      if (!shell.isPathGranted(path)) {
        throw new ApiCallError({ code: 'UNAUTHORIZED', message: 'FP4 Lab opens only files you chose in a dialog, dropped on the window, opened recently or named on the command line', cause: 'path' });
      }
      return openAndRemember(path);
    },
    openDroppedPath: async (_event, args) => {
      if (args.length !== 1) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'openDroppedPath takes 1 argument', cause: 'openDroppedPath' });
      const path = checkPath(args[0]);
      shell.grantPath(path);
      return openAndRemember(path);
    },
    startAnalysis: async (event, args) => {
      if (args.length !== 1) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: `startAnalysis takes 1 argument over IPC, got ${args.length}`, cause: 'startAnalysis' });
      const sender = event.sender;
      // Events go back to the page that started the job, while it exists.
      const forward = (e: JobEvent): void => {
        if (!sender.isDestroyed()) sender.send(JOB_EVENT_CHANNEL, e);
      };
      return service.startAnalysis(checkAnalyzeRequest(args[0]), forward);
    },
    saveExport: async (event, args) => {
      // Same arguments as exportAnalysis; the shell adds the dialog and the write.
      const [analysisId, format] = API_ARGUMENT_CHECKERS.exportAnalysis(args);
      return shell.save(await service.exportAnalysis(analysisId, format), event.sender);
    },
  };

  for (const [method, handler] of Object.entries(handlers) as [InvokeMethod, Handler][]) {
    ipcMain.handle(invokeChannel(method), async (event, ...args): Promise<ApiResult<unknown>> => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'UNAUTHORIZED', message: `IPC from ${event.senderFrame?.url ?? 'an unknown frame'} is not accepted` } };
      }
      try {
        return apiOk(await handler(event, args));
      } catch (e) {
        return apiFailure(e);
      }
    });
  }
  return () => {
    for (const method of Object.keys(handlers) as InvokeMethod[]) ipcMain.removeHandler(invokeChannel(method));
  };
}

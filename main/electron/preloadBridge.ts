import type { AppEvent, JobEvent, LocalFile } from '../../app/api/contract';
import type { ApiBridge, ApiResult } from '../../app/api/transport';
import { APP_EVENT_CHANNEL, invokeChannel, JOB_EVENT_CHANNEL, type InvokeMethod } from './ipcChannels';

/** The parts of Electron's ipcRenderer the bridge uses (a fake in tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
}

/** Events for jobs whose id the page has not learned yet (they can overtake the invoke reply). */
const MAX_EARLY_JOBS = 64;

/**
 * What the preload exposes as window.fp4lab: the Api, method for method, each call answering an
 * ApiResult. Nothing else of Electron or Node reaches the page. `pathForFile` is Electron's
 * webUtils.getPathForFile: it gives a path only for a File the user really picked or dropped,
 * so the page cannot make up paths.
 */
export function createPreloadBridge(ipc: IpcRendererLike, pathForFile: (file: LocalFile) => string): { bridge: ApiBridge; emitAppEvent: (event: AppEvent) => void } {
  const jobListeners = new Map<string, (event: JobEvent) => void>();
  const early = new Map<string, JobEvent[]>();
  const appListeners = new Set<(event: AppEvent) => void>();

  ipc.on(JOB_EVENT_CHANNEL, (_e, event) => {
    const ev = event as JobEvent;
    const listener = jobListeners.get(ev.jobId);
    if (ev.type !== 'progress') jobListeners.delete(ev.jobId);
    if (listener) {
      listener(ev);
      return;
    }
    const queued = early.get(ev.jobId) ?? [];
    queued.push(ev);
    early.set(ev.jobId, queued);
    if (early.size > MAX_EARLY_JOBS) early.delete(early.keys().next().value as string);
  });
  const emitAppEvent = (event: AppEvent): void => {
    for (const l of appListeners) l(event);
  };
  ipc.on(APP_EVENT_CHANNEL, (_e, event) => emitAppEvent(event as AppEvent));

  const invoke = <T>(method: InvokeMethod, ...args: unknown[]): Promise<ApiResult<T>> => ipc.invoke(invokeChannel(method), ...args) as Promise<ApiResult<T>>;

  const bridge: ApiBridge = {
    listBackends: () => invoke('listBackends'),
    openSample: () => invoke('openSample'),
    openUpload: (name, data) => invoke('openUpload', name, data),
    openLocalFile: (file) => {
      let path = '';
      try {
        path = pathForFile(file);
      } catch {
        // not a File object
      }
      if (!path) {
        return Promise.resolve({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'this file has no path on disk (only files picked or dropped from the file system can be opened)', cause: 'file' } });
      }
      return invoke('openDroppedPath', path);
    },
    openPath: (path) => invoke('openPath', path),
    listFiles: () => invoke('listFiles'),
    closeFile: (fileId) => invoke('closeFile', fileId),
    previewMatrix: (query) => invoke('previewMatrix', query),
    startAnalysis: async (request, onEvent) => {
      const result = await invoke<{ jobId: string }>('startAnalysis', request);
      if (result.ok) {
        const { jobId } = result.value;
        const queued = early.get(jobId) ?? [];
        early.delete(jobId);
        const finished = queued.some((e) => e.type !== 'progress');
        if (!finished) jobListeners.set(jobId, onEvent);
        for (const e of queued) onEvent(e);
      }
      return result;
    },
    cancelJob: (jobId) => invoke('cancelJob', jobId),
    heatmap: (query) => invoke('heatmap', query),
    blockDetail: (analysisId, side, row, blockCol) => invoke('blockDetail', analysisId, side, row, blockCol),
    exportAnalysis: (analysisId, format) => invoke('exportAnalysis', analysisId, format),
    saveExport: (analysisId, format) => invoke('saveExport', analysisId, format),
    releaseAnalysis: (analysisId) => invoke('releaseAnalysis', analysisId),
    onAppEvent: (listener) => {
      appListeners.add(listener);
      return () => {
        appListeners.delete(listener);
      };
    },
  };
  return { bridge, emitAppEvent };
}

/** The DOM parts the drop fallback uses (the preload compiles without DOM typings). */
interface DragEventLike {
  readonly defaultPrevented: boolean;
  preventDefault(): void;
  readonly dataTransfer: { readonly types: ArrayLike<string>; readonly files: ArrayLike<LocalFile> } | null;
}
export interface DropTargetLike {
  addEventListener(type: 'dragover' | 'drop', listener: (event: DragEventLike) => void): void;
}

const carriesFiles = (e: DragEventLike): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/**
 * Files dropped anywhere on the window open even where the page does not handle drops (and the
 * browser's default, navigating to the file, never happens). A page that handles the drop
 * itself calls preventDefault, and this steps aside. Opened files are announced as AppEvents.
 */
export function installDropFallback(target: DropTargetLike, bridge: ApiBridge, emit: (event: AppEvent) => void): void {
  target.addEventListener('dragover', (e) => {
    if (carriesFiles(e)) e.preventDefault();
  });
  target.addEventListener('drop', (e) => {
    if (e.defaultPrevented || !carriesFiles(e)) return;
    e.preventDefault();
    for (const file of Array.from(e.dataTransfer?.files ?? [])) {
      void bridge.openLocalFile(file).then((result) => {
        if (result.ok) emit({ type: 'fileOpened', file: result.value });
        else console.error(`FP4 Lab: cannot open ${file.name}: ${result.error.message}`);
      });
    }
  });
}

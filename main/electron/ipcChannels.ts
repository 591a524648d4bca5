/**
 * The IPC channels between the preload (preloadBridge.ts) and the main process
 * (ipcHandlers.ts). One invoke channel per Api method; events flow main -> page on two more.
 * Kept free of Electron imports: the preload bundle and the tests share it.
 */
export const INVOKE_METHODS = [
  'listBackends',
  'openSample',
  'openUpload',
  'openPath',
  'listFiles',
  'closeFile',
  'previewMatrix',
  'startAnalysis',
  'cancelJob',
  'heatmap',
  'blockDetail',
  'exportAnalysis',
  'saveExport',
  'releaseAnalysis',
  // openLocalFile: the preload turns the page's File into its path (webUtils) and sends that.
  'openDroppedPath',
] as const;

export type InvokeMethod = (typeof INVOKE_METHODS)[number];

export const invokeChannel = (method: InvokeMethod): string => `fp4lab:${method}`;

/** main -> page: JobEvents of the jobs this page started. */
export const JOB_EVENT_CHANNEL = 'fp4lab:job-event';
/** main -> page: AppEvents (menu commands, files opened from the OS or a dialog). */
export const APP_EVENT_CHANNEL = 'fp4lab:app-event';

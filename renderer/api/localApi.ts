import type { Api, JobEvent } from '../../app/api/contract';
import { ApiCallError } from '../../app/api/transport';
import { browserDownload } from './browserDownload';
import type { ApiMethod, FromWorker, ToWorker } from './workerProtocol';

/**
 * The Api served by the TypeScript engine in a worker of this page: the static demo build's
 * backend, used where there is neither a desktop bridge nor a server. Calls are messages;
 * bytes handed to openUpload are transferred, not copied. The host part of the Api is the
 * browser's: files are read in the page, exports are downloads, and no menu sends events.
 */
export function createLocalApi(): Api {
  const worker = new Worker(new URL('./localWorker.ts', import.meta.url), { type: 'module', name: 'fp4lab-engine' });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<number, (event: JobEvent) => void>();

  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'event') {
      listeners.get(m.listener)?.(m.event);
      if (m.event.type !== 'progress') listeners.delete(m.listener);
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new ApiCallError(m.error));
  };
  worker.onerror = (e) => {
    // A worker that failed to load or crashed fails every call still waiting, with a sentence.
    const error = new ApiCallError({ code: 'INTERNAL', message: `the in-page engine stopped: ${e.message || 'it could not be loaded'}` });
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  function call<T>(method: ApiMethod, args: unknown[], extra: { listener?: number; transfer?: Transferable[] } = {}): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const message: ToWorker = { type: 'call', id, method, args, ...(extra.listener !== undefined ? { listener: extra.listener } : {}) };
      worker.postMessage(message, extra.transfer ?? []);
    });
  }

  const openUpload: Api['openUpload'] = (name, data) => {
    // Transfer the bytes when they own their buffer (a File's arrayBuffer does); otherwise copy.
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    return call('openUpload', [name, data], owned ? { transfer: [data.buffer as ArrayBuffer] } : {});
  };
  const exportAnalysis: Api['exportAnalysis'] = (analysisId, format) => call('exportAnalysis', [analysisId, format]);

  return {
    listBackends: () => call('listBackends', []),
    openSample: () => call('openSample', []),
    openUpload,
    openLocalFile: async (file) => {
      if (!(file instanceof Blob)) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'openLocalFile needs a File from a file picker or a drop', cause: 'file' });
      return openUpload(file.name, new Uint8Array(await file.arrayBuffer()));
    },
    openPath: (path) => call('openPath', [path]),
    listFiles: () => call('listFiles', []),
    closeFile: (fileId) => call('closeFile', [fileId]),
    previewMatrix: (query) => call('previewMatrix', [query]),
    startAnalysis: (request, onEvent) => {
      const listener = nextId++;
      listeners.set(listener, onEvent);
      return call<{ jobId: string }>('startAnalysis', [request], { listener }).catch((e) => {
        listeners.delete(listener);
        throw e;
      });
    },
    cancelJob: (jobId) => call('cancelJob', [jobId]),
    heatmap: (query) => call('heatmap', [query]),
    blockDetail: (analysisId, side, row, blockCol) => call('blockDetail', [analysisId, side, row, blockCol]),
    exportAnalysis,
    saveExport: async (analysisId, format) => {
      const payload = await exportAnalysis(analysisId, format);
      browserDownload(payload);
      return { savedAs: payload.fileName };
    },
    releaseAnalysis: (analysisId) => call('releaseAnalysis', [analysisId]),
    onAppEvent: () => () => undefined,
  };
}

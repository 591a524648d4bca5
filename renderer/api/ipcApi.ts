import type { Api } from '../../app/api/contract';
import { BRIDGE_GLOBAL, unwrapResult, type ApiBridge } from '../../app/api/transport';

/**
 * The Api in the desktop app: the preload's bridge (window.fp4lab), whose calls answer
 * ApiResults, turned back into calls that resolve to values and reject with ApiCallError.
 */
export function createIpcApi(bridge: ApiBridge): Api {
  return {
    listBackends: async () => unwrapResult(await bridge.listBackends()),
    openSample: async () => unwrapResult(await bridge.openSample()),
    openUpload: async (name, data) => unwrapResult(await bridge.openUpload(name, data)),
    openLocalFile: async (file) => unwrapResult(await bridge.openLocalFile(file)),
    openPath: async (path) => unwrapResult(await bridge.openPath(path)),
    listFiles: async () => unwrapResult(await bridge.listFiles()),
    closeFile: async (fileId) => unwrapResult(await bridge.closeFile(fileId)),
    previewMatrix: async (query) => unwrapResult(await bridge.previewMatrix(query)),
    startAnalysis: async (request, onEvent) => unwrapResult(await bridge.startAnalysis(request, onEvent)),
    cancelJob: async (jobId) => unwrapResult(await bridge.cancelJob(jobId)),
    heatmap: async (query) => unwrapResult(await bridge.heatmap(query)),
    blockDetail: async (analysisId, side, row, blockCol) => unwrapResult(await bridge.blockDetail(analysisId, side, row, blockCol)),
    exportAnalysis: async (analysisId, format) => unwrapResult(await bridge.exportAnalysis(analysisId, format)),
    saveExport: async (analysisId, format) => unwrapResult(await bridge.saveExport(analysisId, format)),
    releaseAnalysis: async (analysisId) => unwrapResult(await bridge.releaseAnalysis(analysisId)),
    onAppEvent: (listener) => bridge.onAppEvent(listener),
  };
}

/** The preload's bridge when the page runs in the desktop app; undefined in a browser. */
export function desktopBridge(): ApiBridge | undefined {
  return (window as unknown as Record<string, ApiBridge | undefined>)[BRIDGE_GLOBAL];
}

import { heatmapOf } from '../../app/analysis/heatmaps';
import type { TensorProvenance } from '../../app/analysis/model';
import { arrayField } from '../../app/analysis/pooling';
import { runAnalysis, type AnalysisInput } from '../../app/analysis/runAnalysis';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import type { JobEvent } from '../../app/api/contract';
import { toApiError } from '../../app/api/transport';
import { Fp4Error } from '../../app/errors';
import { matrixShapeOf } from '../../app/tensors/decode';
import { backendStatuses, getBackend } from './backends';
import { buildExport } from './exports';
import { OpenedFiles } from './openedFiles';
import type { HostAnalysisRequest, HostOp, HostOps, HostSide } from './protocol';
import { yieldingBackend } from './yieldingBackend';

/**
 * Full-resolution analyses kept for zooming, block details and exports. Each holds several
 * copies of its matrices; beyond this many the oldest is dropped (the UI gets a clear error).
 */
const MAX_WORKSPACES = 8;

type Handlers = { [K in HostOp]: (args: HostOps[K]['args']) => Promise<HostOps[K]['result']> };

/**
 * What the compute host does, independent of how messages reach it: open files, run analyses
 * with progress and cancel, and answer questions about finished analyses from their workspaces.
 */
export class ComputeEngine {
  private readonly files = new OpenedFiles();
  private readonly workspaces = new Map<string, AnalysisWorkspace>();
  /** Why an analysis is gone, for a clear error when something still asks for it. */
  private readonly dropped = new Map<string, string>();
  private readonly jobs = new Map<string, AbortController>();

  constructor(private readonly emit: (event: JobEvent) => void) {}

  handle<K extends HostOp>(op: K, args: HostOps[K]['args']): Promise<HostOps[K]['result']> {
    const handler = this.handlers[op] as ((a: HostOps[K]['args']) => Promise<HostOps[K]['result']>) | undefined;
    if (!handler) return Promise.reject(new Fp4Error('INVALID_ARGUMENT', `the compute host has no operation '${String(op)}'`));
    return handler(args);
  }

  cancel(jobId: string): void {
    this.jobs.get(jobId)?.abort();
  }

  private readonly handlers: Handlers = {
    listBackends: async () => backendStatuses(),
    describeFile: ({ file }) => this.files.describe(file),
    closeFile: async ({ fileId }) => {
      await this.files.close(fileId);
      return null;
    },
    previewMatrix: async ({ file, query }) => {
      const { matrix } = await this.files.tensor(file, query.tensor);
      return heatmapOf('input', arrayField(matrix.data, matrix.rows, matrix.cols), query.maxRows, query.maxCols, query.window, query.reduce, getBackend('auto'));
    },
    startAnalysis: async (request) => {
      if (this.jobs.has(request.jobId)) throw new Fp4Error('INVALID_ARGUMENT', `job ${request.jobId} is already running`);
      const controller = new AbortController();
      this.jobs.set(request.jobId, controller);
      void this.runJob(request, controller.signal).finally(() => this.jobs.delete(request.jobId));
      return null;
    },
    heatmap: async ({ query }) => this.workspace(query.analysisId).heatmap(query),
    blockDetail: async ({ analysisId, side, row, blockCol }) => this.workspace(analysisId).blockDetail(side, row, blockCol),
    exportAnalysis: async ({ analysisId, format }) => buildExport(this.workspace(analysisId), format),
    releaseAnalysis: async ({ analysisId }) => {
      this.workspaces.delete(analysisId);
      this.dropped.set(analysisId, 'it was released');
      return null;
    },
  };

  private workspace(analysisId: string): AnalysisWorkspace {
    const ws = this.workspaces.get(analysisId);
    if (ws) return ws;
    const why = this.dropped.get(analysisId);
    throw new Fp4Error('NOT_FOUND', why ? `analysis ${analysisId} is no longer in memory (${why}); run it again` : `there is no analysis ${analysisId}`);
  }

  private async input(side: HostSide): Promise<AnalysisInput> {
    const { entry, matrix, sha256 } = await this.files.tensor(side.file, side.tensor);
    const provenance: TensorProvenance = {
      file: side.file.name,
      tensor: side.tensor,
      shape: [...entry.shape],
      // The type as the file stores it (a GGUF Q8_0 tensor is read as F32 but is Q8_0).
      dtype: entry.encoding?.name ?? entry.dtype,
      ...(sha256 ? { sha256 } : {}),
      ...(entry.shape.length === 2 ? {} : { flattenedTo: matrixShapeOf(entry.shape) }),
    };
    return { matrix, request: { provenance, kwargs: side.kwargs } };
  }

  private async runJob(request: HostAnalysisRequest, signal: AbortSignal): Promise<void> {
    const { jobId } = request;
    try {
      this.emit({ type: 'progress', jobId, progress: { stage: 'reading tensors', fraction: 0 } });
      const backend = yieldingBackend(getBackend(request.options.backend ?? 'auto'));
      const a = await this.input(request.a);
      const b = request.b ? await this.input(request.b) : undefined;
      signal.throwIfAborted();
      const ws = await runAnalysis(
        { a, b, options: request.options },
        { backend, control: { signal }, id: request.analysisId, onProgress: (progress) => this.emit({ type: 'progress', jobId, progress }) },
      );
      this.keep(ws);
      this.emit({ type: 'done', jobId, result: ws.result });
    } catch (e) {
      if (signal.aborted) this.emit({ type: 'cancelled', jobId });
      else this.emit({ type: 'failed', jobId, error: toApiError(e) });
    }
  }

  private keep(ws: AnalysisWorkspace): void {
    this.workspaces.set(ws.result.id, ws);
    for (const id of this.workspaces.keys()) {
      if (this.workspaces.size <= MAX_WORKSPACES) break;
      this.workspaces.delete(id);
      this.dropped.set(id, `only the ${MAX_WORKSPACES} most recent analyses are kept`);
    }
  }

  async dispose(): Promise<void> {
    for (const c of this.jobs.values()) c.abort();
    this.workspaces.clear();
    await this.files.closeAll();
  }
}

import type { AnalyzeRequest, ExportFormat, ExportPayload, FileSummary, HeatmapQuery, JobEvent, MatrixPreviewQuery, ServiceApi, SideSelection } from '../../app/api/contract';
import type { BlockDetail } from '../../app/analysis/blockDetail';
import { heatmapOf } from '../../app/analysis/heatmaps';
import { DEFAULT_ANALYSIS_OPTIONS, type AnalysisOptions, type Heatmap } from '../../app/analysis/model';
import { arrayField } from '../../app/analysis/pooling';
import { runAnalysis, type AnalysisInput } from '../../app/analysis/runAnalysis';
import type { AnalysisWorkspace } from '../../app/analysis/workspace';
import type { Backend, BackendStatus } from '../../app/backends/backend';
import { referenceBackend } from '../../app/backends/referenceBackend';
import { selectBackend } from '../../app/backends/selection';
import { Fp4Error } from '../../app/errors';
import { FP4_FORMATS } from '../../app/quantize/kwargs';
import { openSampleFile } from '../../app/samples/sampleData';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readTensorAsMatrix } from '../../app/tensors/decode';
import type { Matrix } from '../../app/tensors/matrix';
import { openTensorFile } from '../../app/tensors/openTensorFile';
import { exportAnalysis } from '../../app/report/exportAnalysis';
import { findTensor, type TensorFile } from '../../app/tensors/tensorFile';
import { summarizeTensor } from '../../app/tensors/tensorSummary';
import { kwargsErrors } from '../state/kwargsValidation';
import { toApiError } from './apiError';
import { browserInflater } from './browserInflater';

/**
 * The app's Api served inside the page: the TypeScript engine (app/) on the reference backend,
 * for the static demo build and for development before a server is running. It runs in a
 * worker (see localWorker.ts) so the page stays responsive; it has no DOM dependency, so tests
 * run it in Node as it is.
 */

const IN_PAGE_NOTE = 'not in the in-page engine (use `fp4lab serve` or the desktop app)';

const BACKENDS: BackendStatus[] = [
  { name: 'reference', available: true, detail: 'TypeScript engine in this page (bit-exact with the library)' },
  { name: 'cpu', available: false, reason: IN_PAGE_NOTE },
  { name: 'cuda', available: false, reason: IN_PAGE_NOTE },
];

interface OpenFile {
  readonly summary: FileSummary;
  readonly file: TensorFile;
}

/** Gives the worker's event loop a turn, so a cancel message is read between engine steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A backend that yields before every step, so a running job notices cancellation. */
function yieldingBackend(inner: Backend): Backend {
  return {
    name: inner.name,
    quantize: async (x, kwargs, control) => (await yieldToEventLoop(), inner.quantize(x, kwargs, control)),
    dequantize: async (q, options, control) => (await yieldToEventLoop(), inner.dequantize(q, options, control)),
    matmul: async (a, b, options, control) => (await yieldToEventLoop(), inner.matmul(a, b, options, control)),
    matmulHighPrecision: async (a, b, control) => (await yieldToEventLoop(), inner.matmulHighPrecision(a, b, control)),
    ...(inner.reduceSide ? { reduceSide: async (input, control) => (await yieldToEventLoop(), inner.reduceSide!(input, control)) } : {}),
    ...(inner.pool ? { pool: inner.pool.bind(inner) } : {}),
  };
}

export function summarizeTensorFile(fileId: string, file: TensorFile, size: number, format: FileSummary['format'] = file.format): FileSummary {
  return { fileId, name: file.name, format, size, tensors: file.tensors.map(summarizeTensor) };
}

/** Where the in-page engine gets plotly.js's source for HTML reports (the worker loads it on demand). */
export type PlotlySourceLoader = () => Promise<string>;

export class LocalService implements ServiceApi {
  private readonly files = new Map<string, OpenFile>();
  private readonly analyses = new Map<string, AnalysisWorkspace>();
  private readonly jobs = new Map<string, AbortController>();
  /** Decoded matrices of the last few tensors used (decoding a large tensor is the slow part). */
  private readonly matrices = new Map<string, Matrix>();
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly backend: Backend = referenceBackend,
    private readonly plotlySource?: PlotlySourceLoader,
  ) {}

  private id(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}-${n}`;
  }

  async listBackends(): Promise<BackendStatus[]> {
    return BACKENDS.map((b) => (b.name === this.backend.name ? { ...b, available: true } : b));
  }

  async openSample(): Promise<FileSummary> {
    const existing = [...this.files.values()].find((f) => f.summary.format === 'sample');
    if (existing) return existing.summary;
    const file = await openSampleFile();
    const size = file.tensors.reduce((n, t) => n + t.byteLength, 0);
    return this.register(file, size, 'sample');
  }

  async openUpload(name: string, data: Uint8Array): Promise<FileSummary> {
    const file = await openTensorFile(memoryByteSource(data, name), { inflater: browserInflater });
    return this.register(file, data.length);
  }

  async openPath(path: string): Promise<FileSummary> {
    throw new Fp4Error('UNSUPPORTED', `cannot open ${path}: a page cannot read paths; drop the file or use Open instead`);
  }

  private register(file: TensorFile, size: number, format?: FileSummary['format']): FileSummary {
    const fileId = this.id('file');
    const summary = summarizeTensorFile(fileId, file, size, format);
    this.files.set(fileId, { summary, file });
    return summary;
  }

  async listFiles(): Promise<FileSummary[]> {
    return [...this.files.values()].map((f) => f.summary);
  }

  async closeFile(fileId: string): Promise<void> {
    this.files.delete(fileId);
    for (const key of [...this.matrices.keys()]) if (key.startsWith(`${fileId}\n`)) this.matrices.delete(key);
  }

  private openFile(fileId: string, cause?: string): OpenFile {
    const f = this.files.get(fileId);
    if (!f) throw toApiError(new Fp4Error('NOT_FOUND', `file ${fileId} is not open (it was closed or the page was reloaded)`), cause);
    return f;
  }

  private async matrix(fileId: string, tensor: string, cause?: string): Promise<Matrix> {
    const key = `${fileId}\n${tensor}`;
    const cached = this.matrices.get(key);
    if (cached) return cached;
    const { file } = this.openFile(fileId, cause);
    let m: Matrix;
    try {
      m = await readTensorAsMatrix(findTensor(file, tensor), file.name);
    } catch (e) {
      throw toApiError(e, cause);
    }
    this.matrices.set(key, m);
    while (this.matrices.size > 4) this.matrices.delete(this.matrices.keys().next().value as string);
    return m;
  }

  async previewMatrix(q: MatrixPreviewQuery): Promise<Heatmap> {
    const m = await this.matrix(q.fileId, q.tensor);
    return heatmapOf('input', arrayField(m.data, m.rows, m.cols), q.maxRows, q.maxCols, q.window, q.reduce);
  }

  private async analysisInput(which: 'a' | 'b', s: SideSelection): Promise<AnalysisInput> {
    const { file } = this.openFile(s.fileId, `${which}.tensor`);
    const entry = file.tensors.find((t) => t.name === s.tensor);
    const matrix = await this.matrix(s.fileId, s.tensor, `${which}.tensor`);
    const shape = entry?.shape ?? [matrix.rows, matrix.cols];
    const flattened = shape.length !== 2;
    return {
      matrix,
      request: {
        provenance: { file: file.name, tensor: s.tensor, shape, dtype: entry?.dtype ?? matrix.dtype, ...(flattened ? { flattenedTo: [matrix.rows, matrix.cols] as [number, number] } : {}) },
        kwargs: s.kwargs,
      },
    };
  }

  /** Check what can be checked before a job starts, each error naming the input that caused it. */
  private checkRequest(request: AnalyzeRequest): { options: AnalysisOptions; backend: Backend } {
    const options: AnalysisOptions = { ...DEFAULT_ANALYSIS_OPTIONS, ...request.options };
    if (!(FP4_FORMATS as readonly string[]).includes(options.fp4_format)) {
      throw toApiError(new Fp4Error('INVALID_ARGUMENT', `fp4_format must be one of ${FP4_FORMATS.join(', ')}; got ${JSON.stringify(options.fp4_format)}`), 'fp4_format');
    }
    for (const [which, side] of [['a', request.a], ['b', request.b]] as const) {
      if (!side) continue;
      const errors = Object.entries(kwargsErrors(which, side.kwargs, options.fp4_format));
      if (errors.length > 0) throw toApiError(new Fp4Error('INVALID_ARGUMENT', errors[0][1]), errors[0][0]);
    }
    try {
      selectBackend(options.backend, BACKENDS);
    } catch (e) {
      throw toApiError(e, 'backend');
    }
    return { options, backend: yieldingBackend(this.backend) };
  }

  async startAnalysis(request: AnalyzeRequest, onEvent: (event: JobEvent) => void): Promise<{ jobId: string }> {
    const { options, backend } = this.checkRequest(request);
    const jobId = this.id('job');
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    const run = async (): Promise<void> => {
      try {
        const a = await this.analysisInput('a', request.a);
        const b = request.b ? await this.analysisInput('b', request.b) : undefined;
        const colsOf = (input: AnalysisInput) => (input.request.kwargs.transpose ? input.matrix.rows : input.matrix.cols);
        if (b && colsOf(a) !== colsOf(b)) {
          throw toApiError(
            new Fp4Error('INVALID_ARGUMENT', `a @ b.T needs A and B with the same number of columns (after transpose); A has ${colsOf(a)}, B has ${colsOf(b)}`),
            'b.tensor',
          );
        }
        if (options.out_shape && b) {
          const [m, n] = options.out_shape;
          const rowsOf = (input: AnalysisInput) => (input.request.kwargs.transpose ? input.matrix.cols : input.matrix.rows);
          if (m !== rowsOf(a) || n !== rowsOf(b)) {
            throw toApiError(new Fp4Error('INVALID_ARGUMENT', `out_shape must be [${rowsOf(a)}, ${rowsOf(b)}] (A rows x B rows); got [${m}, ${n}]`), 'out_shape');
          }
        }
        const analysisId = this.id('analysis');
        const workspace = await runAnalysis(
          { a, b, options },
          { backend, id: analysisId, control: { signal: controller.signal }, onProgress: (progress) => onEvent({ type: 'progress', jobId, progress }) },
        );
        if (controller.signal.aborted) throw controller.signal.reason;
        this.analyses.set(analysisId, workspace);
        onEvent({ type: 'done', jobId, result: workspace.result });
      } catch (e) {
        if (controller.signal.aborted) onEvent({ type: 'cancelled', jobId });
        else onEvent({ type: 'failed', jobId, error: toApiError(e) });
      } finally {
        this.jobs.delete(jobId);
      }
    };
    void run();
    return { jobId };
  }

  async cancelJob(jobId: string): Promise<void> {
    this.jobs.get(jobId)?.abort();
  }

  private workspace(analysisId: string): AnalysisWorkspace {
    const ws = this.analyses.get(analysisId);
    if (!ws) throw new Fp4Error('NOT_FOUND', `analysis ${analysisId} is no longer available; run it again`);
    return ws;
  }

  async heatmap(q: HeatmapQuery): Promise<Heatmap> {
    return this.workspace(q.analysisId).heatmap(q);
  }

  async blockDetail(analysisId: string, side: 'a' | 'b', row: number, blockCol: number): Promise<BlockDetail> {
    return this.workspace(analysisId).blockDetail(side, row, blockCol);
  }

  async exportAnalysis(analysisId: string, format: ExportFormat): Promise<ExportPayload> {
    const ws = this.workspace(analysisId);
    if (format === 'pdf') throw new Fp4Error('UNSUPPORTED', 'the in-page engine cannot print PDFs; export the HTML report and print it from the browser (or use `fp4lab serve`)');
    if (format === 'html' && !this.plotlySource) throw new Fp4Error('UNSUPPORTED', 'HTML reports need plotly.js, which this in-page engine was not given');
    const plotlySource = format === 'html' ? await this.plotlySource!() : undefined;
    // The same report module as the service's exports: identical files from either engine.
    return exportAnalysis(ws, format, { plotlySource, generator: 'FP4 Lab (in-page engine)' });
  }

  async releaseAnalysis(analysisId: string): Promise<void> {
    this.analyses.delete(analysisId);
  }
}

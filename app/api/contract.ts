import type { BlockDetail } from '../analysis/blockDetail';
import type { AnalysisOptions, AnalysisProgress, AnalysisResult, Heatmap } from '../analysis/model';
import type { PoolReduce, PoolWindow } from '../analysis/pooling';
import type { HeatmapRequest } from '../analysis/workspace';
import type { BackendStatus } from '../backends/backend';
import type { Fp4ErrorCode } from '../errors';
import type { QuantizeKwargs } from '../quantize/kwargs';
import type { DType } from '../tensors/dtypes';
import type { TensorFileFormat } from '../tensors/tensorFile';

/**
 * The app's API: what the renderer may ask of the service. One typed contract, two transports
 * (Electron IPC in the desktop app, HTTP in web mode); the renderer never knows which.
 * Everything crossing it is plain data (Uint8Array for bytes).
 */

/** An error as the UI shows it: a code, a sentence, and what caused it (e.g. "a.scale_rule"). */
export interface ApiError {
  readonly code: Fp4ErrorCode | 'INTERNAL' | 'UNAUTHORIZED';
  readonly message: string;
  readonly cause?: string;
}

export interface TensorSummary {
  readonly name: string;
  readonly dtype: DType | string;
  readonly shape: readonly number[];
  readonly bytes: number;
  /** How it is offered as a matrix (N-D flattened, 1-D as a row); null when not quantizable. */
  readonly matrix: readonly [number, number] | null;
  /** Why it cannot be quantized (integer/bool, unsupported GGUF type, ...). */
  readonly note?: string;
}

export interface FileSummary {
  readonly fileId: string;
  /** Display name (the file's base name, or the sample's name). */
  readonly name: string;
  readonly format: TensorFileFormat | 'sample';
  readonly size: number;
  readonly tensors: readonly TensorSummary[];
}

export interface SideSelection {
  readonly fileId: string;
  readonly tensor: string;
  /** The side's kwargs (fp4_format comes from options). */
  readonly kwargs: Partial<QuantizeKwargs>;
}

export interface AnalyzeRequest {
  readonly a: SideSelection;
  readonly b?: SideSelection;
  readonly options: Partial<AnalysisOptions>;
}

/** What a running job reports: progress, then exactly one of done / failed / cancelled. */
export type JobEvent =
  | { readonly type: 'progress'; readonly jobId: string; readonly progress: AnalysisProgress }
  | { readonly type: 'done'; readonly jobId: string; readonly result: AnalysisResult }
  | { readonly type: 'failed'; readonly jobId: string; readonly error: ApiError }
  | { readonly type: 'cancelled'; readonly jobId: string };

/** A heatmap tile of an analysis: the workspace's request plus which analysis. */
export interface HeatmapQuery extends HeatmapRequest {
  readonly analysisId: string;
}

export type ExportFormat = 'html' | 'pdf' | 'json' | 'csv' | 'safetensors' | 'python';

/** An export's bytes; the host saves them (a dialog + atomic write on desktop, a download on the web). */
export interface ExportPayload {
  readonly fileName: string;
  readonly mimeType: string;
  readonly data: Uint8Array;
}

/** A file the user picked or dropped in the page; the browser's File satisfies it. */
export interface LocalFile {
  readonly name: string;
  readonly size: number;
}

/** Where an export was saved: a path on desktop, the download's file name on the web. */
export interface SavedExport {
  readonly savedAs: string;
}

/** Menu commands the desktop shell hands to the page, which knows the current analysis. */
export type AppCommand = 'exportReport' | 'exportQuantized';

/**
 * What the desktop shell tells the page: a file opened outside the page (menu Open…, Open
 * Recent, the OS's "open with", a path given on the command line) or a menu command. The web
 * mode sends none.
 */
export type AppEvent = { readonly type: 'fileOpened'; readonly file: FileSummary } | { readonly type: 'command'; readonly command: AppCommand };

export interface MatrixPreviewQuery {
  readonly fileId: string;
  readonly tensor: string;
  readonly window?: PoolWindow;
  readonly maxRows: number;
  readonly maxCols: number;
  readonly reduce?: PoolReduce;
}

export interface Api {
  listBackends(): Promise<BackendStatus[]>;
  /** The built-in sample (a weight with outlier columns and a heavy-tailed activation). */
  openSample(): Promise<FileSummary>;
  /** Bytes the user dropped or picked in the browser. */
  openUpload(name: string, data: Uint8Array): Promise<FileSummary>;
  /**
   * A file picked or dropped in the page. Desktop: opened in place by its path (read lazily);
   * web: streamed to the server as an upload (never held whole in the page's memory).
   */
  openLocalFile(file: LocalFile): Promise<FileSummary>;
  /**
   * A path the desktop shell granted (a dialog, a drop, Open Recent, the command line). The web
   * mode refuses it: no request may name a path on the server.
   */
  openPath(path: string): Promise<FileSummary>;
  listFiles(): Promise<FileSummary[]>;
  closeFile(fileId: string): Promise<void>;
  /** A pooled view of a tensor before any analysis. */
  previewMatrix(query: MatrixPreviewQuery): Promise<Heatmap>;
  /** Start an analysis; events arrive on onEvent until done/failed/cancelled. */
  startAnalysis(request: AnalyzeRequest, onEvent: (event: JobEvent) => void): Promise<{ jobId: string }>;
  cancelJob(jobId: string): Promise<void>;
  heatmap(query: HeatmapQuery): Promise<Heatmap>;
  blockDetail(analysisId: string, side: 'a' | 'b', row: number, blockCol: number): Promise<BlockDetail>;
  exportAnalysis(analysisId: string, format: ExportFormat): Promise<ExportPayload>;
  /**
   * Export and save where the user says: desktop: a save dialog (which asks before replacing a
   * file) and an atomic write; web: a browser download. null when the user cancelled.
   */
  saveExport(analysisId: string, format: ExportFormat): Promise<SavedExport | null>;
  /** Drop an analysis's full-resolution data. */
  releaseAnalysis(analysisId: string): Promise<void>;
  /** Listen for AppEvents (desktop menus and files opened outside the page); returns the unsubscribe. */
  onAppEvent(listener: (event: AppEvent) => void): () => void;
}

/** The methods the service implements in every host; the rest belong to a transport's host. */
export type HostOnlyMethod = 'openLocalFile' | 'saveExport' | 'onAppEvent';
export type ServiceApi = Omit<Api, HostOnlyMethod>;

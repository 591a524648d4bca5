import type { AnalysisOptions, Heatmap } from '../../app/analysis/model';
import type { BlockDetail } from '../../app/analysis/blockDetail';
import type { ApiError, ExportFormat, ExportPayload, HeatmapQuery, MatrixPreviewQuery, JobEvent, TensorSummary } from '../../app/api/contract';
import type { BackendStatus } from '../../app/backends/backend';
import type { QuantizeKwargs } from '../../app/quantize/kwargs';
import type { TensorFileFormat } from '../../app/tensors/tensorFile';

/**
 * Messages between the service (main process / web server) and the compute host (a utility
 * process or child process). Everything is structured-clone data: typed arrays cross as bytes.
 */

/**
 * How the host finds a file's bytes. It opens files itself, lazily, and reopens them after a
 * restart. 'path' is a user's file (named by its own name); 'upload' a temp file holding an
 * upload (named by the upload's name).
 */
export type FileSource = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'upload'; readonly path: string } | { readonly kind: 'sample' };

export interface FileRef {
  readonly fileId: string;
  /** Display name (used in error messages and provenance). */
  readonly name: string;
  readonly source: FileSource;
}

export interface FileDescription {
  readonly format: TensorFileFormat;
  readonly size: number;
  readonly tensors: TensorSummary[];
}

export interface HostSide {
  readonly file: FileRef;
  readonly tensor: string;
  readonly kwargs: Partial<QuantizeKwargs>;
}

export interface HostAnalysisRequest {
  readonly jobId: string;
  readonly analysisId: string;
  readonly a: HostSide;
  readonly b?: HostSide;
  readonly options: Partial<AnalysisOptions>;
}

/** Each request op with its arguments and what it answers. */
export interface HostOps {
  listBackends: { args: Record<string, never>; result: BackendStatus[] };
  describeFile: { args: { file: FileRef }; result: FileDescription };
  closeFile: { args: { fileId: string }; result: null };
  previewMatrix: { args: { file: FileRef; query: MatrixPreviewQuery }; result: Heatmap };
  /** Answers once the job is accepted; its JobEvents follow as 'job' messages. */
  startAnalysis: { args: HostAnalysisRequest; result: null };
  heatmap: { args: { query: HeatmapQuery }; result: Heatmap };
  blockDetail: { args: { analysisId: string; side: 'a' | 'b'; row: number; blockCol: number }; result: BlockDetail };
  exportAnalysis: { args: { analysisId: string; format: ExportFormat }; result: ExportPayload };
  releaseAnalysis: { args: { analysisId: string }; result: null };
}

export type HostOp = keyof HostOps;

export type ParentToHost =
  | { readonly kind: 'request'; readonly id: number; readonly op: HostOp; readonly args: unknown }
  | { readonly kind: 'cancel'; readonly jobId: string };

export type HostToParent =
  | { readonly kind: 'ready'; readonly pid: number }
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: ApiError }
  | { readonly kind: 'job'; readonly event: JobEvent };

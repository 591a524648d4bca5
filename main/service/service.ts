import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { BlockDetail } from '../../app/analysis/blockDetail';
import type { Heatmap } from '../../app/analysis/model';
import type { AnalyzeRequest, ExportFormat, ExportPayload, FileSummary, HeatmapQuery, JobEvent, MatrixPreviewQuery, ServiceApi } from '../../app/api/contract';
import { ApiCallError } from '../../app/api/transport';
import type { BackendStatus } from '../../app/backends/backend';
import { Fp4Error } from '../../app/errors';
import { SAMPLE_FILE_NAME } from '../../app/samples/sampleData';
import { ComputeHost, type HostLauncher } from '../compute/computeHost';
import type { FileRef, HostSide } from '../compute/protocol';
import { UploadStore } from './uploadStore';

/** Turns an HTML report into PDF bytes (the desktop shell prints it with Chromium). */
export type PdfPrinter = (html: Uint8Array) => Promise<Uint8Array>;

export interface ServiceOptions {
  /** Starts the compute host (a utility process on desktop, a child process in web mode). */
  readonly launcher: HostLauncher;
  /** Largest upload accepted, in bytes. */
  readonly maxUploadBytes?: number;
  /** How long a job may ignore a cancel before its host is restarted to stop it. */
  readonly cancelGraceMs?: number;
  readonly pdfPrinter?: PdfPrinter;
  /** Where upload temp directories are made (default: the OS temp dir). */
  readonly tempRoot?: string;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

interface OpenFileRecord {
  readonly ref: FileRef;
  readonly summary: FileSummary;
  /** An upload's temp file, deleted on close. */
  readonly tempPath?: string;
}

interface JobRecord {
  readonly analysisId: string;
  readonly onEvent: (event: JobEvent) => void;
  cancelRequested: boolean;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

const newId = (prefix: string): string => `${prefix}-${randomBytes(8).toString('hex')}`;

/**
 * The app's API (app/api/contract.ts) over a compute host: the session of open files, running
 * jobs and finished analyses. Transport-agnostic: Electron IPC and the HTTP server both call
 * this after checking arguments (apiArguments.ts). Heavy work and file contents live in the
 * compute host; this object holds names and ids only, so it stays small and responsive.
 */
export class Fp4Service implements ServiceApi {
  private readonly host: ComputeHost;
  private readonly files = new Map<string, OpenFileRecord>();
  private readonly jobs = new Map<string, JobRecord>();
  /** Finished analyses and the host generation that holds them. */
  private readonly analyses = new Map<string, number>();
  private readonly uploads: UploadStore;
  readonly maxUploadBytes: number;
  private readonly cancelGraceMs: number;
  private disposing = false;

  constructor(private readonly options: ServiceOptions) {
    this.host = new ComputeHost(options.launcher, { onJobEvent: (e) => this.onJobEvent(e), onHostLost: (r) => this.onHostLost(r) });
    this.uploads = new UploadStore(options.tempRoot);
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.cancelGraceMs = options.cancelGraceMs ?? 5_000;
  }

  /** Start the compute host now rather than on the first request. */
  start(): Promise<void> {
    return this.host.started();
  }

  /** The compute host's process id (diagnostics; the crash-recovery test kills it). */
  get computePid(): number | undefined {
    return this.host.pid;
  }

  listBackends(): Promise<BackendStatus[]> {
    return this.host.request('listBackends', {});
  }

  async openSample(): Promise<FileSummary> {
    const existing = [...this.files.values()].find((f) => f.ref.source.kind === 'sample');
    if (existing) return existing.summary;
    return this.openRef({ fileId: newId('file'), name: SAMPLE_FILE_NAME, source: { kind: 'sample' } });
  }

  async openUpload(name: string, data: Uint8Array): Promise<FileSummary> {
    if (data.length > this.maxUploadBytes) throw tooLarge(name, data.length, this.maxUploadBytes);
    return this.adoptUpload(name, await this.uploads.write(name, data));
  }

  /** A fresh temp path for an upload the HTTP server streams to disk (then adoptUpload). */
  uploadPath(name: string): Promise<string> {
    return this.uploads.newPath(name);
  }

  /** Open an upload already on disk at a path from uploadPath; the temp file is the service's now. */
  async adoptUpload(name: string, tempPath: string): Promise<FileSummary> {
    try {
      return await this.openRef({ fileId: newId('file'), name, source: { kind: 'upload', path: tempPath } }, tempPath);
    } catch (e) {
      await this.uploads.remove(tempPath);
      throw e;
    }
  }

  /** Discard an upload that never became a file (a failed or refused transfer). */
  discardUpload(tempPath: string): Promise<void> {
    return this.uploads.remove(tempPath);
  }

  async openPath(path: string): Promise<FileSummary> {
    const absolute = resolve(path);
    const existing = [...this.files.values()].find((f) => f.ref.source.kind === 'path' && f.ref.source.path === absolute);
    if (existing) return existing.summary;
    const st = await stat(absolute).catch((e: NodeJS.ErrnoException) => {
      throw new Fp4Error('IO', `cannot open ${absolute}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`);
    });
    if (!st.isFile()) throw new Fp4Error('IO', `cannot open ${absolute}: it is not a regular file`);
    return this.openRef({ fileId: newId('file'), name: basename(absolute), source: { kind: 'path', path: absolute } });
  }

  private async openRef(ref: FileRef, tempPath?: string): Promise<FileSummary> {
    const d = await this.host.request('describeFile', { file: ref });
    const summary: FileSummary = { fileId: ref.fileId, name: ref.name, format: ref.source.kind === 'sample' ? 'sample' : d.format, size: d.size, tensors: d.tensors };
    this.files.set(ref.fileId, { ref, summary, tempPath });
    return summary;
  }

  async listFiles(): Promise<FileSummary[]> {
    return [...this.files.values()].map((f) => f.summary);
  }

  async closeFile(fileId: string): Promise<void> {
    const record = this.file(fileId);
    this.files.delete(fileId);
    // A host that is down holds nothing; the file is closed either way.
    await this.host.request('closeFile', { fileId }).catch(() => undefined);
    if (record.tempPath) await this.uploads.remove(record.tempPath);
  }

  previewMatrix(query: MatrixPreviewQuery): Promise<Heatmap> {
    return this.host.request('previewMatrix', { file: this.file(query.fileId).ref, query });
  }

  async startAnalysis(request: AnalyzeRequest, onEvent: (event: JobEvent) => void): Promise<{ jobId: string }> {
    const side = (s: AnalyzeRequest['a']): HostSide => ({ file: this.file(s.fileId).ref, tensor: s.tensor, kwargs: s.kwargs });
    const a = side(request.a);
    const b = request.b ? side(request.b) : undefined;
    const jobId = newId('job');
    const analysisId = newId('analysis');
    this.jobs.set(jobId, { analysisId, onEvent, cancelRequested: false });
    try {
      await this.host.request('startAnalysis', { jobId, analysisId, a, b, options: request.options });
    } catch (e) {
      this.jobs.delete(jobId);
      throw e;
    }
    return { jobId };
  }

  async cancelJob(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (!job || job.cancelRequested) return; // finished already: nothing to cancel
    job.cancelRequested = true;
    this.host.cancel(jobId);
    // Native code that never checks for cancellation is stopped the hard way.
    job.cancelTimer = setTimeout(() => {
      if (this.jobs.get(jobId) === job) this.host.restart(`the compute process was restarted to stop job ${jobId}, which did not respond to cancel`);
    }, this.cancelGraceMs);
  }

  heatmap(query: HeatmapQuery): Promise<Heatmap> {
    this.checkAnalysis(query.analysisId);
    return this.host.request('heatmap', { query });
  }

  blockDetail(analysisId: string, side: 'a' | 'b', row: number, blockCol: number): Promise<BlockDetail> {
    this.checkAnalysis(analysisId);
    return this.host.request('blockDetail', { analysisId, side, row, blockCol });
  }

  async exportAnalysis(analysisId: string, format: ExportFormat): Promise<ExportPayload> {
    this.checkAnalysis(analysisId);
    const printer = this.options.pdfPrinter;
    // The desktop app prints with Electron; elsewhere the compute host prints through Chromium.
    if (format !== 'pdf' || !printer) return this.host.request('exportAnalysis', { analysisId, format });
    const html = await this.host.request('exportAnalysis', { analysisId, format: 'html' });
    return { fileName: html.fileName.replace(/\.html?$/i, '') + '.pdf', mimeType: 'application/pdf', data: await printer(html.data) };
  }

  async releaseAnalysis(analysisId: string): Promise<void> {
    if (!this.analyses.has(analysisId)) return;
    const generation = this.analyses.get(analysisId);
    this.analyses.delete(analysisId);
    if (generation === this.host.generation) await this.host.request('releaseAnalysis', { analysisId }).catch(() => undefined);
  }

  /** Stop the compute host and delete every upload. */
  async dispose(): Promise<void> {
    this.disposing = true;
    await this.host.dispose();
    await this.uploads.dispose();
    this.files.clear();
  }

  private file(fileId: string): OpenFileRecord {
    const f = this.files.get(fileId);
    if (!f) throw new ApiCallError({ code: 'NOT_FOUND', message: `no open file has the id ${fileId} (was it closed?)`, cause: 'fileId' });
    return f;
  }

  private checkAnalysis(analysisId: string): void {
    const generation = this.analyses.get(analysisId);
    if (generation === undefined) throw new ApiCallError({ code: 'NOT_FOUND', message: `there is no analysis ${analysisId} (it was released or never finished)`, cause: 'analysisId' });
    if (generation !== this.host.generation) {
      throw new ApiCallError({ code: 'NOT_FOUND', message: `analysis ${analysisId} was lost when the compute process restarted; run it again`, cause: 'analysisId' });
    }
  }

  private onJobEvent(event: JobEvent): void {
    const job = this.jobs.get(event.jobId);
    if (!job) return;
    if (event.type !== 'progress') {
      this.jobs.delete(event.jobId);
      clearTimeout(job.cancelTimer);
      if (event.type === 'done' && !this.disposing) this.analyses.set(event.result.id, this.host.generation);
    }
    deliver(job, event);
  }

  private onHostLost(reason: string): void {
    for (const [jobId, job] of this.jobs) {
      this.jobs.delete(jobId);
      clearTimeout(job.cancelTimer);
      // Cancelled on request or by shutting down; anything else is a crash the user should hear about.
      if (job.cancelRequested || this.disposing) deliver(job, { type: 'cancelled', jobId });
      else deliver(job, { type: 'failed', jobId, error: { code: 'INTERNAL', message: `${reason}. It has been restarted; run the analysis again (if it keeps failing, try the reference backend).` } });
    }
  }
}

function deliver(job: JobRecord, event: JobEvent): void {
  try {
    job.onEvent(event);
  } catch {
    // A listener's failure is the transport's business; the session goes on.
  }
}

function tooLarge(name: string, size: number, max: number): Fp4Error {
  return new Fp4Error('TOO_LARGE', `${name} is ${size} bytes; uploads are limited to ${max} bytes (start the server with a larger --max-upload)`);
}

export { tooLarge as uploadTooLargeError };

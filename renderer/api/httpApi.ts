import type { Heatmap } from '../../app/analysis/model';
import type { Api, ApiError, ExportPayload, FileSummary, JobEvent } from '../../app/api/contract';
import { ApiCallError, decodeFrame, decodeWireJson, encodeWireJson, FRAME_MIME, isApiError } from '../../app/api/transport';
import { browserDownload } from './browserDownload';
import { readSseStream } from './sse';

/**
 * The Api in web mode: fetch() against the server's /api routes (main/server/apiRoutes.ts),
 * job events over a server-sent-event stream, heatmaps and exports as binary frames. Every
 * request carries the run's token in a header.
 */
export interface HttpApiOptions {
  /** The server's origin, e.g. "http://127.0.0.1:8765". */
  readonly baseUrl: string;
  readonly token: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** How an export reaches the user; default: a browser download. */
  readonly download?: (payload: ExportPayload) => void;
}

const TOKEN_HEADER = 'X-FP4Lab-Token';
/** Reconnects of a job's event stream before the job is reported lost. */
const EVENT_STREAM_ATTEMPTS = 5;

function unreachable(e: unknown): ApiCallError {
  return new ApiCallError({ code: 'INTERNAL', message: `cannot reach the FP4 Lab server (${e instanceof Error ? e.message : String(e)}); is it still running?` });
}

async function errorOf(res: Response): Promise<ApiCallError> {
  try {
    const body = decodeWireJson(await res.text()) as { error?: unknown };
    if (isApiError(body.error)) return new ApiCallError(body.error);
  } catch {
    // not one of our error bodies (a proxy's page, a truncated reply): say what we know
  }
  return new ApiCallError({ code: res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : 'INTERNAL', message: `the server answered ${res.status} ${res.statusText}` });
}

async function valueOf(res: Response): Promise<unknown> {
  if (!res.ok) throw await errorOf(res);
  if ((res.headers.get('content-type') ?? '').startsWith(FRAME_MIME)) return decodeFrame(await res.arrayBuffer());
  return (decodeWireJson(await res.text()) as { value: unknown }).value;
}

/** Heatmap values arrive as float32 bytes; the model holds plain numbers. */
function heatmapFromFrame(value: unknown): Heatmap {
  const h = value as Omit<Heatmap, 'data'> & { data: Float32Array | number[] };
  return { ...h, data: Array.from(h.data) };
}

export function createHttpApi(options: HttpApiOptions): Api {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const download = options.download ?? browserDownload;

  const request = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(`${base}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), [TOKEN_HEADER]: options.token }, credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      throw unreachable(e);
    }
  };

  const call = async (method: string, args: unknown[]): Promise<unknown> =>
    valueOf(await request(`/api/call/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: encodeWireJson({ args }) }));

  const upload = async (name: string, body: Blob | Uint8Array): Promise<FileSummary> =>
    (await valueOf(
      await request(`/api/upload?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: body as BodyInit }),
    )) as FileSummary;

  /** Follow a job's events to its end, resuming after a dropped connection. */
  const followJob = async (jobId: string, onEvent: (event: JobEvent) => void): Promise<void> => {
    let seen = 0;
    let lastProblem = 'the event stream ended early';
    for (let attempt = 0; attempt < EVENT_STREAM_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      let finished = false;
      try {
        const res = await request(`/api/jobs/${encodeURIComponent(jobId)}/events?after=${seen}`, { method: 'GET', headers: { Accept: 'text/event-stream' } });
        if (!res.ok) {
          const error = await errorOf(res);
          onEvent({ type: 'failed', jobId, error: error.code === 'NOT_FOUND' ? { code: 'INTERNAL', message: `the server no longer knows job ${jobId} (was it restarted?)` } : error.toApiError() });
          return;
        }
        if (!res.body) throw new Error('the response has no body');
        await readSseStream(res.body, (message) => {
          if (message.event !== 'job' || finished) return;
          seen = Number(message.id ?? seen + 1);
          const event = decodeWireJson(message.data) as JobEvent;
          if (event.type !== 'progress') finished = true;
          onEvent(event);
        });
      } catch (e) {
        lastProblem = e instanceof Error ? e.message : String(e);
      }
      if (finished) return;
    }
    const error: ApiError = { code: 'INTERNAL', message: `lost the connection to the FP4 Lab server while job ${jobId} was running (${lastProblem})` };
    onEvent({ type: 'failed', jobId, error });
  };

  return {
    listBackends: async () => (await call('listBackends', [])) as Awaited<ReturnType<Api['listBackends']>>,
    openSample: async () => (await call('openSample', [])) as FileSummary,
    openUpload: (name, data) => upload(name, data),
    openLocalFile: async (file) => {
      if (!(file instanceof Blob)) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'openLocalFile needs a File from a file picker or a drop', cause: 'file' });
      // fetch streams a File from disk: a large tensor file is never read into the page.
      return upload(file.name, file);
    },
    openPath: async (path) => (await call('openPath', [path])) as FileSummary,
    listFiles: async () => (await call('listFiles', [])) as FileSummary[],
    closeFile: async (fileId) => {
      await call('closeFile', [fileId]);
    },
    previewMatrix: async (query) => heatmapFromFrame(await call('previewMatrix', [query])),
    startAnalysis: async (req, onEvent) => {
      const started = (await call('startAnalysis', [req])) as { jobId: string };
      void followJob(started.jobId, (event) => {
        try {
          onEvent(event);
        } catch (e) {
          console.error('FP4 Lab: a job event listener failed', e);
        }
      });
      return started;
    },
    cancelJob: async (jobId) => {
      await call('cancelJob', [jobId]);
    },
    heatmap: async (query) => heatmapFromFrame(await call('heatmap', [query])),
    blockDetail: async (analysisId, side, row, blockCol) => (await call('blockDetail', [analysisId, side, row, blockCol])) as Awaited<ReturnType<Api['blockDetail']>>,
    exportAnalysis: async (analysisId, format) => (await call('exportAnalysis', [analysisId, format])) as ExportPayload,
    saveExport: async (analysisId, format) => {
      const payload = (await call('exportAnalysis', [analysisId, format])) as ExportPayload;
      download(payload);
      return { savedAs: payload.fileName };
    },
    releaseAnalysis: async (analysisId) => {
      await call('releaseAnalysis', [analysisId]);
    },
    // Menus and OS "open with" exist only on the desktop.
    onAppEvent: () => () => undefined,
  };
}

/**
 * The token of this page: from the ?token= of the URL that `fp4lab serve` printed, kept in
 * sessionStorage so a reload still has it, and taken out of the address bar (screenshots,
 * shared links) once read. The page's own assets are let through by a cookie.
 */
export function pageToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    window.sessionStorage.setItem('fp4lab.token', fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  const stored = window.sessionStorage.getItem('fp4lab.token');
  if (stored) return stored;
  throw new ApiCallError({ code: 'UNAUTHORIZED', message: 'this page was opened without its token; open the URL that fp4lab serve printed' });
}

/** The Api for a page served by `fp4lab serve`. */
export function httpApiForPage(): Api {
  return createHttpApi({ baseUrl: window.location.origin, token: pageToken() });
}

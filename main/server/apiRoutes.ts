import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Heatmap } from '../../app/analysis/model';
import type { ApiError, JobEvent } from '../../app/api/contract';
import { ApiCallError, containsBlobs, encodeFrame, encodeWireJson, FRAME_MIME, toApiError } from '../../app/api/transport';
import { API_ARGUMENT_CHECKERS, checkAnalyzeRequest, checkId, checkUploadName, isPlainMethod } from '../service/apiArguments';
import type { Fp4Service } from '../service/service';
import { readJsonBody, streamBodyToFile } from './bodies';
import type { JobStreams } from './jobStreams';

/**
 * The HTTP form of the Api (renderer/api/httpApi.ts is its client):
 *   POST /api/call/<method>   {"args": [...]}  ->  {"value": ...} (wire JSON) or a frame (typed arrays)
 *   POST /api/upload?name=N   the file's bytes ->  {"value": FileSummary}
 *   GET  /api/jobs/<id>/events?after=S        ->  text/event-stream of the job's JobEvents
 * Errors: {"error": ApiError} with a status from its code. No route takes a server path.
 */

export interface ApiContext {
  readonly service: Fp4Service;
  readonly streams: JobStreams;
  readonly maxJsonBytes: number;
}

const STATUS_OF: Readonly<Record<ApiError['code'], number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 403,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  FORMAT: 422,
  NON_FINITE: 422,
  UNSUPPORTED: 422,
  BACKEND_UNAVAILABLE: 422,
  CUDA_OOM: 507,
  CANCELLED: 409,
  IO: 422,
  INTERNAL: 500,
};

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

export function sendError(res: ServerResponse, error: ApiError, status = STATUS_OF[error.code] ?? 500): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, encodeWireJson({ error }));
}

function sendValue(res: ServerResponse, value: unknown): void {
  if (!containsBlobs(value)) {
    sendJson(res, 200, encodeWireJson({ value: value === undefined ? null : value }));
    return;
  }
  const chunks = encodeFrame(value);
  res.writeHead(200, { 'Content-Type': FRAME_MIME, 'Content-Length': chunks.reduce((n, c) => n + c.length, 0), 'Cache-Control': 'no-store' });
  for (const c of chunks) res.write(c);
  res.end();
}

/** Heatmap values cross as float32 bytes (they are float32 already) rather than decimal text. */
function heatmapAsFrame(h: Heatmap): unknown {
  return { ...h, data: Float32Array.from(h.data) };
}

const NOT_OVER_HTTP: Readonly<Record<string, string>> = {
  openPath: 'opening a path on the server is not possible from the web page; upload the file, or name it on the command line (fp4lab serve FILE...)',
  openUpload: 'uploads are sent to POST /api/upload?name=... as the request body',
};

async function call(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, method: string): Promise<void> {
  if (method in NOT_OVER_HTTP) throw new ApiCallError({ code: 'UNAUTHORIZED', message: NOT_OVER_HTTP[method] });
  if (method !== 'startAnalysis' && !isPlainMethod(method)) throw new ApiCallError({ code: 'NOT_FOUND', message: `there is no API method '${method}'` });
  const body = await readJsonBody(req, res, ctx.maxJsonBytes);
  const args = (body as { args?: unknown } | null)?.args ?? [];
  if (!Array.isArray(args)) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'the body must be {"args": [...]}' });
  if (method === 'startAnalysis') {
    if (args.length !== 1) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: `startAnalysis takes 1 argument over HTTP, got ${args.length}`, cause: 'startAnalysis' });
    const started = await ctx.service.startAnalysis(checkAnalyzeRequest(args[0]), ctx.streams.push);
    ctx.streams.expect(started.jobId);
    sendValue(res, started);
    return;
  }
  if (!isPlainMethod(method)) return;
  const checked = API_ARGUMENT_CHECKERS[method](args) as unknown[];
  const fn = ctx.service[method] as (...a: unknown[]) => Promise<unknown>;
  const value = await fn.apply(ctx.service, checked);
  sendValue(res, method === 'heatmap' || method === 'previewMatrix' ? heatmapAsFrame(value as Heatmap) : value);
}

async function upload(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, url: URL): Promise<void> {
  const name = checkUploadName(url.searchParams.get('name') ?? undefined, 'name');
  const path = await ctx.service.uploadPath(name);
  await streamBodyToFile(req, res, path, ctx.service.maxUploadBytes, name);
  sendValue(res, await ctx.service.adoptUpload(name, path));
}

function events(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, jobId: string, url: URL): void {
  checkId(jobId, 'jobId');
  if (!ctx.streams.has(jobId)) throw new ApiCallError({ code: 'NOT_FOUND', message: `there is no job ${jobId} (finished jobs are kept for two minutes)` });
  const after = Number(url.searchParams.get('after') ?? '0');
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  // A comment now and then keeps proxies and SSH tunnels from closing an idle stream.
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const end = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  let finished = false;
  const unsubscribe = ctx.streams.subscribe(jobId, Number.isSafeInteger(after) && after > 0 ? after : 0, (event: JobEvent, seq: number) => {
    res.write(`id: ${seq}\nevent: job\ndata: ${encodeWireJson(event)}\n\n`);
    if (event.type !== 'progress') {
      finished = true;
      res.end();
    }
  });
  if (finished) {
    clearInterval(heartbeat);
    unsubscribe();
    return;
  }
  res.on('close', end);
}

/** Route one authenticated /api/ request. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, url: URL): Promise<void> {
  try {
    const callMatch = /^\/api\/call\/([A-Za-z]{1,40})$/.exec(url.pathname);
    const eventsMatch = /^\/api\/jobs\/([^/]{1,120})\/events$/.exec(url.pathname);
    if (callMatch || url.pathname === '/api/upload') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      if (callMatch) await call(req, res, ctx, callMatch[1]);
      else await upload(req, res, ctx, url);
    } else if (eventsMatch) {
      if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
      events(req, res, ctx, eventsMatch[1], url);
    } else {
      sendError(res, { code: 'NOT_FOUND', message: `no API route ${url.pathname}` });
    }
  } catch (e) {
    const error = toApiError(e);
    // A body we stopped reading (too large, malformed) cannot share the connection any more.
    if (!req.complete) res.setHeader('Connection', 'close');
    sendError(res, error);
  }
}

function methodNotAllowed(res: ServerResponse, allowed: string): void {
  res.setHeader('Allow', allowed);
  sendError(res, { code: 'INVALID_ARGUMENT', message: `use ${allowed} for this route` }, 405);
}

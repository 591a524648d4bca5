import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiCallError, decodeWireJson } from '../../app/api/transport';

/**
 * Request bodies with limits: JSON calls are small and read into memory; uploads stream to a
 * file and are never held whole. The server answers "Expect: 100-continue" itself (server.ts),
 * so a refused upload is refused before its bytes are sent.
 */

export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

function tooLarge(what: string, limit: number): ApiCallError {
  return new ApiCallError({ code: 'TOO_LARGE', message: `${what} is larger than the ${limit}-byte limit` });
}

/** Content-Length when given; null when the body is chunked. */
export function declaredLength(req: IncomingMessage): number | null {
  const v = req.headers['content-length'];
  if (v === undefined) return null;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'Content-Length is not a number' });
  return n;
}

/**
 * Feed each chunk of the body to `consume`, pausing the stream while it works. Unlike
 * `for await`, a failure leaves the request (and its socket) alone, so the caller can still
 * answer, e.g. 413, before closing the connection.
 */
function eachChunk(req: IncomingMessage, consume: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      req.off('data', onData);
      req.pause();
      reject(e);
    };
    const onData = (chunk: Buffer): void => {
      if (failed) return;
      req.pause();
      Promise.resolve()
        .then(() => consume(chunk))
        .then(() => {
          if (!failed) req.resume();
        }, fail);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!failed) resolve();
    });
    req.once('error', fail);
    req.once('close', () => {
      if (!req.complete) fail(new Error('the client closed the connection'));
    });
  });
}

function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
}

export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit = DEFAULT_MAX_JSON_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  // Only JSON: a cross-site HTML form cannot send it without a CORS preflight, which we refuse.
  if (type !== 'application/json') throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: `expected a JSON body (Content-Type: application/json), got ${type || 'none'}` });
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) throw tooLarge('the request body', limit);
  sendContinue(req, res);
  const chunks: Buffer[] = [];
  let size = 0;
  await eachChunk(req, (chunk) => {
    size += chunk.length;
    if (size > limit) throw tooLarge('the request body', limit);
    chunks.push(chunk);
  });
  try {
    return decodeWireJson(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiCallError({ code: 'INVALID_ARGUMENT', message: 'the request body is not valid JSON' });
  }
}

/**
 * Stream the body to a new file (mode 0600), chunk by chunk with backpressure; on any failure
 * or past the limit the file is removed. The request is left unread past the failure: the
 * caller answers and closes the connection.
 */
export async function streamBodyToFile(req: IncomingMessage, res: ServerResponse, path: string, limit: number, name: string): Promise<number> {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) throw tooLarge(`the upload ${name} (${declared} bytes)`, limit);
  sendContinue(req, res);
  let size = 0;
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
    const file = handle;
    await eachChunk(req, async (chunk) => {
      size += chunk.length;
      if (size > limit) throw tooLarge(`the upload ${name}`, limit);
      await file.write(chunk);
    });
    await handle.close();
    handle = undefined;
    if (declared !== null && size !== declared) throw new ApiCallError({ code: 'IO', message: `the upload of ${name} ended after ${size} of ${declared} bytes` });
    return size;
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(path, { force: true });
    if (e instanceof ApiCallError) throw e;
    throw new ApiCallError({ code: 'IO', message: `the upload of ${name} did not complete (${(e as Error).message})` });
  }
}

import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, ExportPayload } from '../../app/api/contract';
import { ApiCallError } from '../../app/api/transport';
import { memoryByteSource } from '../../app/tensors/byteSource';
import { readQuantizedTensor } from '../../app/tensors/quantizedFile';
import { quantizedTensorNamesFor } from '../../app/report/quantizedExport';
import { openSafetensors } from '../../app/tensors/safetensors';
import { startWebApp, type WebApp } from '../../main/server/webApp';
import { createHttpApi } from '../../renderer/api/httpApi';
import { localAnalysis, randomMatrix, runJob, safetensorsBytes, type GeneratedTensor } from './apiTestKit';

/**
 * The web mode against a real server on loopback: the security checks a browser or an attacker
 * would hit, then the Api through the page's own transport (renderer/api/httpApi.ts).
 */

const SECRET = 'this file lies outside the renderer folder';
const MAX_UPLOAD = 2 * 1024 * 1024;

let app: WebApp;
let work: string;
let port: number;
let token: string;
let api: Api;
const downloads: ExportPayload[] = [];

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A request sent exactly as written (fetch would normalise the path and refuse some headers). */
function raw(path: string, options: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const apiHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({ 'X-FP4Lab-Token': token, 'Content-Type': 'application/json', ...extra });

function uploadsLeft(): string[] {
  return readdirSync(work)
    .filter((d) => d.startsWith('fp4lab-uploads-'))
    .flatMap((d) => readdirSync(join(work, d)));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fp4lab-http-test-'));
  const renderer = join(work, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>FP4 Lab test page</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("fp4lab test asset");');
  writeFileSync(join(work, 'secret.txt'), SECRET);
  symlinkSync(join(work, 'secret.txt'), join(renderer, 'leak.txt'));
  app = await startWebApp({ port: 0, rendererDir: renderer, maxUploadBytes: MAX_UPLOAD, tempRoot: work });
  port = app.server.port;
  token = app.server.token;
  api = createHttpApi({ baseUrl: `http://127.0.0.1:${port}`, token, download: (p) => downloads.push(p) });
});

afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('web mode security', () => {
  it('prints a loopback URL that carries the token', () => {
    expect(app.server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    expect(token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses pages and API calls without the right token', async () => {
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/assets/app.js')).status).toBe(401);
    expect((await raw('/?token=wrong')).status).toBe(403);
    const call = { method: 'POST', body: '{"args":[]}' };
    expect((await raw('/api/call/listBackends', { ...call, headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    expect((await raw('/api/call/listBackends', { ...call, headers: apiHeaders({ 'X-FP4Lab-Token': 'x'.repeat(token.length) }) })).status).toBe(403);
    // The page's cookie lets assets through, but API calls must carry the header (no CSRF by cookie).
    const cookie = `fp4lab_token_${port}=${token}`;
    expect((await raw('/api/call/listBackends', { ...call, headers: { 'Content-Type': 'application/json', Cookie: cookie } })).status).toBe(401);
    expect((await raw('/api/call/listBackends', { ...call, headers: apiHeaders() })).status).toBe(200);
  });

  it('serves the page from the printed URL with strict headers, then its assets by cookie', async () => {
    const page = await raw(`/?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('FP4 Lab test page');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0];
    const asset = await raw('/assets/app.js', { headers: { Cookie: cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
  });

  it('refuses path traversal on static files, encoded or not', async () => {
    const auth = { headers: { Cookie: `fp4lab_token_${port}=${token}` } };
    const attempts = ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%2e%2e%5csecret.txt', '/assets/%00', '//secret.txt', '/leak.txt'];
    for (const path of attempts) {
      const r = await raw(path, auth);
      expect([400, 404], `${path} answered ${r.status}`).toContain(r.status);
      expect(r.body).not.toContain(SECRET);
    }
  });

  it('checks Host (DNS rebinding) and Origin (no CORS)', async () => {
    const listBackends = (headers: Record<string, string>) => raw('/api/call/listBackends', { method: 'POST', body: '{"args":[]}', headers: apiHeaders(headers) });
    expect((await listBackends({ Host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw(`/?token=${token}`, { headers: { Host: 'attacker.test' } })).status).toBe(403);
    expect((await listBackends({ Origin: 'http://evil.example' })).status).toBe(403);
    expect((await listBackends({ Origin: 'null' })).status).toBe(403);
    expect((await listBackends({ 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await raw('/api/call/listBackends', { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } })).status).toBe(403);
    // Loopback names on any port pass (an SSH tunnel may use another local port), same-origin too.
    expect((await listBackends({ Host: 'localhost:9999', Origin: 'http://localhost:9999' })).status).toBe(200);
    expect((await listBackends({ Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });

  it('has no route that opens a path on the server', async () => {
    const r = await raw('/api/call/openPath', { method: 'POST', body: JSON.stringify({ args: [join(work, 'secret.txt')] }), headers: apiHeaders() });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.code).toBe('UNAUTHORIZED');
    await expect(api.openPath(join(work, 'secret.txt'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await api.listFiles()).map((f) => f.name)).not.toContain('secret.txt');
    expect((await raw('/api/call/readFile', { method: 'POST', body: '{"args":[]}', headers: apiHeaders() })).status).toBe(404);
  });

  it('limits bodies: JSON size and type, upload size (before and while streaming)', async () => {
    const big = JSON.stringify({ args: ['x'.repeat(1024 * 1024 + 1)] });
    expect((await raw('/api/call/listBackends', { method: 'POST', body: big, headers: apiHeaders() })).status).toBe(413);
    expect((await raw('/api/call/listBackends', { method: 'POST', body: '{"args":[]}', headers: apiHeaders({ 'Content-Type': 'text/plain' }) })).status).toBe(400);
    // Declared too large: refused before any byte is read (with Expect: 100-continue, before it is sent).
    const declared = await raw('/api/upload?name=huge.safetensors', { method: 'POST', headers: { 'X-FP4Lab-Token': token, 'Content-Length': MAX_UPLOAD + 1, Expect: '100-continue' } });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('TOO_LARGE');
    // Chunked (no length): cut off once past the limit, nothing left on disk.
    const chunked = await new Promise<number>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/api/upload?name=chunked.bin', method: 'POST', headers: { 'X-FP4Lab-Token': token, 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1)); // the server may close before we finish sending
      const chunk = Buffer.alloc(256 * 1024, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < MAX_UPLOAD + 512 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect([413, -1]).toContain(chunked);
    expect(uploadsLeft()).toEqual([]);
    // Upload names are names, not paths.
    expect((await raw('/api/upload?name=..%2F..%2Fetc%2Fpasswd', { method: 'POST', body: 'x', headers: { 'X-FP4Lab-Token': token } })).status).toBe(400);
  });

  it('rejects malformed arguments with the argument named', async () => {
    await expect(api.heatmap({ analysisId: 'analysis-x', target: 'a', field: 'abs_error', maxRows: 100000, maxCols: 10 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'query.maxRows' });
    await expect(api.closeFile('../../etc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'fileId' });
    await expect(api.startAnalysis({ a: { fileId: 'file-1', tensor: 'w', kwargs: { scale_rule: 'mse', bogus: 1 } as never }, options: {} }, () => undefined)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', detail: 'request.a.kwargs.bogus' });
  });
});

describe('web mode API round trip', () => {
  const seed = (Date.now() % 1_000_000) + 1;
  const a: GeneratedTensor = { name: 'layer.weight', matrix: randomMatrix(48, 96, seed) };
  const b: GeneratedTensor = { name: 'layer.input', matrix: randomMatrix(20, 96, seed + 1) };

  it(`uploads, lists, previews, analyses, zooms and exports (seed ${seed})`, async () => {
    console.log(`httpServer round trip: random tensors from seed ${seed}`);
    const bytes = safetensorsBytes([a, b]);
    const file = await api.openLocalFile(new File([bytes as Uint8Array<ArrayBuffer>], 'test.safetensors'));
    expect(file.format).toBe('safetensors');
    expect(file.size).toBe(bytes.length);
    expect(file.tensors.map((t) => [t.name, t.dtype, t.matrix])).toEqual([
      [a.name, 'F32', [48, 96]],
      [b.name, 'F32', [20, 96]],
    ]);
    expect((await api.listFiles()).map((f) => f.fileId)).toContain(file.fileId);

    const preview = await api.previewMatrix({ fileId: file.fileId, tensor: a.name, maxRows: 48, maxCols: 96 });
    expect(preview.data).toEqual(Array.from(a.matrix.data));

    const options = { compareRules: false, overviewSize: 16 };
    const job = await runJob(api, { a: { fileId: file.fileId, tensor: a.name, kwargs: { scale_rule: 'mse' } }, b: { fileId: file.fileId, tensor: b.name, kwargs: { scale_rule: 'mse' } }, options });
    expect(job.final.type, JSON.stringify(job.final)).toBe('done');
    if (job.final.type !== 'done') return;
    expect(job.events.filter((e) => e.type === 'progress').length).toBeGreaterThanOrEqual(3);
    const result = job.final.result;

    const oracle = await localAnalysis(a, b, 'test.safetensors', options, { scale_rule: 'mse' }, result.backend);
    expect(result.a.metrics).toEqual(oracle.result.a.metrics);
    expect(result.matmul?.metrics).toEqual(oracle.result.matmul?.metrics);
    expect(result.a.provenance.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Zoom windows on an element field, a block field (B: 20 x 6 blocks) and the 48 x 20 product.
    const zooms = [
      ['a', 'abs_error', { r0: 8, r1: 40, c0: 16, c1: 80 }],
      ['b', 'scale', { r0: 2, r1: 18, c0: 1, c1: 5 }],
      ['out', 'out_signed_error', { r0: 8, r1: 40, c0: 2, c1: 18 }],
    ] as const;
    for (const [target, field, window] of zooms) {
      const served = await api.heatmap({ analysisId: result.id, target, field, window, maxRows: 7, maxCols: 9 });
      const expected = await oracle.heatmap({ target, field, window, maxRows: 7, maxCols: 9 });
      expect(served.data, `${target}.${field}`).toEqual(expected.data);
      expect([served.rows, served.cols, served.cellRows, served.cellCols]).toEqual([expected.rows, expected.cols, expected.cellRows, expected.cellCols]);
    }
    const detail = await api.blockDetail(result.id, 'a', 5, 2);
    expect(detail).toEqual(oracle.blockDetail('a', 5, 2));

    const json = await api.exportAnalysis(result.id, 'json');
    expect(json.mimeType).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(json.data)).result.id).toBe(result.id);

    const saved = await api.saveExport(result.id, 'safetensors');
    expect(saved?.savedAs).toMatch(/quantized\.safetensors$/);
    const quantizedFile = await openSafetensors(memoryByteSource(downloads.at(-1)!.data, 'export'));
    const qa = await readQuantizedTensor(quantizedFile, quantizedTensorNamesFor(oracle).a);
    expect(Buffer.from(qa.quantized.e2m1).equals(Buffer.from(oracle.quantized('a').e2m1))).toBe(true);
    expect(Buffer.from(qa.quantized.sf).equals(Buffer.from(oracle.quantized('a').sf))).toBe(true);
    expect(qa.originalShape).toEqual([48, 96]);

    // The report formats come from app/report through the same call.
    const html = new TextDecoder().decode((await api.exportAnalysis(result.id, 'html')).data);
    expect(html).toContain('<html');
    expect(html).toContain(String(result.a.metrics.mse));
    const csv = new TextDecoder().decode((await api.exportAnalysis(result.id, 'csv')).data);
    expect(csv.split('\n').length).toBeGreaterThan(3);
    const python = new TextDecoder().decode((await api.exportAnalysis(result.id, 'python')).data);
    expect(python).toContain('quantize_to_fp4');
    // PDF in web mode: printed by the compute host through Chromium.
    const pdf = await api.exportAnalysis(result.id, 'pdf');
    expect(new TextDecoder().decode(pdf.data.subarray(0, 5))).toBe('%PDF-');

    await api.releaseAnalysis(result.id);
    await expect(api.heatmap({ analysisId: result.id, target: 'a', field: 'abs_error', maxRows: 4, maxCols: 4 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await api.closeFile(file.fileId);
    expect((await api.listFiles()).map((f) => f.fileId)).not.toContain(file.fileId);
    expect(uploadsLeft()).toEqual([]);
  });

  it('reports a bad upload as a FORMAT error naming the file, and keeps nothing', async () => {
    const before = uploadsLeft();
    const err = await api.openUpload('notes.safetensors', new TextEncoder().encode('these are not tensors')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err).toMatchObject({ code: 'FORMAT' });
    expect((err as ApiCallError).message).toContain('notes.safetensors');
    expect(uploadsLeft()).toEqual(before);
  });

  it('cancels a running analysis', async () => {
    const sample = await api.openSample();
    const [w, x] = sample.tensors;
    let cancelled = false;
    const job = await runJob(api, { a: { fileId: sample.fileId, tensor: w.name, kwargs: {} }, b: { fileId: sample.fileId, tensor: x.name, kwargs: {} }, options: { compareRules: true } }, (_e, jobId) => {
      if (!cancelled) void api.cancelJob(jobId);
      cancelled = true;
    });
    expect(job.final.type).toBe('cancelled');
    expect((await api.listBackends()).find((s) => s.name === 'reference')?.available).toBe(true);
  });

  it('survives the compute host dying mid-job: the job fails with a sentence, the host restarts', async () => {
    const sample = await api.openSample();
    const [w, x] = sample.tensors;
    const before = app.service.computePid;
    expect(before).toBeGreaterThan(0);
    let killed = false;
    const job = await runJob(api, { a: { fileId: sample.fileId, tensor: w.name, kwargs: {} }, b: { fileId: sample.fileId, tensor: x.name, kwargs: {} }, options: { compareRules: true } }, () => {
      if (!killed) process.kill(before!, 'SIGKILL'); // what a segfault in the native addon looks like from outside
      killed = true;
    });
    expect(job.final.type).toBe('failed');
    if (job.final.type !== 'failed') return;
    expect(job.final.error.code).toBe('INTERNAL');
    expect(job.final.error.message).toMatch(/compute process stopped unexpectedly \(signal SIGKILL\).*restarted/);
    // The server answers at once and a new host does the next job.
    expect((await api.listBackends()).length).toBe(3);
    expect(app.service.computePid).not.toBe(before);
    const again = await runJob(api, { a: { fileId: sample.fileId, tensor: x.name, kwargs: { scale_rule: 'always_6' } }, options: { compareRules: false, overviewSize: 8 } });
    expect(again.final.type).toBe('done');
  });
});

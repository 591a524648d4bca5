import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Fp4Error } from '../../app/errors';
import type { Fp4Service } from '../service/service';
import { handleApi, sendError } from './apiRoutes';
import { DEFAULT_MAX_JSON_BYTES } from './bodies';
import { JobStreams } from './jobStreams';
import { authenticate, hostAllowed, isLoopbackHost, newToken, originAllowed, setSecurityHeaders, tokenCookieName } from './security';
import { findStaticFile, PLACEHOLDER_INDEX_HTML, staticRelativePath } from './staticFiles';

export interface ServerOptions {
  readonly service: Fp4Service;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 picks a free one. */
  readonly port?: number;
  /** Required to listen on anything but loopback. */
  readonly allowRemote?: boolean;
  /** Extra host names the Host header may carry (the box's name when serving remotely). */
  readonly allowedHosts?: readonly string[];
  /** The built renderer; default dist/renderer of this checkout. */
  readonly rendererDir?: string;
  /** The session token; default a fresh random one (tests pass their own). */
  readonly token?: string;
  readonly maxJsonBytes?: number;
}

export interface RunningServer {
  /** The URL to open: it carries the token. */
  readonly url: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Web mode: the built renderer and the Api over HTTP (Node's http module), for a browser on
 * this machine or, through an SSH tunnel, on another. Every request passes the Host and Origin
 * checks and carries the run's token; only loopback is served unless the user says otherwise.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new Fp4Error('INVALID_ARGUMENT', `--host ${host} would let other machines reach FP4 Lab (and through it, the files you open); pass --allow-remote to mean it, or use an SSH tunnel to 127.0.0.1`);
  }
  const token = options.token ?? newToken();
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const allowedHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  if (host === '0.0.0.0' || host === '::') {
    // Listening everywhere: the browser may use any of this machine's addresses (names need --allow-host).
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) allowedHosts.add(a.address.toLowerCase());
  } else if (!isLoopbackHost(host)) allowedHosts.add(host.toLowerCase());
  const streams = new JobStreams();
  const ctx = { service: options.service, streams, maxJsonBytes: options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES };
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const isApi = (req.url ?? '').startsWith('/api/');
    const kind = isApi ? 'api' : 'page';
    setSecurityHeaders(res, kind);
    if (!hostAllowed(req, allowedHosts)) {
      return sendError(res, { code: 'UNAUTHORIZED', message: `host '${req.headers.host ?? ''}' is not served here (DNS rebinding protection); open the URL that fp4lab serve printed` }, 403);
    }
    if (req.method === 'OPTIONS' || !originAllowed(req, kind)) {
      return sendError(res, { code: 'UNAUTHORIZED', message: 'cross-origin requests are not allowed' }, 403);
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, { code: 'INVALID_ARGUMENT', message: 'malformed request URL' }, 400);
    }
    const auth = authenticate(req, url, token, port, kind);
    if (!auth.ok) return sendError(res, { code: 'UNAUTHORIZED', message: auth.reason }, auth.status);
    if (isApi) return handleApi(req, res, ctx, url);
    await servePage(req, res, rawPath(req.url ?? '/'), auth.via === 'query' ? token : undefined);
  };

  const servePage = async (req: IncomingMessage, res: ServerResponse, path: string, setCookieToken: string | undefined): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, { code: 'INVALID_ARGUMENT', message: 'only GET and HEAD are served here' }, 405);
    }
    const rel = staticRelativePath(path);
    if (!rel.ok) return sendError(res, { code: 'INVALID_ARGUMENT', message: `refused path: ${rel.reason}` }, rel.status);
    if (setCookieToken) res.setHeader('Set-Cookie', `${tokenCookieName(port)}=${setCookieToken}; HttpOnly; SameSite=Strict; Path=/`);
    const file = await findStaticFile(rendererDir, rel.relative);
    if (!file) {
      if (rel.relative === 'index.html' && !existsSync(rendererDir)) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : PLACEHOLDER_INDEX_HTML);
        return;
      }
      return sendError(res, { code: 'NOT_FOUND', message: `no file ${rel.relative}` }, 404);
    }
    // Vite's assets have content hashes in their names; everything else is revalidated.
    const cache = rel.relative.startsWith('assets/') ? 'private, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.size, 'Cache-Control': cache });
    if (req.method === 'HEAD') return void res.end();
    // A file that vanishes mid-read ends this response, not the server.
    file.open().on('error', () => res.destroy()).pipe(res);
  };

  const server: Server = createServer({ requestTimeout: 0, headersTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, { code: 'INTERNAL', message: `internal error: ${(e as Error).message}` }));
  });
  // Answer "Expect: 100-continue" ourselves: the routes send Continue only once they accept the body.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost(shownHost)}:${port}/?token=${token}`,
    token,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request's path exactly as sent (before '?'), so encoded traversal is judged as sent. */
function rawPath(requestUrl: string): string {
  const q = requestUrl.indexOf('?');
  return q === -1 ? requestUrl : requestUrl.slice(0, q);
}

import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { PAGE_CSP } from '../server/security';
import { findStaticFile, PLACEHOLDER_INDEX_HTML, staticRelativePath } from '../server/staticFiles';

export const APP_SCHEME = 'app';
export const APP_HOST = 'fp4lab';

/**
 * Must run before the app is ready: app:// behaves like a secure web origin (fetch, storage, ES
 * module scripts, which Vite's build loads in CORS mode). No other origin is let in: responses
 * carry no Access-Control-Allow-Origin.
 */
export function registerAppSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
}

/**
 * Serve the built renderer at app://fp4lab/ instead of file://, which would give the page the
 * whole file system as its origin. Same path checks as the web server; a strict CSP on every page.
 */
export function serveRendererOverAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const headers = { 'Content-Security-Policy': PAGE_CSP, 'X-Content-Type-Options': 'nosniff' };
    if (url.host !== APP_HOST) return new Response('not found', { status: 404, headers });
    const rel = staticRelativePath(url.pathname);
    if (!rel.ok) return new Response(rel.reason, { status: rel.status, headers });
    const file = await findStaticFile(rendererDir, rel.relative);
    if (!file) {
      if (rel.relative === 'index.html') return new Response(PLACEHOLDER_INDEX_HTML, { status: 200, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
      return new Response('not found', { status: 404, headers });
    }
    return new Response(await readFile(file.path), { status: 200, headers: { ...headers, 'Content-Type': file.contentType } });
  });
}

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The built renderer (dist/renderer) as static files, for the web server and the desktop
 * app's app:// protocol. A request path maps to a file under the root only: encoded or plain
 * "..", backslashes, NUL bytes and symlinks that lead outside are refused.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticPathResult = { ok: true; relative: string } | { ok: false; status: 400; reason: string };

/** The file a URL path names, relative to the root ("/" is index.html), or why it is refused. */
export function staticRelativePath(urlPath: string): StaticPathResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding in the path' };
  }
  if (!decoded.startsWith('/')) return { ok: false, status: 400, reason: 'the path must start with /' };
  if (decoded.includes('\u0000') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'the path holds a NUL byte or a backslash' };
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 400, reason: 'the path may not contain . or .. segments' };
  if (segments.slice(0, -1).some((s) => s === '')) return { ok: false, status: 400, reason: 'the path has an empty segment' };
  const relative = segments.join('/');
  return { ok: true, relative: relative === '' ? 'index.html' : relative };
}

export interface StaticFile {
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  open(): NodeJS.ReadableStream;
}

/** The file under root for a checked relative path, or null when there is none (or it escapes). */
export async function findStaticFile(root: string, relative: string): Promise<StaticFile | null> {
  const base = resolve(root);
  const candidate = resolve(join(base, relative));
  if (!candidate.startsWith(base + sep)) return null;
  try {
    // Symlinks are followed only where they stay inside the root.
    const [real, realBase] = await Promise.all([realpath(candidate), realpath(base)]);
    if (!real.startsWith(realBase + sep)) return null;
    const st = await stat(real);
    if (!st.isFile()) return null;
    return { path: real, size: st.size, contentType: contentTypeOf(real), open: () => createReadStream(real) };
  } catch {
    return null;
  }
}

/** Shown when dist/renderer has not been built: the API works, the UI is not there yet. */
export const PLACEHOLDER_INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>FP4 Lab</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;color:#222}code{background:#f2f2f2;padding:0 .3em}</style>
</head>
<body>
<h1>FP4 Lab</h1>
<p>The server and its API are running, but the user interface has not been built yet.</p>
<p>Build it with <code>npm run build</code> and reload this page.</p>
</body>
</html>
`;

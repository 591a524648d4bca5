import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/**
 * The web mode's guards. The server runs on the user's machine (or a GPU box reached through
 * an SSH tunnel) and can read and write files, so every request must prove it comes from the
 * page we served: a per-run random token, a Host header naming a host we serve (DNS
 * rebinding), a same-origin Origin (no CORS at all), and strict response headers.
 */

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokensEqual(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const TOKEN_HEADER = 'x-fp4lab-token';

/** The cookie that lets the page's own asset requests through after it was opened with ?token=. */
export function tokenCookieName(port: number): string {
  // Cookies are shared across ports of a host; the port keeps two servers apart.
  return `fp4lab_token_${port}`;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type AuthResult = { ok: true; via: 'header' | 'query' | 'cookie' } | { ok: false; status: 401 | 403; reason: string };

/**
 * API requests carry the token in a header (which a cross-site form or image cannot send);
 * page loads in the ?token= query (the printed URL) or the cookie set by that first load.
 */
export function authenticate(req: IncomingMessage, url: URL, token: string, port: number, kind: 'api' | 'page'): AuthResult {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = (req.headers[TOKEN_HEADER] as string | undefined) ?? bearer;
  const candidates: [string | undefined, 'header' | 'query' | 'cookie'][] =
    kind === 'api' ? [[header, 'header']] : [[url.searchParams.get('token') ?? undefined, 'query'], [cookie(req, tokenCookieName(port)), 'cookie'], [header, 'header']];
  const given = candidates.find(([v]) => v !== undefined);
  if (!given) {
    return { ok: false, status: 401, reason: kind === 'api' ? `this request needs the session token (header ${TOKEN_HEADER})` : 'open the URL that `fp4lab serve` printed (it carries ?token=...)' };
  }
  if (!tokensEqual(given[0]!, token)) return { ok: false, status: 403, reason: 'the token does not match this server run' };
  return { ok: true, via: given[1] };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The host name in a Host header ("[::1]:8765" -> "::1"), or null when it is malformed. */
export function hostHeaderName(value: string | undefined): string | null {
  if (!value) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.trim());
  return m ? m[1].replace(/^\[|\]$/g, '').toLowerCase() : null;
}

/**
 * DNS rebinding defence: a page on evil.example whose name was re-pointed at 127.0.0.1 sends
 * "Host: evil.example". Only loopback names (any port, so SSH tunnels work) and the names the
 * user allowed pass.
 */
export function hostAllowed(req: IncomingMessage, allowedHosts: ReadonlySet<string>): boolean {
  const name = hostHeaderName(req.headers.host);
  return name !== null && (isLoopbackHost(name) || allowedHosts.has(name));
}

/**
 * No CORS: a request that says where it comes from must come from this very origin. Browsers
 * add Origin to every POST and to cross-origin GETs; Sec-Fetch-Site tells the rest.
 */
export function originAllowed(req: IncomingMessage, kind: 'api' | 'page'): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false; // includes the opaque "null" origin of sandboxed frames and file:// pages
    }
    if (parsed.protocol !== 'http:' || parsed.host !== (req.headers.host ?? '').toLowerCase()) return false;
  }
  const site = req.headers['sec-fetch-site'];
  if (kind === 'api' && site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  return true;
}

/** What the page may load and talk to: only itself. Plotly needs inline styles, nothing else. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export function setSecurityHeaders(res: ServerResponse, kind: 'api' | 'page'): void {
  res.setHeader('Content-Security-Policy', kind === 'page' ? PAGE_CSP : API_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The page URL carries the token: never send it anywhere as a referrer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

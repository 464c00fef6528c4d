// The responses the Ingress proxy writes as ingress-nginx's nginx does: its built-in error and redirect pages, and an
// upstream response passed through nginx's proxy module (hidden headers, hop-by-hop headers, header order).

import type { HttpHeader, HttpRequest, HttpResponse } from '../dataplane/types.js';

/**
 * nginx's status lines for the codes the proxy itself answers (src/http/ngx_http_header_filter_module.c), which
 * differ from the RFC phrases for 503 and 504.
 */
const NGINX_REASONS: Record<number, string> = {
  308: 'Permanent Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** The first value of a header, matched case-insensitively. */
export function header(headers: readonly HttpHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) {
    const n = headers[i][0];
    if (n.length === lower.length && (n === name || n.toLowerCase() === lower)) return headers[i][1];
  }
  return undefined;
}

/** The last second httpDate wrote, and what: every response of a busy second shares one string. */
const lastDate = { second: NaN, text: '' };

/** An IMF-fixdate, the Date header format (RFC 9110 §5.6.7). */
export function httpDate(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastDate.second) {
    lastDate.text = d.toUTCString();
    lastDate.second = second;
  }
  return lastDate.text;
}

/** nginx's reason phrase for a status it answers itself. */
export function nginxReason(status: number): string {
  return NGINX_REASONS[status] ?? 'Error';
}

/**
 * nginx's built-in page for a status (ngx_http_special_response.c). ingress-nginx runs with server-tokens false
 * (internal/ingress/controller/config/config.go ShowServerTokens), so the page tail says `nginx` without a version.
 * The 404 is 146 bytes.
 */
export function nginxErrorPage(status: number): string {
  const title = `${status} ${nginxReason(status)}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/**
 * Whether nginx keeps the client connection open after this request: HTTP/1.1 unless the client said
 * `Connection: close`, HTTP/1.0 only with `Connection: keep-alive` (ngx_http_request.c, keepalive_timeout 75s).
 */
export function clientKeepAlive(req: HttpRequest): boolean {
  const c = header(req.headers, 'Connection')?.toLowerCase() ?? '';
  if (c === '') return req.version === 'HTTP/1.1';
  const tokens = c.split(',').map((t) => t.trim());
  if (tokens.includes('close')) return false;
  return req.version === 'HTTP/1.1' || tokens.includes('keep-alive');
}

/**
 * A page nginx answers itself (404 of the default backend, 308 ssl-redirect, 502/503/504). ngx_http_special_response.c
 * closes the connection after 400, 413 and 500; the other codes keep it. nginx writes `Server` first, but ingress-nginx
 * clears it (`more_clear_headers Server` in nginx.tmpl when server-tokens is false), so the first header is `Date`.
 */
export function nginxPage(req: HttpRequest, status: number, now: Date, location?: string): HttpResponse {
  const page = Buffer.from(nginxErrorPage(status), 'latin1');
  const keepAlive = clientKeepAlive(req) && status !== 400 && status !== 413 && status !== 500;
  const headers: HttpHeader[] = [['Date', httpDate(now)], ['Content-Type', 'text/html'], ['Content-Length', String(page.length)]];
  if (location !== undefined) headers.push(['Location', location]);
  headers.push(['Connection', keepAlive ? 'keep-alive' : 'close']);
  return { version: 'HTTP/1.1', status, reason: NGINX_REASONS[status] ?? 'Error', headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : page };
}

/**
 * Upstream response headers nginx's proxy module never passes: its proxy_hide_header defaults (Date, Server, X-Pad,
 * X-Accel-*; ngx_http_proxy_module.c ngx_http_proxy_hide_headers) and the hop-by-hop headers it handles itself
 * (Connection, Keep-Alive, Transfer-Encoding — nginx re-frames the body).
 */
const HIDDEN_RESPONSE_HEADERS = new Set(['date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset', 'connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);
/** The upstream headers nginx keeps in fixed slots of its response (ngx_http_upstream_headers_in), written first. */
const FIXED_RESPONSE_HEADERS = new Set(['content-type', 'content-length', 'last-modified', 'location']);

/**
 * The upstream's response as nginx passes it to the client: HTTP/1.1 with the upstream's status line; nginx's own
 * Date; the headers nginx keeps in fixed slots written first, in ngx_http_header_filter_module.c's order
 * (Content-Type, Content-Length, Last-Modified, Location, Connection); then every other upstream header in the
 * upstream's order. Headers the upstream listed in its Connection header are hop-by-hop too (RFC 9110 §7.6.1).
 */
export function proxiedResponse(req: HttpRequest, upstream: HttpResponse, now: Date): HttpResponse {
  // One pass over the upstream's headers: each name lower-cased once, the first value of each fixed slot kept.
  const up = upstream.headers;
  const lower: string[] = new Array(up.length);
  let contentType: string | undefined;
  let contentLength: string | undefined;
  let lastModified: string | undefined;
  let location: string | undefined;
  let connection: string | undefined;
  for (let i = 0; i < up.length; i++) {
    const [n, v] = up[i];
    const l = (lower[i] = n.toLowerCase());
    if (l === 'content-type') contentType ??= v;
    else if (l === 'content-length') contentLength ??= v;
    else if (l === 'last-modified') lastModified ??= v;
    else if (l === 'location') location ??= v;
    else if (l === 'connection') connection ??= v;
  }
  const hopByHop = connection
    ? new Set(
        connection
          .split(',')
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
      )
    : undefined;
  const headers: HttpHeader[] = [['Date', httpDate(now)]];
  const bodyless = upstream.status === 204 || upstream.status === 304 || (upstream.status >= 100 && upstream.status < 200);
  if (contentType !== undefined) headers.push(['Content-Type', contentType]);
  // nginx sends the upstream's length (a HEAD answer keeps the entity's), else frames the body it read.
  if (!bodyless) headers.push(['Content-Length', contentLength ?? String(upstream.body.length)]);
  if (lastModified !== undefined) headers.push(['Last-Modified', lastModified]);
  if (location !== undefined) headers.push(['Location', location]);
  headers.push(['Connection', clientKeepAlive(req) ? 'keep-alive' : 'close']);
  for (let i = 0; i < up.length; i++) {
    const l = lower[i];
    if (HIDDEN_RESPONSE_HEADERS.has(l) || FIXED_RESPONSE_HEADERS.has(l) || hopByHop?.has(l)) continue;
    headers.push([up[i][0], up[i][1]]);
  }
  return { version: 'HTTP/1.1', status: upstream.status, reason: upstream.reason, headers, body: req.method === 'HEAD' || bodyless ? Buffer.alloc(0) : upstream.body };
}

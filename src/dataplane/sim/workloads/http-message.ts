// HTTP message helpers the emulated servers share: header lookup, dates, reason phrases, Go net/http's header
// order and content sniffing, and the wire form of a response.

import type { HttpHeader, HttpRequest, HttpResponse } from '../../types.js';

/** The first value of a header, matched case-insensitively, or undefined. */
export function headerValue(headers: readonly HttpHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) {
    const n = headers[i][0];
    if (n.length === lower.length && (n === name || n.toLowerCase() === lower)) return headers[i][1];
  }
  return undefined;
}

/** A copy of headers with every line of `name` removed and, unless value is undefined, one line appended. */
export function withHeader(headers: readonly HttpHeader[], name: string, value: string | undefined): HttpHeader[] {
  const lower = name.toLowerCase();
  const out = headers.filter(([n]) => n.toLowerCase() !== lower);
  if (value !== undefined) out.push([name, value]);
  return out;
}

/** Replaces a header's value in place of its first line (keeping the order servers wrote it in), else appends. */
export function replaceHeader(headers: readonly HttpHeader[], name: string, value: string): HttpHeader[] {
  const lower = name.toLowerCase();
  const i = headers.findIndex(([n]) => n.toLowerCase() === lower);
  if (i < 0) return [...headers, [name, value]];
  return headers.filter(([n], j) => j === i || n.toLowerCase() !== lower).map((h) => (h[0].toLowerCase() === lower ? [h[0], value] : h));
}

/** The path part of a request-target (`/echo?msg=hi` → `/echo`). */
export function requestPath(req: HttpRequest): string {
  const q = req.target.indexOf('?');
  return q < 0 ? req.target : req.target.slice(0, q);
}

/** The decoded query parameters of a request-target, first value per name (Go's r.FormValue for GETs). */
export function queryParam(req: HttpRequest, name: string): string {
  const q = req.target.indexOf('?');
  if (q < 0) return '';
  return new URLSearchParams(req.target.slice(q + 1)).get(name) ?? '';
}

/**
 * Memoizes a format of whole seconds: the last second and its text, so that the many responses and log lines of one
 * busy second format it once.
 */
function perSecond(format: (d: Date) => string): (d: Date) => string {
  let second = NaN;
  let text = '';
  return (d) => {
    const s = Math.floor(d.getTime() / 1000);
    if (s !== second) {
      text = format(d);
      second = s;
    }
    return text;
  };
}

/** An IMF-fixdate (`Mon, 23 Nov 2026 10:00:00 GMT`), the Date header format of RFC 9110 §5.6.7. */
export const httpDate: (d: Date) => string = perSecond((d) => d.toUTCString());

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** nginx's and Apache's $time_local in a container running on UTC: `23/Nov/2026:10:00:00 +0000`. */
export const timeLocal: (d: Date) => string = perSecond(
  (d) => `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`,
);

/** Go's log package default prefix and nginx's error-log time: `2026/11/23 10:00:00`. */
export const logTime: (d: Date) => string = perSecond(
  (d) => `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
);

/** A duration the way Go's time.Duration.String prints it: `0s`, `250ms`, `1.5s`, `1m30s`, `35µs`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${trimNumber(ms * 1000)}µs`;
  if (ms < 1000) return `${trimNumber(ms)}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trimNumber(s)}s`;
}

function trimNumber(n: number): string {
  return String(Number(n.toFixed(9)));
}

/** Reason phrases as Go's net/http StatusText writes them (RFC 9110 wording). */
const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information',
  204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
  401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large', 414: 'Request URI Too Long',
  415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a teapot",
  421: 'Misdirected Request', 422: 'Unprocessable Entity', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** The reason phrase Go writes for a status; Go writes `status code N` for codes it does not know. */
export function statusText(status: number): string {
  return REASONS[status] ?? `status code ${status}`;
}

/**
 * Go's http.DetectContentType for the bodies these servers write: HTML and XML signatures, else UTF-8 text,
 * else octet-stream (net/http/sniff.go; the image, audio and archive signatures are left out).
 */
export function sniffContentType(body: Buffer): string {
  let i = 0;
  while (i < body.length && isSniffSpace(body[i])) i++;
  // Every signature starts with `<`: a body that does not skips the sixteen-byte head.
  if (body[i] === 0x3c) {
    const head = body.subarray(i, i + 16).toString('latin1').toUpperCase();
    for (const sig of HTML_SIGNATURES) {
      const after = head.charAt(sig.length);
      if (head.startsWith(sig) && (after === ' ' || after === '>')) return 'text/html; charset=utf-8';
    }
    if (head.startsWith('<?XML')) return 'text/xml; charset=utf-8';
  }
  const end = Math.min(body.length, 512);
  for (let j = 0; j < end; j++) {
    const b = body[j];
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return 'application/octet-stream';
  }
  return 'text/plain; charset=utf-8';
}

const HTML_SIGNATURES = ['<!DOCTYPE HTML', '<HTML', '<HEAD', '<SCRIPT', '<IFRAME', '<H1', '<DIV', '<FONT', '<TABLE', '<A', '<STYLE', '<TITLE', '<B', '<BODY', '<BR', '<P', '<!--'];

/** sniff.go's isWS: tab, newline, form feed, carriage return, space. */
function isSniffSpace(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20;
}

/** Go's textproto.CanonicalMIMEHeaderKey: `x-forwarded-for` → `X-Forwarded-For`. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * A response as Go's net/http server writes it for a handler that set `handlerHeaders`, called WriteHeader(status)
 * and wrote `body` in one go: the handler's headers sorted by name, then Date, Content-Length and a sniffed
 * Content-Type (net/http/server.go chunkWriter.writeHeader and extraHeader.Write). HEAD gets the headers only.
 */
export function goResponse(req: HttpRequest, status: number, handlerHeaders: HttpHeader[], body: Buffer, now: Date): HttpResponse {
  const headers = sortedByName(handlerHeaders);
  const bodyAllowed = status !== 204 && status !== 304 && !(status >= 100 && status < 200);
  headers.push(['Date', httpDate(now)]);
  if (bodyAllowed && !headerValue(headers, 'Content-Length')) headers.push(['Content-Length', String(body.length)]);
  if (bodyAllowed && body.length > 0 && !headerValue(headers, 'Content-Type')) headers.push(['Content-Type', sniffContentType(body)]);
  if (req.version === 'HTTP/1.0' || headerValue(req.headers, 'Connection')?.toLowerCase() === 'close') headers.push(['Connection', 'close']);
  // Go answers in the request's own version (net/http statusLine).
  return { version: req.version, status, reason: statusText(status), headers, body: req.method === 'HEAD' || !bodyAllowed ? Buffer.alloc(0) : body };
}

/** A copy of headers sorted by name (stable), without sorting when they already are (a server's fixed set usually is). */
function sortedByName(headers: readonly HttpHeader[]): HttpHeader[] {
  const out = headers.slice();
  for (let i = 1; i < out.length; i++) if (out[i - 1][0] > out[i][0]) return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

/** The bytes of a response on the wire: status line, header lines, a blank line, the body. */
export function serializeHttpResponse(res: HttpResponse): Buffer {
  const head = `${res.version} ${res.status} ${res.reason}\r\n${res.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), res.body]);
}

/** The request line as servers log it: `GET /path HTTP/1.1`. */
export function requestLine(req: HttpRequest): string {
  return `${req.method} ${req.target} ${req.version}`;
}

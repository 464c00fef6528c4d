// The Ingress proxy's access log line in ingress-nginx's `upstreaminfo` format (the controller's default log-format-upstream).

import type { HttpRequest } from '../dataplane/types.js';
import { header } from './nginx-responses.js';

/**
 * ingress-nginx's default log format (internal/ingress/controller/config/config.go logFormatUpstream), for reference:
 * `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
 * $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
 * $upstream_response_length $upstream_response_time $upstream_status $req_id`.
 */
export const LOG_FORMAT_UPSTREAM =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';

/** One try of an upstream server (nginx lists every try, comma-separated, in the $upstream_* variables). */
export interface UpstreamTry {
  /** `ip:port` as nginx prints $upstream_addr. */
  addr: string;
  responseLength: number;
  responseTimeMs: number;
  status: number;
}

export interface AccessLogEntry {
  remoteAddr: string;
  end: Date;
  request: HttpRequest;
  status: number;
  bodyBytesSent: number;
  requestTimeMs: number;
  /** $proxy_upstream_name: `namespace-service-port`, `upstream-default-backend`, or empty before a location ran. */
  upstreamName: string;
  /** Empty for no upstream (a redirect, a 503 from the balancer, a 400). */
  tries: UpstreamTry[];
  requestId: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** The last second timeLocal wrote, and what: the lines of a busy second share one string. */
const lastTime = { second: NaN, text: '' };

/** nginx's $time_local in the controller container (UTC): `23/Nov/2026:10:00:00 +0000`. */
export function timeLocal(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastTime.second) {
    lastTime.text = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    lastTime.second = second;
  }
  return lastTime.text;
}

/** nginx's msec-precision seconds (`%T.%03M`): 2 ms → `0.002`. */
export function seconds(ms: number): string {
  const n = Math.max(0, Math.round(ms));
  // Whole milliseconds in integer arithmetic: what toFixed(3) prints for them, without its cost on every request.
  if (!Number.isSafeInteger(n)) return (n / 1000).toFixed(3);
  const frac = n % 1000;
  return `${(n - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** Whether a value has a character ngx_http_log_escape writes as \xHH: `"`, `\`, control and non-ASCII. */
function needsEscape(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}

/** nginx's default log escaping: `"`, `\`, control and non-ASCII bytes as \xHH (ngx_http_log_escape); empty as `-`. */
function escape(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return escapeBytes(v);
}

/** ngx_http_log_escape of the value's UTF-8 bytes. */
function escapeBytes(v: string): string {
  if (!needsEscape(v)) return v;
  return Buffer.from(v, 'utf8')
    .toString('latin1')
    .replace(/["\\]|[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** $request_length: the request line, the header lines and the body, in bytes as received. */
export function requestLength(req: HttpRequest): number {
  // node:http hands header values over decoded as latin1, one character per byte received: lengths are byte counts.
  let n = req.method.length + req.target.length + req.version.length + 4; // `M T V\r\n`
  for (const [k, v] of req.headers) n += k.length + v.length + 4; // `k: v\r\n`
  return n + 2 + (req.body?.length ?? 0);
}

/** The access log line for one request, field by field as LOG_FORMAT_UPSTREAM. */
export function accessLogLine(e: AccessLogEntry): string {
  const req = e.request;
  // "$request" escaped part by part: the separating spaces are never escaped, and the line is never empty.
  const request = `${escapeBytes(req.method)} ${escapeBytes(req.target)} ${escapeBytes(req.version)}`;
  const t = e.tries;
  // join writes one flat string; a long template literal would be a tree of its parts until the log flattens it.
  return [
    `${e.remoteAddr} - - [${timeLocal(e.end)}] "${request}" ${e.status} ${e.bodyBytesSent}`,
    `"${escape(header(req.headers, 'Referer'))}" "${escape(header(req.headers, 'User-Agent'))}" ${requestLength(req)} ${seconds(e.requestTimeMs)}`,
    `[${e.upstreamName}] []`,
    list(t, tryAddr),
    list(t, tryLength),
    list(t, tryTime),
    list(t, tryStatus),
    e.requestId,
  ].join(' ');
}

/** One $upstream_* variable: a value per try, comma-separated; `-` when no upstream was tried. */
function list(tries: readonly UpstreamTry[], f: (t: UpstreamTry) => string): string {
  if (tries.length === 0) return '-';
  let s = f(tries[0]);
  for (let i = 1; i < tries.length; i++) s += `, ${f(tries[i])}`;
  return s;
}

const tryAddr = (t: UpstreamTry) => t.addr;
const tryLength = (t: UpstreamTry) => String(t.responseLength);
const tryTime = (t: UpstreamTry) => seconds(t.responseTimeMs);
const tryStatus = (t: UpstreamTry) => String(t.status);

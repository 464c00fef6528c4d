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

/** nginx's $time_local in the controller container (UTC): `23/Nov/2026:10:00:00 +0000`. */
export function timeLocal(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** nginx's msec-precision seconds (`%T.%03M`): 2 ms → `0.002`. */
export function seconds(ms: number): string {
  return (Math.max(0, Math.round(ms)) / 1000).toFixed(3);
}

/** nginx's default log escaping: `"`, `\`, control and non-ASCII bytes as \xHH (ngx_http_log_escape); empty as `-`. */
function escape(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return Buffer.from(v, 'utf8')
    .toString('latin1')
    .replace(/["\\]|[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** $request_length: the request line, the header lines and the body, in bytes as received. */
export function requestLength(req: HttpRequest): number {
  const line = `${req.method} ${req.target} ${req.version}\r\n`;
  const head = req.headers.reduce((n, [k, v]) => n + Buffer.byteLength(`${k}: ${v}\r\n`, 'latin1'), 0);
  return Buffer.byteLength(line, 'latin1') + head + 2 + (req.body?.length ?? 0);
}

/** The access log line for one request, field by field as LOG_FORMAT_UPSTREAM. */
export function accessLogLine(e: AccessLogEntry): string {
  const req = e.request;
  const list = (f: (t: UpstreamTry) => string) => (e.tries.length ? e.tries.map(f).join(', ') : '-');
  return [
    `${e.remoteAddr} - - [${timeLocal(e.end)}] "${escape(`${req.method} ${req.target} ${req.version}`)}" ${e.status} ${e.bodyBytesSent}`,
    `"${escape(header(req.headers, 'Referer'))}" "${escape(header(req.headers, 'User-Agent'))}" ${requestLength(req)} ${seconds(e.requestTimeMs)}`,
    `[${e.upstreamName}] []`,
    list((t) => t.addr),
    list((t) => String(t.responseLength)),
    list((t) => seconds(t.responseTimeMs)),
    list((t) => String(t.status)),
    e.requestId,
  ].join(' ');
}

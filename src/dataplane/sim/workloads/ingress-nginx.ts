// The ingress-nginx controller image as the network sees it when no Ingress routes a request: nginx's catch-all
// server on 80/443 answering with the built-in default backend's 404, the health server on 10254 and the admission
// webhook on 8443 (kubernetes/ingress-nginx rootfs/etc/nginx/template/nginx.tmpl, cmd/nginx/main.go). Where the data
// plane puts the Ingress proxy in front of 80/443, the proxy answers instead.

import { fnv32a } from '../../../core/hash.js';
import { nginxErrorPage, nginxReason } from '../../../ingress/nginx-responses.js';
import type { ConnectionInfo, HttpHeader, HttpRequest, HttpResponse } from '../../types.js';
import { concreteVersion, type ImageRef } from './image-ref.js';
import { goResponse, headerValue, httpDate, requestLine, requestPath, timeLocal } from './http-message.js';
import type { Binding, HttpServer, Program, ProgramContext } from './listener.js';

/** The release reported when the tag names none. */
export const DEFAULT_INGRESS_NGINX_VERSION = '1.15.1';

/** Whether an image is the ingress-nginx controller (`registry.k8s.io/ingress-nginx/controller`, any registry). */
export function isIngressNginxController(image: ImageRef): boolean {
  return image.path === 'ingress-nginx/controller' || image.path.endsWith('/ingress-nginx/controller');
}

const REASONS: Record<number, string> = { 200: 'OK', 403: 'Forbidden', 404: 'Not Found' };

/** nginx's built-in error page as ingress-nginx serves it (one implementation, shared with the Ingress proxy). */
export const ingressNginxErrorPage = nginxErrorPage;

function connectionHeader(req: HttpRequest): string {
  const c = headerValue(req.headers, 'Connection')?.toLowerCase();
  if (c === 'close' || (req.version === 'HTTP/1.0' && c !== 'keep-alive')) return 'close';
  return 'keep-alive';
}

/**
 * An nginx response as ingress-nginx sends it: no Server header (nginx.tmpl: `more_clear_headers Server` unless
 * server-tokens), then Date, Content-Type (`default_type text/html`), Content-Length, Connection.
 */
function nginxResponse(req: HttpRequest, status: number, body: string, now: Date, contentType = 'text/html'): HttpResponse {
  const bytes = Buffer.from(body, 'latin1');
  const headers: HttpHeader[] = [['Date', httpDate(now)], ['Content-Type', contentType], ['Content-Length', String(bytes.length)], ['Connection', connectionHeader(req)]];
  return { version: 'HTTP/1.1', status, reason: REASONS[status] ?? nginxReason(status), headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : bytes };
}

/** $request_length: the request line, the header lines, the blank line and the body, in bytes. */
function requestLength(req: HttpRequest): number {
  const head = `${requestLine(req)}\r\n${req.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.byteLength(head, 'latin1') + (req.body?.length ?? 0);
}

/** $req_id is 16 random bytes in hex; flatnet derives them from the pod and the request's number, to stay reproducible. */
function requestId(pod: string, n: number): string {
  return [1, 2, 3, 4].map((seed) => fnv32a(`${pod}/${n}`, fnv32a(String(seed))).toString(16).padStart(8, '0')).join('');
}

/** nginx's `$var` in a log line: `-` when empty, `"` and `\` and non-printable bytes as \xHH. */
function logValue(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return v.replace(/["\\]|[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The catch-all server (`server_name _`) of the controller's nginx.conf on 80 and 443, with no Ingress configured. */
export function ingressNginxDefaultServer(ctx: ProgramContext): HttpServer {
  let requests = 0;
  let handled = 0;
  const ids = new WeakMap<HttpRequest, string>();
  return {
    kind: 'http',
    serve(req: HttpRequest, conn: ConnectionInfo): HttpResponse {
      const now = ctx.clock.now();
      handled++;
      const path = requestPath(req);
      // `location /healthz { access_log off; return 200; }`: cloud load balancers health-check port 80.
      if (path.startsWith('/healthz')) return nginxResponse(req, 200, '', now);
      // `location /nginx_status { allow 127.0.0.1; deny all; stub_status on; }`
      if (path.startsWith('/nginx_status')) {
        if (conn.source.ip !== '127.0.0.1') return nginxResponse(req, 403, ingressNginxErrorPage(403), now);
        const status = `Active connections: 1 \nserver accepts handled requests\n ${handled} ${handled} ${handled} \nReading: 0 Writing: 1 Waiting: 0 \n`;
        return nginxResponse(req, 200, status, now, 'text/plain');
      }
      // `location /` proxies to upstream-default-backend, the `listen 8181` server whose only answer is `return 404`.
      ids.set(req, requestId(ctx.pod.name, ++requests));
      return nginxResponse(req, 404, ingressNginxErrorPage(404), now);
    },
    // The `upstreaminfo` log_format (internal/ingress/controller/config/config.go logFormatUpstream) on stdout;
    // the health and status locations have `access_log off`.
    accessLog({ req, res, conn, start, end }) {
      const path = requestPath(req);
      if (path.startsWith('/healthz') || path.startsWith('/nginx_status')) return undefined;
      const h = (n: string) => `"${logValue(headerValue(req.headers, n))}"`;
      const seconds = ((end.getTime() - start.getTime()) / 1000).toFixed(3);
      const upstream = `[upstream-default-backend] [] 127.0.0.1:8181 ${res.body.length} ${seconds} ${res.status}`;
      const line = `${conn.source.ip} - - [${timeLocal(end)}] "${requestLine(req)}" ${res.status} ${res.body.length} ${h('Referer')} ${h('User-Agent')} ${requestLength(req)} ${seconds} ${upstream} ${ids.get(req) ?? '-'}`;
      return { line, stream: 'stdout' };
    },
  };
}

/** The `listen 8181 default_server` backend: `return 404` everywhere, `access_log off`. */
function defaultBackendServer(ctx: ProgramContext): HttpServer {
  return { kind: 'http', serve: (req: HttpRequest) => nginxResponse(req, 404, ingressNginxErrorPage(404), ctx.clock.now()) };
}

/**
 * The health server on --healthz-port (10254), a Go ServeMux (pkg/metrics/handler.go RegisterHealthz): /healthz and
 * its per-check paths answer `ok` (k8s.io/apiserver healthz); /metrics is Prometheus text flatnet does not emulate;
 * anything else is the mux's 404.
 */
function healthServer(ctx: ProgramContext): HttpServer {
  const checks = new Set(['/healthz', '/healthz/ping', '/healthz/nginx-ingress-controller']);
  return {
    kind: 'http',
    serve(req: HttpRequest): HttpResponse {
      const now = ctx.clock.now();
      const path = requestPath(req);
      if (checks.has(path)) return goResponse(req, 200, [['Content-Type', 'text/plain; charset=utf-8'], ['X-Content-Type-Options', 'nosniff']], Buffer.from('ok'), now);
      if (path === '/metrics') return goResponse(req, 501, [], Buffer.from('flatnet: ingress-nginx /metrics is not emulated\n'), now);
      return goResponse(req, 404, [['Content-Type', 'text/plain; charset=utf-8'], ['X-Content-Type-Options', 'nosniff']], Buffer.from('404 page not found\n'), now);
    },
  };
}

/**
 * The validating webhook on --validating-webhook (:8443), internal/admission/controller/server.go: a body that does
 * not decode as an AdmissionReview gets 400 with no body. Reviewing an Ingress is not emulated (501).
 */
function webhookServer(ctx: ProgramContext): HttpServer {
  return {
    kind: 'http',
    serve(req: HttpRequest): HttpResponse {
      const now = ctx.clock.now();
      let review = false;
      try {
        review = JSON.parse(req.body?.toString('utf8') ?? '')?.kind === 'AdmissionReview';
      } catch {
        review = false;
      }
      if (review) return goResponse(req, 501, [], Buffer.from('flatnet: ingress-nginx admission review is not emulated\n'), now);
      return goResponse(req, 400, [], Buffer.alloc(0), now);
    },
  };
}

/**
 * The controller program: nginx on 80 and 443 (TLS served as plain HTTP by flatnet) and 8181, the health server on
 * 10254, the webhook on 8443 — the ports of the cloud manifest's arguments and the flags' defaults.
 */
export function ingressNginxProgram(ctx: ProgramContext, image: ImageRef): Program {
  const version = concreteVersion(image.tag) ?? DEFAULT_INGRESS_NGINX_VERSION;
  const nginx = ingressNginxDefaultServer(ctx);
  const tcp = (port: number, speaks: string, server: HttpServer): Binding => ({ port, protocol: 'TCP', address: '0.0.0.0', speaks, server });
  return {
    name: `NGINX Ingress controller v${version}`,
    bindings: [
      tcp(80, 'HTTP', nginx),
      tcp(443, 'HTTPS (served as plain HTTP by flatnet)', nginx),
      tcp(8181, 'HTTP (default backend)', defaultBackendServer(ctx)),
      tcp(8443, 'HTTPS admission webhook (served as plain HTTP by flatnet)', webhookServer(ctx)),
      tcp(10254, 'HTTP (health)', healthServer(ctx)),
    ],
    // --http-port moves the catch-all server.
    rebind: (port, protocol) => (protocol === 'TCP' ? tcp(port, 'HTTP', nginx) : undefined),
  };
}

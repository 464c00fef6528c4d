// The Ingress proxy: answers one HTTP request the way ingress-nginx's nginx would (route, redirect, balance, proxy
// through the DataPlane, log), over whatever sockets a front end gives it. No I/O of its own.

import type { Clock } from '../core/clock.js';
import type { KubeObject } from '../core/types.js';
import { INGRESS_NGINX_CONTROLLER_CLASS, INGRESS_NGINX_NAMESPACE, isIngressNginxControllerPod } from '../controllers/system-objects.js';
import type { ConnectionSource, ConnectOutcome, DataPlane, Endpoint, HttpHeader, HttpRequest, HttpResponse } from '../dataplane/types.js';
import { accessLogLine, UpstreamTry } from './access-log.js';
import { BackendEndpoints, Endpoint as BackendEndpoint, pickEndpoint, RoundRobinState, upstreamName } from './backend-endpoints.js';
import { CLEARED_REQUEST_HEADERS, forwardedHeaders, requestId } from './forwarded-headers.js';
import { header, nginxPage, proxiedResponse } from './nginx-responses.js';
import { buildRouteTable, normalizeHost, RouteMatch, RouteTable, RouteTableOptions } from './route-table.js';
import { HostCertificate, selectCertificate, tlsCertificates } from './tls.js';

/** Everything the proxy routes by, built from one snapshot of the cluster; swapped whole by setRoutes. */
export interface IngressRoutes {
  table: RouteTable;
  /** The certificate of every TLS host (tlsCertificates of the table). */
  certificates: HostCertificate[];
  /** Where the controller's connections to backends start: its pod, or the first node when there is none. */
  controller: ConnectionSource;
  /** `namespace/name` of the served Ingresses annotated nginx.ingress.kubernetes.io/force-ssl-redirect: "true". */
  forceSslRedirect: Set<string>;
}

/**
 * Builds the routes of ingress-nginx (controller class k8s.io/ingress-nginx by default) from cluster objects.
 *
 * @example
 *   proxy.setRoutes(ingressRoutes(manager.store.all()));
 */
export function ingressRoutes(objects: KubeObject[], opts: RouteTableOptions = { controller: INGRESS_NGINX_CONTROLLER_CLASS }): IngressRoutes {
  const table = buildRouteTable(objects, opts);
  const served = new Set(table.served.map((r) => `${r.namespace}/${r.name}`));
  const forceSslRedirect = new Set(
    objects
      .filter((o) => o.kind === 'Ingress' && o.metadata.annotations?.['nginx.ingress.kubernetes.io/force-ssl-redirect'] === 'true')
      .map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`)
      .filter((k) => served.has(k)),
  );
  return { table, certificates: tlsCertificates(table), controller: controllerSource(objects), forceSslRedirect };
}

/**
 * The ingress-nginx controller pod that sends the traffic (ready, with an IP; the first by name), else the first
 * node: the model then proxies from that node's network namespace, as a host-network controller would.
 */
export function controllerSource(objects: KubeObject[]): ConnectionSource {
  const pods = objects
    .filter((o) => o.kind === 'Pod' && o.status?.podIP && isIngressNginxControllerPod(o))
    .filter((o) => (o.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  if (pods[0]) return { kind: 'pod', namespace: INGRESS_NGINX_NAMESPACE, name: pods[0].metadata.name };
  const node = objects.find((o) => o.kind === 'Node');
  return node ? { kind: 'node', name: node.metadata.name } : { kind: 'external', ip: '127.0.0.1' };
}

/** One connection attempt to a backend endpoint and what the data plane said. */
export interface ProxyAttempt {
  endpoint: BackendEndpoint;
  outcome: ConnectOutcome;
}

/** What happened to one request, for flow records and explanations. */
export interface IngressExchange {
  requestId: string;
  start: Date;
  end: Date;
  client: Endpoint;
  scheme: 'http' | 'https';
  serverPort: number;
  request: HttpRequest;
  /** The route table's answer; undefined for a request refused before routing (400). */
  match?: RouteMatch;
  /** Where the connections started. */
  from: ConnectionSource;
  attempts: ProxyAttempt[];
  /** The request as the backend received it, when one did. */
  upstreamRequest?: HttpRequest;
  upstreamResponse?: HttpResponse;
  response: HttpResponse;
  /** One sentence: why the client got this status. */
  reason: string;
}

export interface IngressProxyOptions {
  dataPlane: DataPlane;
  clock: Clock;
  /** ingress-nginx proxy-connect-timeout, waited out when a connection times out. Default 5000 ms (config.go). */
  connectTimeoutMs?: number;
  /** Waits; default a real timer. Tests pass one that advances a FixedClock. */
  sleep?: (ms: number) => Promise<void>;
  /** Receives each access log line (ingress-nginx's upstreaminfo format) and the time the request ended ($time_local). */
  onLog?: (line: string, end: Date) => void;
  /** Receives each finished exchange. */
  onExchange?: (exchange: IngressExchange) => void;
}

/** Per-request context the listener knows. */
export interface HandleOptions {
  /** Where connections to backends start; default the routes' controller. */
  from?: ConnectionSource;
  /** The port of the https listener clients reach, for ssl-redirect's Location (default 443). */
  httpsPort?: number;
}

/** ingress-nginx ConfigMap defaults: proxy-next-upstream "error timeout", proxy-next-upstream-tries 3 (config.go). */
const NEXT_UPSTREAM_TRIES = 3;
/** The upstream of the catch-all when no --default-backend-service is set: nginx's own 404 server (nginx.tmpl). */
const DEFAULT_BACKEND = { name: 'upstream-default-backend', addr: '127.0.0.1:8181' };
/** Request headers nginx's proxy module replaces or drops (ngx_http_proxy_headers) or ingress-nginx sets itself. */
const REPLACED_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'te', 'expect', 'upgrade', 'transfer-encoding', 'content-length', ...CLEARED_REQUEST_HEADERS]);

/** What a request got so far: the upstream it was routed to, its tries and connection attempts. */
interface Progress {
  upstreamName: string;
  tries: UpstreamTry[];
  attempts: ProxyAttempt[];
}

interface Outcome extends Progress {
  response: HttpResponse;
  /** Why, in words; a function when the sentence is only worth writing for an onExchange listener. */
  reason: string | (() => string);
  upstreamRequest?: HttpRequest;
  upstreamResponse?: HttpResponse;
}

/**
 * ingress-nginx's request path over a DataPlane. The routes are swapped by reference (`setRoutes`), so a request
 * finishes on the routes it started with while new requests see the new ones at once, as nginx's graceful reload
 * lets old workers finish their requests.
 */
export class IngressProxy {
  private current: IngressRoutes;
  private readonly rr: RoundRobinState = new Map();
  private counter = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly connectTimeoutMs: number;

  constructor(routes: IngressRoutes, private readonly opts: IngressProxyOptions) {
    this.current = routes;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  get routes(): IngressRoutes {
    return this.current;
  }

  /** Requests handled so far. */
  get requests(): number {
    return this.counter;
  }

  /** Serves new requests from `routes`; requests in flight finish on the routes they started with. */
  setRoutes(routes: IngressRoutes): void {
    this.current = routes;
  }

  /** Answers one request received from `client` on a listener of `scheme` at `serverPort`. */
  async handle(req: HttpRequest, client: Endpoint, scheme: 'http' | 'https', serverPort: number, opts: HandleOptions = {}): Promise<HttpResponse> {
    const routes = this.current;
    const n = ++this.counter;
    const start = this.opts.clock.now();
    const reqId = header(req.headers, 'X-Request-ID') || requestId(n);
    const from = opts.from ?? routes.controller;
    let match: RouteMatch | undefined;
    let out: Outcome;
    const target = splitTarget(req);
    if ('invalid' in target) {
      out = { response: nginxPage(req, 400, this.opts.clock.now()), reason: target.invalid, upstreamName: '', tries: [], attempts: [] };
    } else {
      match = routes.table.match({ host: target.host, path: target.path, scheme });
      out = await this.route(req, match, target, { client, scheme, serverPort, from, n, routes, httpsPort: opts.httpsPort ?? 443 });
    }
    const end = this.opts.clock.now();
    this.opts.onLog?.(
      accessLogLine({ remoteAddr: client.ip, end, request: req, status: out.response.status, bodyBytesSent: out.response.body.length, requestTimeMs: end.getTime() - start.getTime(), upstreamName: out.upstreamName, tries: out.tries, requestId: reqId }),
      end,
    );
    if (this.opts.onExchange) {
      const reason = typeof out.reason === 'string' ? out.reason : out.reason();
      const exchange: IngressExchange = { requestId: reqId, start, end, client, scheme, serverPort, request: req, from, attempts: out.attempts, response: out.response, reason };
      if (match) exchange.match = match;
      if (out.upstreamRequest) exchange.upstreamRequest = out.upstreamRequest;
      if (out.upstreamResponse) exchange.upstreamResponse = out.upstreamResponse;
      this.opts.onExchange(exchange);
    }
    return out.response;
  }

  /** The outcome of a routed request: at once when nginx answers itself, else the proxied exchange's (a promise). */
  private route(req: HttpRequest, match: RouteMatch, target: { host: string; path: string }, ctx: RequestContext): Outcome | Promise<Outcome> {
    const now = () => this.opts.clock.now();
    const upstream = match.kind === 'backend' ? upstreamName(match.service, match.port) : DEFAULT_BACKEND.name;
    const base: Progress = { upstreamName: upstream, tries: [], attempts: [] };
    // Every location of a TLS server redirects, the default backend's root location included (lua_ingress.lua runs
    // in each location's rewrite phase, before the balancer).
    if (match.sslRedirect && this.redirects(match, target.host, ctx.routes)) {
      // lua_ingress.lua rewrite(): https://<host without port><request_uri without a trailing slash>, code 308
      // (http-redirect-code). flatnet's https listener is usually not on 443, so its port is added when it differs,
      // as use-port-in-redirects would; otherwise the Location would point at a port nothing listens on.
      const uri = target.path.endsWith('/') ? target.path.slice(0, -1) : target.path;
      const hostOnly = target.host.split(':')[0];
      const location = `https://${hostOnly}${ctx.httpsPort === 443 ? '' : `:${ctx.httpsPort}`}${uri}`;
      return finished(base, nginxPage(req, 308, now(), location), `plain HTTP to server ${match.server}, which ssl-redirect (or force-ssl-redirect) sends to https: 308 to ${location}`);
    }
    if (match.kind === 'not-found') {
      const response = nginxPage(req, 404, now());
      base.tries.push({ addr: DEFAULT_BACKEND.addr, responseLength: response.body.length, responseTimeMs: 0, status: 404 });
      return finished(base, response, match.reason);
    }
    const backends = ctx.routes.table.backendEndpoints(match);
    if (backends.kind === 'unavailable') return finished(base, nginxPage(req, 503, now()), backends.reason);
    return this.proxy(req, match, backends, ctx, base);
  }

  /**
   * ssl-redirect applies only when a certificate is configured for the host (lua_ingress.lua redirect_to_https →
   * certificate.lua configured_for_current_request); force-ssl-redirect applies regardless. A TLS host whose Secret is
   * missing is therefore served over plain HTTP, as ingress-nginx does, although flatnet serves it a self-signed
   * certificate on https.
   */
  private redirects(match: RouteMatch, host: string, routes: IngressRoutes): boolean {
    if (match.kind === 'backend' && routes.forceSslRedirect.has(`${match.ingress.namespace}/${match.ingress.name}`)) return true;
    return selectCertificate(routes.certificates, normalizeHost(host))?.kind === 'secret';
  }

  private async proxy(req: HttpRequest, match: Extract<RouteMatch, { kind: 'backend' }>, backends: Extract<BackendEndpoints, { kind: 'endpoints' }>, ctx: RequestContext, base: Progress): Promise<Outcome> {
    const clock = this.opts.clock;
    const upstreamReq = upstreamRequest(req, match, ctx);
    const failures: string[] = [];
    let timedOut = false;
    for (let i = 0; i < NEXT_UPSTREAM_TRIES; i++) {
      const endpoint = pickEndpoint(backends, this.rr);
      const addr = `${endpoint.ip}:${endpoint.port}`;
      const tryStart = clock.now().getTime();
      const outcome = this.opts.dataPlane.connect({ from: ctx.from, to: { ip: endpoint.ip, port: endpoint.port }, protocol: 'TCP' });
      base.attempts.push({ endpoint, outcome });
      if (outcome.kind === 'timeout') {
        // The packets are dropped, so nginx waits proxy-connect-timeout, then (proxy_next_upstream "error timeout")
        // tries the next endpoint; flatnet waits the same time so clients see the delay they would see.
        await this.sleep(this.connectTimeoutMs);
      }
      // The status after the last try follows that try's error (ngx_http_upstream_next: timeout → 504, else 502).
      timedOut = outcome.kind === 'timeout';
      if (outcome.kind !== 'connected') {
        base.tries.push({ addr, responseLength: 0, responseTimeMs: clock.now().getTime() - tryStart, status: outcome.kind === 'timeout' ? 504 : 502 });
        failures.push(`${addr}: ${outcome.message}`);
        continue;
      }
      const session = outcome.session;
      let upstreamRes: HttpResponse;
      try {
        if (session.kind !== 'http') throw new Error(`the program on ${addr} does not speak HTTP: upstream sent no valid HTTP/1.0 header`);
        upstreamRes = await session.http(upstreamReq);
      } catch (e) {
        // An error after the request was sent is not retried for non-idempotent requests; flatnet retries none.
        base.tries.push({ addr, responseLength: 0, responseTimeMs: clock.now().getTime() - tryStart, status: 502 });
        return finished(base, nginxPage(req, 502, clock.now()), `${addr}: ${(e as Error).message}`, upstreamReq);
      }
      const answered = clock.now();
      base.tries.push({ addr, responseLength: upstreamRes.body.length, responseTimeMs: answered.getTime() - tryStart, status: upstreamRes.status });
      const response = proxiedResponse(req, upstreamRes, answered);
      const reason = () => {
        const via = `Service ${match.service.namespace}/${match.service.name} port ${match.resolvedPort} → ${addr}${endpoint.pod ? ` (Pod ${endpoint.pod.namespace}/${endpoint.pod.name})` : ''}`;
        return `Ingress ${match.ingress.namespace}/${match.ingress.name} routed ${match.location} on ${match.server} to ${via}`;
      };
      return finished(base, response, reason, upstreamReq, upstreamRes);
    }
    const status = timedOut ? 504 : 502;
    return finished(base, nginxPage(req, status, clock.now()), `no endpoint of ${backends.upstream} accepted a connection after ${NEXT_UPSTREAM_TRIES} tries: ${failures.join('; ')}`);
  }
}

/**
 * The outcome of a request from its progress and the response. Written field by field: V8 spends microseconds on an
 * object spread of `base` with fields added, on every request.
 */
function finished(base: Progress, response: HttpResponse, reason: Outcome['reason'], upstreamRequest?: HttpRequest, upstreamResponse?: HttpResponse): Outcome {
  const o: Outcome = { upstreamName: base.upstreamName, tries: base.tries, attempts: base.attempts, response, reason };
  if (upstreamRequest) o.upstreamRequest = upstreamRequest;
  if (upstreamResponse) o.upstreamResponse = upstreamResponse;
  return o;
}

interface RequestContext {
  client: Endpoint;
  scheme: 'http' | 'https';
  serverPort: number;
  from: ConnectionSource;
  n: number;
  routes: IngressRoutes;
  httpsPort: number;
}

/**
 * The Host and path of a request: origin-form `/path?q` with the Host header, or absolute-form `http://host/path`
 * whose host wins (RFC 9112 §3.2.2). HTTP/1.1 without Host is refused with 400, as nginx does.
 */
export function splitTarget(req: HttpRequest): { host: string; path: string } | { invalid: string } {
  if (req.target.charCodeAt(0) === 47) return originForm(req); // `/`: what almost every client sends
  const abs = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(req.target);
  if (abs) return { host: abs[1], path: abs[2] || '/' };
  if (!req.target.startsWith('/')) return { invalid: `request target ${JSON.stringify(req.target)} is neither origin-form nor absolute-form: nginx answers 400` };
  return originForm(req);
}

function originForm(req: HttpRequest): { host: string; path: string } | { invalid: string } {
  const host = header(req.headers, 'Host');
  if (host === undefined && req.version === 'HTTP/1.1') return { invalid: 'HTTP/1.1 request without a Host header: nginx answers 400' };
  return { host: host ?? '', path: req.target };
}

/**
 * The request nginx sends upstream (proxy_http_version 1.1): the rewritten URI; ingress-nginx's proxy_set_header
 * lines in nginx.tmpl order (Host, Upgrade/Connection for an upgrade, X-Request-ID, X-Real-IP, X-Forwarded-*,
 * X-Original-Forwarded-*; `Proxy` cleared); Content-Length for a body; then the client's other headers in order.
 */
function upstreamRequest(req: HttpRequest, match: Extract<RouteMatch, { kind: 'backend' }>, ctx: RequestContext): HttpRequest {
  // One pass over the client's headers: each name lower-cased once, the first value of those nginx reads kept.
  const received = req.headers;
  const lower: string[] = new Array(received.length);
  let host: string | undefined;
  let upgrade: string | undefined;
  let contentLength: string | undefined;
  let xRequestId: string | undefined;
  let xForwardedFor: string | undefined;
  let xForwardedHost: string | undefined;
  for (let i = 0; i < received.length; i++) {
    const [k, v] = received[i];
    const l = (lower[i] = k.toLowerCase());
    if (l === 'host') host ??= v;
    else if (l === 'upgrade') upgrade ??= v;
    else if (l === 'content-length') contentLength ??= v;
    else if (l === 'x-request-id') xRequestId ??= v;
    else if (l === 'x-forwarded-for') xForwardedFor ??= v;
    else if (l === 'x-forwarded-host') xForwardedHost ??= v;
  }
  // $best_http_host is the Host header as received; without one, nginx's $host falls back to the server name.
  const hostValue = host ?? (match.server === '_' ? '' : match.server);
  const set = forwardedHeaders({
    remoteAddress: ctx.client.ip,
    host: hostValue,
    scheme: ctx.scheme,
    serverPort: ctx.serverPort,
    headers: { 'x-request-id': xRequestId, 'x-forwarded-for': xForwardedFor, 'x-forwarded-host': xForwardedHost },
    requestCounter: ctx.n,
    xForwardedPrefix: match.xForwardedPrefix,
  });
  const headers: HttpHeader[] = [];
  for (const k in set) {
    const v = set[k];
    if (v === '') continue; // nginx sends no header whose value is empty
    headers.push([k, v]);
    if (k === 'Host' && upgrade) headers.push(['Upgrade', upgrade], ['Connection', 'upgrade']);
  }
  if ((req.body && req.body.length > 0) || contentLength !== undefined) headers.push(['Content-Length', String(req.body?.length ?? 0)]);
  for (let i = 0; i < received.length; i++) {
    const l = lower[i];
    if (REPLACED_REQUEST_HEADERS.has(l)) continue;
    // A header proxy_set_header set (even to an empty value, which drops it) replaces the client's own.
    const setName = FORWARDED_NAMES.get(l);
    if (setName !== undefined && setName in set) continue;
    headers.push([received[i][0], received[i][1]]);
  }
  const out: HttpRequest = { method: req.method, target: match.rewrittenPath, version: 'HTTP/1.1', headers };
  if (req.body && req.body.length > 0) out.body = req.body;
  return out;
}

/**
 * Every name forwardedHeaders can set, by its lower-case form: those of an input that makes it set all of them (the
 * optional ones appear when the client sent X-Forwarded-For or X-Forwarded-Host, or with a prefix).
 */
const FORWARDED_NAMES = new Map(
  Object.keys(forwardedHeaders({ remoteAddress: '', host: '', scheme: 'http', serverPort: 0, headers: { 'x-forwarded-for': '-', 'x-forwarded-host': '-' }, requestCounter: 0, xForwardedPrefix: '/' })).map((k) => [k.toLowerCase(), k]),
);

// The Ingress route table: served Ingresses compiled to a host index and per-host location matchers, answering
// "which Service port gets this request, with what URI" the way ingress-nginx would (see docs in ingress.md).

import type { KubeObject } from '../core/types.js';
import { backendEndpoints, BackendEndpoints } from './backend-endpoints.js';
import { ClassOptions, IgnoredIngress, ObjectRef, selectIngresses } from './ingress-classes.js';
import { compileLocations, LocationMatcher } from './location-matcher.js';
import { BackendPort, buildServers, CATCH_ALL, LocationConflict, Server, ServerTls, Target } from './servers.js';

export type { BackendPort, IgnoredIngress, LocationConflict, ObjectRef };

export type RouteTableOptions = ClassOptions;

export interface MatchRequest {
  /** The Host header (or :authority) as received, port and all; empty when absent. */
  host: string;
  /** The request target's path, optionally with `?query`. */
  path: string;
  scheme: 'http' | 'https';
}

interface MatchCommon {
  /** The server that took the request: a rule host, a `*.` wildcard, or `_` (the catch-all). */
  server: string;
  /** The nginx location that took it, e.g. `= /foo`, `/foo/`, `~* "^/users"`. */
  location: string;
  /** The server has TLS configured (a tls entry of a served Ingress lists its host). */
  tls: boolean;
  /** ingress-nginx would answer this plain-HTTP request with 308 to https (ssl-redirect / force-ssl-redirect). */
  sslRedirect: boolean;
}

/** A request routed to a Service port: where the location sends it (Target) and what the proxy does on the way. */
export interface BackendMatch extends MatchCommon, Target {
  kind: 'backend';
  /** The Service port number, or undefined when the Service or the named port does not exist (→ 503). */
  resolvedPort: number | undefined;
  /** The URI the backend receives: rewrite-target applied, query string kept. */
  rewrittenPath: string;
  /** The X-Forwarded-Prefix value, sent only together with a rewrite. */
  xForwardedPrefix?: string;
}

export interface NotFoundMatch extends MatchCommon {
  kind: 'not-found';
  status: 404;
  reason: string;
}

export type RouteMatch = BackendMatch | NotFoundMatch;

interface CompiledServer {
  server: Server;
  matcher: LocationMatcher;
  wildcard?: RegExp;
}

/** Served Ingresses compiled for matching. Build with buildRouteTable. */
export class RouteTable {
  /** Ingresses of other classes (or rejected by ingress-nginx's admission rules), with the reason. */
  readonly ignored: IgnoredIngress[];
  /** Duplicate host + path + pathType definitions: the oldest Ingress kept, the later skipped. */
  readonly conflicts: LocationConflict[];
  readonly warnings: string[];
  /** Served Ingresses, oldest first. */
  readonly served: ObjectRef[];
  private readonly exact = new Map<string, CompiledServer>();
  private readonly wildcards: CompiledServer[] = [];
  private readonly catchAll: CompiledServer;
  private readonly services = new Map<string, KubeObject>();
  private readonly slices = new Map<string, KubeObject[]>();
  private readonly secrets = new Map<string, KubeObject>();
  private readonly endpointsMemo = new Map<string, BackendEndpoints>();

  constructor(objects: KubeObject[], opts: RouteTableOptions) {
    if (!opts || typeof opts.controller !== 'string' || opts.controller === '')
      throw new Error(`buildRouteTable: options.controller: Invalid value: ${JSON.stringify(opts?.controller)}: must name the controller, e.g. "k8s.io/ingress-nginx"`);
    const { served, ignored } = selectIngresses(objects, opts);
    const built = buildServers(served);
    this.ignored = ignored;
    this.conflicts = built.conflicts;
    this.warnings = [...built.warnings];
    this.served = served.map((i) => ({ namespace: i.metadata.namespace ?? 'default', name: i.metadata.name }));
    // Servers in hostname order, as ingress-nginx writes them (wildcard server_names are regexes tried in order).
    for (const server of [...built.servers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const matcher = compileLocations(server.locations);
      for (const p of matcher.invalid) this.warnings.push(`server ${server.name}: path ${JSON.stringify(p)} is not a regular expression flatnet can run; the location never matches`);
      const c: CompiledServer = { server, matcher };
      if (server.name === CATCH_ALL) continue;
      if (server.name.startsWith('*.')) {
        // ingress-nginx: server_name ~^(?<subdomain>[\w-]+)\.foo\.com$ — exactly one label.
        c.wildcard = new RegExp(`^[\\w-]+${server.name.slice(1).replace(/\./g, '\\.')}$`);
        this.wildcards.push(c);
      } else this.exact.set(server.name, c);
    }
    const catchAll = built.servers.get(CATCH_ALL)!;
    this.catchAll = { server: catchAll, matcher: compileLocations(catchAll.locations) };
    for (const o of objects) {
      if (o.kind === 'Service') this.services.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      if (o.kind === 'Secret') this.secrets.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      const svcName = o.kind === 'EndpointSlice' ? o.metadata.labels?.['kubernetes.io/service-name'] : undefined;
      if (svcName) {
        const k = `${o.metadata.namespace}/${svcName}`;
        this.slices.set(k, [...(this.slices.get(k) ?? []), o]);
      }
    }
  }

  /** The server for a Host header: exact name, then wildcard, then the catch-all (precise > wildcard > host-less). */
  serverFor(hostHeader: string): Server {
    return this.compiledFor(normalizeHost(hostHeader)).server;
  }

  /** Chooses the backend for a request, or says why there is none (404). */
  match(req: MatchRequest): RouteMatch {
    const host = normalizeHost(req.host);
    const { server, matcher } = this.compiledFor(host);
    const hit = matcher.match(req.path || '/');
    const loc = hit.location;
    const tls = server.tls !== undefined;
    const sslRedirect = req.scheme === 'http' && ((tls && loc.annotations.sslRedirect) || loc.annotations.forceSslRedirect);
    const common: MatchCommon = { server: server.name, location: hit.directive, tls, sslRedirect };
    if (!loc.target) {
      const where = server.name === CATCH_ALL ? `host ${JSON.stringify(host)} matches no rule host, and no Ingress without rules has a defaultBackend` : `no path of host ${server.name} matches ${JSON.stringify(req.path)}, and the oldest Ingress for that host has no defaultBackend`;
      return { kind: 'not-found', status: 404, reason: `${where}: the controller's default backend answers 404`, ...common };
    }
    const t = loc.target;
    const m: BackendMatch = {
      kind: 'backend',
      ingress: t.ingress,
      source: t.source,
      service: t.service,
      port: t.port,
      resolvedPort: this.resolvePort(t.service, t.port),
      rewrittenPath: hit.rewrittenPath,
      ...common,
    };
    if (t.ruleIndex !== undefined) Object.assign(m, { ruleIndex: t.ruleIndex, pathIndex: t.pathIndex });
    if (hit.rewritten && loc.annotations.xForwardedPrefix) m.xForwardedPrefix = loc.annotations.xForwardedPrefix;
    return m;
  }

  /** The ready endpoints behind a match (Service → EndpointSlices), or the reason for a 503. */
  backendEndpoints(match: BackendMatch): BackendEndpoints {
    const key = `${match.service.namespace}/${match.service.name}`;
    // The table is immutable (a change builds a new one), so each Service port's endpoints are worked out once.
    const memo = `${key}/${'name' in match.port ? `name:${match.port.name}` : match.port.number}`;
    let out = this.endpointsMemo.get(memo);
    if (!out) this.endpointsMemo.set(memo, (out = backendEndpoints(this.services.get(key), this.slices.get(key) ?? [], match)));
    return out;
  }

  /** Each served server with its TLS settings, for certificate selection. */
  tlsServers(): { host: string; tls: ServerTls }[] {
    return [...this.exact.values(), ...this.wildcards].filter((c) => c.server.tls).map((c) => ({ host: c.server.name, tls: c.server.tls! }));
  }

  /** A Secret from the objects the table was built from (for TLS certificates). */
  secret(ref: ObjectRef): KubeObject | undefined {
    return this.secrets.get(`${ref.namespace}/${ref.name}`);
  }

  private compiledFor(host: string): CompiledServer {
    return this.exact.get(host) ?? this.wildcards.find((w) => w.wildcard!.test(host)) ?? this.catchAll;
  }

  private resolvePort(ref: ObjectRef, port: BackendPort): number | undefined {
    const svc = this.services.get(`${ref.namespace}/${ref.name}`);
    const ports: any[] = svc?.spec?.ports ?? [];
    const sp = 'name' in port ? ports.find((p) => p.name === port.name) : ports.find((p) => p.port === port.number);
    return sp?.port;
  }
}

/**
 * Builds the route table for one controller from cluster objects (Ingress, IngressClass, Service, EndpointSlice).
 *
 * @example
 *   const table = buildRouteTable(cluster.objects, { controller: 'k8s.io/ingress-nginx' });
 *   table.match({ host: 'api.example.com', path: '/users/1', scheme: 'https' });
 *   // → { kind: 'backend', service: { namespace: 'default', name: 'users-svc' }, rewrittenPath: '/', … }
 */
export function buildRouteTable(objects: KubeObject[], opts: RouteTableOptions): RouteTable {
  return new RouteTable(objects, opts);
}

/** Host header → server lookup key: port stripped (IPv6 brackets kept), lower-cased, trailing dot removed. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) h = h.slice(0, h.indexOf(']') + 1 || h.length);
  else if (h.includes(':')) h = h.slice(0, h.indexOf(':'));
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

// The Ingress route table: served Ingresses compiled to a host index and per-host location matchers, answering
// "which Service port gets this request, with what URI" the way ingress-nginx would (see docs in ingress.md).

import type { KubeObject } from '../core/types.js';
import { backendEndpoints, BackendEndpoints } from './backend-endpoints.js';
import { ClassOptions, IgnoredIngress, ObjectRef, selectIngresses } from './ingress-classes.js';
import { compileLocations, LocationMatcher } from './location-matcher.js';
import { BackendPort, buildServers, CATCH_ALL, defaultBackendWarning, LocationConflict, PlacedConflict, rulePathWarnings, Server, serverNamesOf, ServerTls, Target } from './servers.js';

export type { BackendPort, IgnoredIngress, LocationConflict, ObjectRef };

export interface RouteTableOptions extends ClassOptions {
  /**
   * The table this one replaces. Servers whose Ingresses are the very same objects as when `previous` was built are
   * taken from it as they are, so a change to one Ingress among thousands rebuilds only that Ingress's hosts.
   */
  previous?: RouteTable;
}

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

/** A compiled server and its conflicts. Never changed: a later table may hold it too. */
interface BuiltServer {
  compiled: CompiledServer;
  conflicts: PlacedConflict[];
}

/** What the table needs of one Ingress on its own; Ingresses are not changed in place, so it is worked out once. */
interface IngressFacts {
  servers: string[];
  defaultBackendWarning?: string;
  rulePathWarnings: string[];
}

const factsMemo = new WeakMap<KubeObject, IngressFacts>();

function factsOf(ing: KubeObject): IngressFacts {
  let f = factsMemo.get(ing);
  if (!f) factsMemo.set(ing, (f = { servers: serverNamesOf(ing), defaultBackendWarning: defaultBackendWarning(ing), rulePathWarnings: rulePathWarnings(ing) }));
  return f;
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
  /** Every server by name (the catch-all `_` included), with what it was built from. */
  private readonly built: Map<string, BuiltServer>;
  /** Names of the servers that are wildcards, have TLS, conflicts or invalid paths: the few the loops below visit. */
  private readonly notable: Set<string>;
  /** The served Ingress objects, oldest first. */
  private readonly servedObjects: KubeObject[];
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
    this.ignored = ignored;
    this.servedObjects = served;
    this.served = served.map((i) => ({ namespace: i.metadata.namespace ?? 'default', name: i.metadata.name }));

    // A server is built from the Ingresses naming it (servers.ts serverNamesOf), so only the servers named by an
    // Ingress that came or went since the previous table are built again; the others are taken from it as they are.
    const prev = opts.previous;
    let stale: Set<string>;
    if (prev) {
      this.built = new Map(prev.built);
      this.notable = new Set(prev.notable);
      stale = new Set();
      const now = new Set(served);
      const before = new Set(prev.servedObjects);
      for (const ing of served) if (!before.has(ing)) for (const name of factsOf(ing).servers) stale.add(name);
      for (const ing of prev.servedObjects) if (!now.has(ing)) for (const name of factsOf(ing).servers) stale.add(name);
    } else {
      this.built = new Map();
      this.notable = new Set();
      stale = new Set([CATCH_ALL]);
      for (const ing of served) for (const name of factsOf(ing).servers) stale.add(name);
    }
    if (stale.size > 0) this.rebuild(stale);

    // Conflicts and warnings in the order one buildServers pass over every served Ingress gives them.
    const notable = [...this.notable].sort().map((name) => this.built.get(name)!);
    const rank = new Map(served.map((ing, i) => [ing, i]));
    const placed = notable.flatMap((b) => b.conflicts);
    placed.sort((a, b) => rank.get(a.ingress)! - rank.get(b.ingress)! || a.ruleIndex - b.ruleIndex || a.pathIndex - b.pathIndex);
    this.conflicts = placed.map((p) => p.conflict);
    this.warnings = [];
    for (const ing of served) {
      const w = factsOf(ing).defaultBackendWarning;
      if (w) this.warnings.push(w);
    }
    for (const ing of served) for (const w of factsOf(ing).rulePathWarnings) this.warnings.push(w);
    for (const { compiled: c } of notable)
      for (const p of c.matcher.invalid) this.warnings.push(`server ${c.server.name}: path ${JSON.stringify(p)} is not a regular expression flatnet can run; the location never matches`);
    // Wildcard server_names are regexes nginx tries in the order ingress-nginx writes servers: by hostname.
    for (const { compiled: c } of notable) if (c.wildcard) this.wildcards.push(c);
    this.catchAll = this.built.get(CATCH_ALL)!.compiled;
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

  /** Builds the named servers from the served Ingresses naming them, in one buildServers pass; drops the unnamed. */
  private rebuild(names: Set<string>): void {
    const ingressesOf = new Map<string, KubeObject[]>([...names].map((name) => [name, []]));
    const involved: KubeObject[] = [];
    for (const ing of this.servedObjects) {
      let named = false;
      for (const name of factsOf(ing).servers) {
        const list = ingressesOf.get(name);
        if (!list) continue;
        list.push(ing);
        named = true;
      }
      if (named) involved.push(ing);
    }
    const fresh = buildServers(involved);
    const conflictsOf = new Map<string, PlacedConflict[]>();
    for (const p of fresh.placed) conflictsOf.set(p.conflict.server, [...(conflictsOf.get(p.conflict.server) ?? []), p]);
    for (const [name, ingresses] of ingressesOf) {
      this.notable.delete(name);
      if (ingresses.length === 0 && name !== CATCH_ALL) {
        this.built.delete(name);
        continue;
      }
      const b: BuiltServer = { compiled: compileServer(fresh.servers.get(name)!), conflicts: conflictsOf.get(name) ?? [] };
      this.built.set(name, b);
      if (b.compiled.wildcard || b.compiled.server.tls || b.conflicts.length > 0 || b.compiled.matcher.invalid.length > 0) this.notable.add(name);
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
    const tls = [...this.notable].sort().map((name) => this.built.get(name)!.compiled).filter((c) => c.server.tls && c.server.name !== CATCH_ALL);
    return [...tls.filter((c) => !c.wildcard), ...tls.filter((c) => c.wildcard)].map((c) => ({ host: c.server.name, tls: c.server.tls! }));
  }

  /** A Secret from the objects the table was built from (for TLS certificates). */
  secret(ref: ObjectRef): KubeObject | undefined {
    return this.secrets.get(`${ref.namespace}/${ref.name}`);
  }

  private compiledFor(host: string): CompiledServer {
    // The map holds the wildcard and catch-all servers too, under names no Host header is matched against.
    const exact = host === CATCH_ALL ? undefined : this.built.get(host)?.compiled;
    return (exact && !exact.wildcard ? exact : undefined) ?? this.wildcards.find((w) => w.wildcard!.test(host)) ?? this.catchAll;
  }

  private resolvePort(ref: ObjectRef, port: BackendPort): number | undefined {
    const svc = this.services.get(`${ref.namespace}/${ref.name}`);
    const ports: any[] = svc?.spec?.ports ?? [];
    const sp = 'name' in port ? ports.find((p) => p.name === port.name) : ports.find((p) => p.port === port.number);
    return sp?.port;
  }
}

/** A server's location matcher, and for a `*.` server the regex its server_name is. */
function compileServer(server: Server): CompiledServer {
  const c: CompiledServer = { server, matcher: compileLocations(server.locations) };
  // ingress-nginx: server_name ~^(?<subdomain>[\w-]+)\.foo\.com$ — exactly one label.
  if (server.name.startsWith('*.')) c.wildcard = new RegExp(`^[\\w-]+${server.name.slice(1).replace(/\./g, '\\.')}$`);
  return c;
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

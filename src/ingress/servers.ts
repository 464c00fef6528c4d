// Served Ingresses merged into per-host servers of locations, the way ingress-nginx builds its nginx.conf
// (internal/ingress/controller/controller.go createServers/getBackendServers and location.go updateServerLocations).

import type { KubeObject } from '../core/types.js';
import { ObjectRef, refOf } from './ingress-classes.js';

/** The name of ingress-nginx's catch-all server, which holds the host-less rules. */
export const CATCH_ALL = '_';
const ANN = 'nginx.ingress.kubernetes.io/';

export type BackendPort = { number: number } | { name: string };

/** Where a location sends requests: a Service port named by one Ingress rule path or defaultBackend. */
export interface Target {
  ingress: ObjectRef;
  source: 'rule' | 'defaultBackend';
  ruleIndex?: number;
  pathIndex?: number;
  service: ObjectRef;
  port: BackendPort;
}

/** The per-location annotations of the Ingress that configured it. */
export interface LocationAnnotations {
  rewriteTarget?: string;
  useRegex: boolean;
  xForwardedPrefix?: string;
  sslRedirect: boolean;
  forceSslRedirect: boolean;
}

/** One nginx location; `target` undefined means the controller's default backend (404). */
export interface Location {
  path: string;
  pathType: 'Exact' | 'Prefix';
  /** The path as written in the Ingress (before the trailing-slash normalisation). */
  ingressPath: string;
  target?: Target;
  isDefBackend: boolean;
  owner?: ObjectRef;
  annotations: LocationAnnotations;
}

export interface ServerTls {
  ingress: ObjectRef;
  /** undefined when the Ingress lists the host under tls without a secretName. */
  secretName?: string;
}

export interface Server {
  /** A rule host (`foo.bar.com`, `*.foo.com`) or `_`. */
  name: string;
  locations: Location[];
  tls?: ServerTls;
}

/** A duplicate host + path + pathType that ingress-nginx skips ("Location … already configured"). */
export interface LocationConflict {
  server: string;
  path: string;
  pathType: string;
  kept: ObjectRef;
  skipped: ObjectRef;
}

/** A conflict and the rule path that was skipped: which Ingress, rule and path (the order ingress-nginx meets them in). */
export interface PlacedConflict {
  conflict: LocationConflict;
  ingress: KubeObject;
  ruleIndex: number;
  pathIndex: number;
}

export interface BuiltServers {
  servers: Map<string, Server>;
  /** In the order ingress-nginx meets them: by Ingress (oldest first), rule, path. */
  conflicts: LocationConflict[];
  /** The same conflicts with their places, for merging the conflicts of servers built separately. */
  placed: PlacedConflict[];
  warnings: string[];
}

const NO_ANNOTATIONS: LocationAnnotations = { useRegex: false, sslRedirect: true, forceSslRedirect: false };

/** The annotations ingress-nginx reads for routing; `ssl-redirect` defaults to the ConfigMap's true. */
export function locationAnnotations(ing: KubeObject): LocationAnnotations {
  const a = ing.metadata.annotations ?? {};
  const out: LocationAnnotations = {
    useRegex: a[`${ANN}use-regex`] === 'true',
    sslRedirect: a[`${ANN}ssl-redirect`] !== 'false',
    forceSslRedirect: a[`${ANN}force-ssl-redirect`] === 'true',
  };
  if (a[`${ANN}rewrite-target`]) out.rewriteTarget = a[`${ANN}rewrite-target`];
  if (a[`${ANN}x-forwarded-prefix`]) out.xForwardedPrefix = a[`${ANN}x-forwarded-prefix`];
  return out;
}

/** location.go needsRewrite: a rewrite-target that differs from the location's path. */
export function needsRewrite(loc: Location): boolean {
  return !!loc.annotations.rewriteTarget && loc.annotations.rewriteTarget !== loc.path;
}

function serviceTarget(ing: KubeObject, backend: any, source: Target['source'], ruleIndex?: number, pathIndex?: number): Target | undefined {
  const svc = backend?.service;
  if (!svc) return undefined;
  const port: BackendPort = svc.port?.name ? { name: svc.port.name } : { number: svc.port?.number };
  const t: Target = { ingress: refOf(ing), source, service: { namespace: refOf(ing).namespace, name: svc.name }, port };
  if (ruleIndex !== undefined) Object.assign(t, { ruleIndex, pathIndex });
  return t;
}

function rootLocation(target: Target | undefined, owner: KubeObject | undefined): Location {
  const loc: Location = { path: '/', pathType: 'Prefix', ingressPath: '/', isDefBackend: true, annotations: owner ? locationAnnotations(owner) : NO_ANNOTATIONS };
  if (target) loc.target = target;
  if (owner) loc.owner = refOf(owner);
  return loc;
}

const ingKey = (ing: KubeObject) => `Ingress ${refOf(ing).namespace}/${ing.metadata.name}`;
const serverNameOf = (rule: any) => (rule.host ? String(rule.host).toLowerCase() : CATCH_ALL);

/** The warning about an Ingress's spec.defaultBackend, if it has one ingress-nginx cannot route to. */
export function defaultBackendWarning(ing: KubeObject): string | undefined {
  if (!ing.spec?.defaultBackend || serviceTarget(ing, ing.spec.defaultBackend, 'defaultBackend')) return undefined;
  return `${ingKey(ing)}: spec.defaultBackend is a resource backend; ingress-nginx only routes to Services, so the controller's default backend is used`;
}

/** The warnings about an Ingress's rule paths that ingress-nginx skips. */
export function rulePathWarnings(ing: KubeObject): string[] {
  const out: string[] = [];
  for (const [ri, rule] of ((ing.spec?.rules ?? []) as any[]).entries())
    for (const [pi, p] of ((rule.http?.paths ?? []) as any[]).entries())
      if (!serviceTarget(ing, p.backend, 'rule', ri, pi)) out.push(`${ingKey(ing)}: spec.rules[${ri}].http.paths[${pi}] has a resource backend; ingress-nginx skips it`);
  return out;
}

/**
 * The servers an Ingress has a part in: its rules' hosts (`_` for a rule without one), and the catch-all when it has
 * a Service defaultBackend and no rules. A server is built from exactly the Ingresses naming it, so buildServers over
 * any oldest-first list holding those gives it the same locations, TLS and conflicts.
 */
export function serverNamesOf(ing: KubeObject): string[] {
  const rules: any[] = ing.spec?.rules ?? [];
  const names = new Set(rules.map(serverNameOf));
  if (rules.length === 0 && serviceTarget(ing, ing.spec?.defaultBackend, 'defaultBackend')) names.add(CATCH_ALL);
  return [...names];
}

/** Builds the servers from Ingresses already sorted oldest first. */
export function buildServers(ingresses: KubeObject[]): BuiltServers {
  const servers = new Map<string, Server>([[CATCH_ALL, { name: CATCH_ALL, locations: [rootLocation(undefined, undefined)] }]]);
  const placed: PlacedConflict[] = [];

  // createServers: the catch-all's root comes from the oldest Ingress with a defaultBackend and no rules; each
  // host's root from the spec.defaultBackend of the oldest Ingress naming that host (or the controller default).
  for (const ing of ingresses) {
    const rules: any[] = ing.spec?.rules ?? [];
    const def = serviceTarget(ing, ing.spec?.defaultBackend, 'defaultBackend');
    const catchAllRoot = servers.get(CATCH_ALL)!.locations[0];
    if (def && rules.length === 0 && catchAllRoot.isDefBackend) {
      // The catch-all keeps its own rewrite settings ("Redirect and rewrite can affect the catch all behavior").
      Object.assign(catchAllRoot, { isDefBackend: false, target: def, owner: refOf(ing), annotations: { ...locationAnnotations(ing), rewriteTarget: undefined } });
    }
    for (const rule of rules) {
      const host = serverNameOf(rule);
      if (!servers.has(host)) servers.set(host, { name: host, locations: [rootLocation(def, ing)] });
    }
  }

  // TLS: the first (oldest) Ingress whose tls section exists configures the host's certificate.
  for (const ing of ingresses) {
    const tls: any[] = ing.spec?.tls ?? [];
    if (tls.length === 0) continue;
    for (const rule of (ing.spec?.rules ?? []) as any[]) {
      const server = servers.get(serverNameOf(rule))!;
      if (server.name === CATCH_ALL || server.tls) continue;
      const entry = tls.find((t) => ((t.hosts ?? []) as string[]).some((h) => h.toLowerCase() === server.name));
      server.tls = entry?.secretName ? { ingress: refOf(ing), secretName: entry.secretName } : { ingress: refOf(ing) };
    }
  }

  // getBackendServers: every rule path becomes a location; the same path + pathType again is skipped, except that a
  // rule path `/` replaces the root default location. Paths with resource backends are skipped (rulePathWarnings).
  for (const ing of ingresses) {
    for (const [ri, rule] of ((ing.spec?.rules ?? []) as any[]).entries()) {
      const server = servers.get(serverNameOf(rule))!;
      for (const [pi, p] of ((rule.http?.paths ?? []) as any[]).entries()) {
        const target = serviceTarget(ing, p.backend, 'rule', ri, pi);
        if (!target) continue;
        const conflict = addLocation(server, ing, target, p);
        if (conflict) placed.push({ conflict, ingress: ing, ruleIndex: ri, pathIndex: pi });
      }
    }
  }
  for (const server of servers.values()) server.locations = updateServerLocations(server.locations);
  const warnings: string[] = [];
  for (const ing of ingresses) {
    const w = defaultBackendWarning(ing);
    if (w) warnings.push(w);
  }
  for (const ing of ingresses) warnings.push(...rulePathWarnings(ing));
  return { servers, conflicts: placed.map((p) => p.conflict), placed, warnings };
}

/** Adds a rule path's location to the server; returns the conflict when the same path + pathType is already there. */
function addLocation(server: Server, ing: KubeObject, target: Target, p: any): LocationConflict | undefined {
  const path: string = p.path || '/';
  // internal/k8s/main.go SetDefaultNGINXPathType: ingress-nginx turns ImplementationSpecific into Prefix.
  const pathType: Location['pathType'] = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
  const existing = server.locations.find((l) => l.path === path && l.pathType === pathType);
  if (existing && !existing.isDefBackend) return { server: server.name, path, pathType, kept: existing.target!.ingress, skipped: refOf(ing) };
  const loc: Location = { path, pathType, ingressPath: path, target, isDefBackend: false, owner: refOf(ing), annotations: locationAnnotations(ing) };
  if (existing) Object.assign(existing, loc);
  else server.locations.push(loc);
  return undefined;
}

/**
 * location.go updateServerLocations: a Prefix `/foo` (without rewrite or use-regex) becomes a prefix location
 * `/foo/` plus an exact location `/foo` — unless an Exact `/foo` already exists — which gives element-wise matching.
 */
function updateServerLocations(locations: Location[]): Location[] {
  const exact = new Set(locations.filter((l) => l.pathType === 'Exact').map((l) => l.path));
  const out: Location[] = [];
  for (const loc of locations) {
    if (loc.path === '/' || loc.pathType !== 'Prefix' || needsRewrite(loc) || loc.annotations.useRegex) {
      out.push(loc);
      continue;
    }
    const normalized = loc.path.endsWith('/') ? loc.path : `${loc.path}/`;
    out.push({ ...loc, path: normalized });
    if (!exact.has(loc.path)) out.push({ ...loc, pathType: 'Exact' });
  }
  return out;
}

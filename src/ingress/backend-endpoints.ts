// The ready endpoints behind an Ingress backend (Service port → EndpointSlice ports), and a round-robin picker
// whose state the caller owns, like ingress-nginx's default round_robin Lua balancer.

import { compareIPv4 } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import type { ObjectRef } from './ingress-classes.js';
import type { BackendPort } from './servers.js';

/** One pod address and port the proxy can connect to. */
export interface Endpoint {
  ip: string;
  port: number;
  /** The Pod behind the address, when the EndpointSlice says. */
  pod?: ObjectRef;
}

export type BackendEndpoints =
  | { kind: 'endpoints'; upstream: string; endpoints: Endpoint[] }
  | { kind: 'unavailable'; status: 503; upstream: string; reason: string };

/**
 * The upstream name ingress-nginx gives a Service port (`namespace-name-port`), used as the round-robin key.
 */
export function upstreamName(service: ObjectRef, port: BackendPort): string {
  return `${service.namespace}-${service.name}-${'name' in port ? port.name : port.number}`;
}

/**
 * Ready endpoints of the Service port the match names: the Service port is found by number or name, then each
 * EndpointSlice port with the same name gives the target port. An endpoint counts when conditions.ready is not
 * false (nil means ready, per discovery.k8s.io/v1). Sorted by IP and port; duplicates across slices merged.
 */
export function backendEndpoints(svc: KubeObject | undefined, slices: KubeObject[], match: { service: ObjectRef; port: BackendPort }): BackendEndpoints {
  const upstream = upstreamName(match.service, match.port);
  const svcName = `Service ${match.service.namespace}/${match.service.name}`;
  const unavailable = (reason: string): BackendEndpoints => ({ kind: 'unavailable', status: 503, upstream, reason });
  if (!svc) return unavailable(`${svcName} does not exist`);
  if (svc.spec?.type === 'ExternalName') return unavailable(`${svcName} is type ExternalName (${svc.spec.externalName}); flatnet does not proxy to external names`);
  const ports: any[] = svc.spec?.ports ?? [];
  const port = match.port;
  const sp = 'name' in port ? ports.find((p) => p.name === port.name) : ports.find((p) => p.port === port.number);
  if (!sp) return unavailable(`${svcName} has no port ${'name' in port ? `named "${port.name}"` : port.number}`);
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  let notReady = 0;
  for (const slice of slices) {
    const slicePort = ((slice.ports ?? []) as any[]).find((p) => (p.name ?? '') === (sp.name ?? ''));
    if (!slicePort || typeof slicePort.port !== 'number') continue;
    for (const ep of (slice.endpoints ?? []) as any[]) {
      if (ep.conditions?.ready === false) {
        notReady++;
        continue;
      }
      for (const ip of (ep.addresses ?? []) as string[]) {
        const key = `${ip}:${slicePort.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const e: Endpoint = { ip, port: slicePort.port };
        if (ep.targetRef?.kind === 'Pod') e.pod = { namespace: ep.targetRef.namespace, name: ep.targetRef.name };
        endpoints.push(e);
      }
    }
  }
  if (endpoints.length === 0)
    return unavailable(`${svcName} port ${sp.port} has no ready endpoints${notReady ? ` (${notReady} not ready)` : ''}: ingress-nginx answers 503`);
  endpoints.sort((a, b) => compareIPv4(a.ip, b.ip) || a.port - b.port);
  return { kind: 'endpoints', upstream, endpoints };
}

/** Round-robin positions per upstream; the caller keeps one per proxy and passes it in. */
export type RoundRobinState = Map<string, number>;

/**
 * The next endpoint of an upstream in turn, starting from the first. Deterministic: ingress-nginx's balancer
 * starts at a random offset, flatnet at 0 so runs repeat. Advances `state`.
 */
export function pickEndpoint(backends: Extract<BackendEndpoints, { kind: 'endpoints' }>, state: RoundRobinState): Endpoint {
  const n = state.get(backends.upstream) ?? 0;
  state.set(backends.upstream, (n + 1) % backends.endpoints.length);
  return backends.endpoints[n % backends.endpoints.length];
}

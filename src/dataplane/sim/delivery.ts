// The last step of a simulated connection: the socket in the destination network namespace that accepts it (an
// emulated workload, or an HTTP override such as the Ingress proxy), or the reason nothing does.

import type { KubeObject } from '../../core/types.js';
import type { ConnectionInfo, Endpoint, Hop, HttpRequest, HttpResponse, Protocol, Session } from '../types.js';
import { podName, podObject, type NodeInfo } from './cluster-index.js';
import type { Listener, PodWorkloads } from './workloads/pod-workloads.js';

/** Answers HTTP in place of a pod's emulated workload. */
export type HttpHandler = (req: HttpRequest, conn: ConnectionInfo) => Promise<HttpResponse>;

/** What delivery needs from the data plane: the workloads of a pod, and the override hook. */
export interface DeliveryContext {
  workloads(pod: KubeObject): PodWorkloads;
  httpOverride?: (pod: KubeObject, port: number, protocol: Protocol) => HttpHandler | undefined;
}

export type Delivery =
  | { accepted: true; pod: KubeObject; session: Session; hop: Hop }
  | { accepted: false; hop: Hop; message: string };

/** A session on an accepted socket, the listener seeing `conn` as its peer and local address. */
export function sessionFor(listener: Listener, conn: ConnectionInfo): Session {
  switch (listener.kind) {
    case 'http':
      return { kind: 'http', http: (req) => listener.http(req, conn) };
    case 'stream': {
      const c = listener.open(conn);
      return { kind: 'stream', ...(c.greeting ? { greeting: c.greeting } : {}), send: (data) => c.send(data) };
    }
    case 'datagram':
      return { kind: 'datagram', datagram: (data) => listener.datagram(data, conn) };
  }
}

function deliverHop(at: string, summary: string, objects: string[]): Hop {
  return { stage: 'deliver', at, summary, objects };
}

type Attempt = { session: Session; summary: string } | { refused: string };

/** Tries one pod's sockets: the override first, then its emulated workloads. */
function attempt(ctx: DeliveryContext, pod: KubeObject, dst: Endpoint, protocol: Protocol, conn: ConnectionInfo): Attempt {
  const handler = ctx.httpOverride?.(pod, dst.port, protocol);
  if (handler) return { session: { kind: 'http', http: (req) => handler(req, conn) }, summary: `${podName(pod)} accepts on ${dst.ip}:${dst.port}/${protocol}, served by flatnet's HTTP proxy in place of the emulated program` };
  const w = ctx.workloads(pod);
  const r = w.connect(dst.port, protocol, dst.ip);
  if ('listener' in r) return { session: sessionFor(r.listener, conn), summary: `${podName(pod)} accepts on ${dst.ip}:${dst.port}/${protocol}: ${r.listener.describe()}` };
  // Name the containers and what they do listen on when the refusal is not already about one container's socket.
  const aboutContainer = w.notListening.some((n) => n.port === dst.port && n.protocol === protocol) || w.listeners.some((l) => l.port === dst.port && l.protocol === protocol);
  if (aboutContainer) return { refused: r.refused };
  const containers = ((pod.spec?.containers ?? []) as { name: string }[]).map(({ name }) => {
    const own = w.listeners.filter((l) => l.container === name);
    if (own.length) return `container ${name} (${own[0].program}) listens on ${own.map((l) => `${l.port}/${l.protocol}`).join(', ')}`;
    const missing = w.notListening.find((n) => n.container === name);
    return missing ? `container ${name}: ${missing.reason}` : `container ${name} listens on nothing`;
  });
  return { refused: `${r.refused}; ${containers.join('; ')}` };
}

/** Delivers to a pod's own network namespace (its IP, or 127.0.0.0/8 from inside it). */
export function deliverToPod(ctx: DeliveryContext, pod: KubeObject, dst: Endpoint, protocol: Protocol, conn: ConnectionInfo): Delivery {
  const at = podName(pod);
  const a = attempt(ctx, pod, dst, protocol, conn);
  if ('session' in a) return { accepted: true, pod, session: a.session, hop: deliverHop(at, a.summary, [podObject(pod)]) };
  const message = `connection refused by ${podName(pod)} on ${dst.ip}:${dst.port}/${protocol}: ${a.refused}`;
  return { accepted: false, message, hop: deliverHop(at, message, [podObject(pod)]) };
}

/**
 * Delivers to a node's own network namespace: the sockets of the hostNetwork pods running there, tried in
 * namespace/name order (two of them cannot hold one port: the second bind fails with EADDRINUSE).
 */
export function deliverToNode(ctx: DeliveryContext, node: NodeInfo, hostPods: readonly KubeObject[], dst: Endpoint, protocol: Protocol, conn: ConnectionInfo): Delivery {
  const at = `node ${node.name}`;
  for (const pod of hostPods) {
    const a = attempt(ctx, pod, dst, protocol, conn);
    if ('session' in a) return { accepted: true, pod, session: a.session, hop: deliverHop(at, `${a.summary} (host network of node ${node.name})`, [podObject(pod)]) };
  }
  const pods = hostPods.length ? ` (hostNetwork pods there: ${hostPods.map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`).join(', ')})` : ' (no hostNetwork pod runs there)';
  const message = `connection refused by node ${node.name} on ${dst.ip}:${dst.port}/${protocol}: nothing in the node's network namespace listens on ${dst.port}/${protocol}${pods}`;
  return { accepted: false, message, hop: deliverHop(at, message, hostPods.map(podObject)) };
}

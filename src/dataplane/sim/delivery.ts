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

/**
 * An accepting socket: the session, and what accepted it — the listener, or for an HTTP override the pod (`by`
 * identifies the summary, which depends on nothing else for a given destination).
 */
type Accepted = { session: Session; by: object; listener?: Listener };
type Attempt = Accepted | { refused: string };

/** The deliver hop's sentence for an accepted connection. */
function acceptSummary(pod: KubeObject, dst: Endpoint, protocol: Protocol, a: Accepted): string {
  if (!a.listener) return `${podName(pod)} accepts on ${dst.ip}:${dst.port}/${protocol}, served by flatnet's HTTP proxy in place of the emulated program`;
  return `${podName(pod)} accepts on ${dst.ip}:${dst.port}/${protocol}: ${a.listener.describe()}`;
}

/** Tries one pod's sockets: the override first, then its emulated workloads. */
function attempt(ctx: DeliveryContext, pod: KubeObject, dst: Endpoint, protocol: Protocol, conn: ConnectionInfo): Attempt {
  const handler = ctx.httpOverride?.(pod, dst.port, protocol);
  if (handler) return { session: { kind: 'http', http: (req) => handler(req, conn) }, by: pod };
  const w = ctx.workloads(pod);
  const r = w.connect(dst.port, protocol, dst.ip);
  if ('listener' in r) return { session: sessionFor(r.listener, conn), by: r.listener, listener: r.listener };
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

/**
 * The deliver hop of an accepted connection, from `memo` when one is given and the same socket accepted before: a
 * caller delivering to the same destination again (a data plane snapshot's cached path) shares the hop, which no one
 * mutates, instead of writing its sentence again.
 */
function acceptedHop(memo: Map<object, Hop> | undefined, a: Accepted, make: () => Hop): Hop {
  let hop = memo?.get(a.by);
  if (!hop) {
    hop = make();
    memo?.set(a.by, hop);
  }
  return hop;
}

/**
 * Delivers to a pod's own network namespace (its IP, or 127.0.0.0/8 from inside it). `memo` keeps the deliver hop per
 * accepting socket for repeated deliveries to the same pod, destination and protocol.
 */
export function deliverToPod(ctx: DeliveryContext, pod: KubeObject, dst: Endpoint, protocol: Protocol, conn: ConnectionInfo, memo?: Map<object, Hop>): Delivery {
  const a = attempt(ctx, pod, dst, protocol, conn);
  if ('session' in a) return { accepted: true, pod, session: a.session, hop: acceptedHop(memo, a, () => deliverHop(podName(pod), acceptSummary(pod, dst, protocol, a), [podObject(pod)])) };
  const message = `connection refused by ${podName(pod)} on ${dst.ip}:${dst.port}/${protocol}: ${a.refused}`;
  return { accepted: false, message, hop: deliverHop(podName(pod), message, [podObject(pod)]) };
}

/**
 * Delivers to a node's own network namespace: the sockets of the hostNetwork pods running there, tried in
 * namespace/name order (two of them cannot hold one port: the second bind fails with EADDRINUSE).
 */
export function deliverToNode(ctx: DeliveryContext, node: NodeInfo, hostPods: readonly KubeObject[], dst: Endpoint, protocol: Protocol, conn: ConnectionInfo, memo?: Map<object, Hop>): Delivery {
  const at = `node ${node.name}`;
  for (const pod of hostPods) {
    const a = attempt(ctx, pod, dst, protocol, conn);
    if ('session' in a) return { accepted: true, pod, session: a.session, hop: acceptedHop(memo, a, () => deliverHop(at, `${acceptSummary(pod, dst, protocol, a)} (host network of node ${node.name})`, [podObject(pod)])) };
  }
  const pods = hostPods.length ? ` (hostNetwork pods there: ${hostPods.map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`).join(', ')})` : ' (no hostNetwork pod runs there)';
  const message = `connection refused by node ${node.name} on ${dst.ip}:${dst.port}/${protocol}: nothing in the node's network namespace listens on ${dst.port}/${protocol}${pods}`;
  return { accepted: false, message, hop: deliverHop(at, message, hostPods.map(podObject)) };
}

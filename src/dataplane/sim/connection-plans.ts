// The paths of one cluster snapshot's connections, worked out once: SimDataPlane keeps a plan per source,
// destination and protocol until the cluster changes, and delivers every new connection along it.

import type { KubeObject } from '../../core/types.js';
import type { ConnectionInfo, ConnectOutcome, ConnectRequest, DropReason, Endpoint, Hop, ObjectRef, Protocol } from '../types.js';
import type { NodeInfo } from './cluster-index.js';
import { deliverToNode, deliverToPod, type DeliveryContext } from './delivery.js';

/** A connection that got no further than some step of its path. */
export type Failure = Exclude<ConnectOutcome, { kind: 'connected' }>;

/**
 * A connection's path as far as the listening socket: everything that depends only on the cluster snapshot (the
 * source, the Service proxy's verdict when no endpoint had to be picked, routes, NetworkPolicy). What happens at the
 * socket (which program, or an HTTP override, accepts; the ephemeral source port) is worked out per connection.
 */
export type Plan = { kind: 'failed'; outcome: Failure } | DeliveryPlan;

export interface DeliveryPlan {
  kind: 'deliver';
  /** The hops up to delivery. */
  hops: Hop[];
  /** The pod whose namespace the packet is delivered into, or the node (its hostNetwork pods' sockets). */
  pod?: KubeObject;
  node: NodeInfo;
  hostPods?: readonly KubeObject[];
  dst: Endpoint;
  protocol: Protocol;
  /** The source address the receiving program sees. */
  srcIP: string;
  via: string;
  /** The deliver hop, per accepting socket (see deliverToPod). */
  memo: Map<object, Hop>;
  /** The accepting pod's reference, per pod (shared by every outcome of the path). */
  refs: Map<KubeObject, ObjectRef>;
}

/** Paths kept per snapshot before the plans start over (each distinct source, destination and protocol is one). */
const MAX_PLANS = 10_000;

export function failure(kind: 'refused' | 'timeout' | 'unreachable', reason: DropReason, message: string, hops: Hop[]): Failure {
  return { kind, hops, reason, message };
}

export function failed(outcome: Failure): Plan {
  return { kind: 'failed', outcome };
}

/** What a connection's path depends on besides the snapshot: who connects, to what, how, and where it enters. */
export function planKey(req: ConnectRequest): string {
  const f = req.from;
  const from = f.kind === 'pod' ? `pod ${f.namespace}/${f.name}` : f.kind === 'node' ? `node ${f.name}` : `external ${f.ip}`;
  return `${from} ${req.to.ip}:${req.to.port}/${req.protocol} ${req.entryNode ?? ''}`;
}

/** The plans of one snapshot by planKey. A data plane makes a new one whenever the cluster changes. */
export class ConnectionPlans {
  private readonly plans = new Map<string, Plan>();

  get(key: string): Plan | undefined {
    return this.plans.get(key);
  }

  keep(key: string, plan: Plan): void {
    if (this.plans.size >= MAX_PLANS) this.plans.clear();
    this.plans.set(key, plan);
  }
}

/** The socket end of a path: a connection from `sourcePort`, the accepting program (or the refusal). */
export function deliverAlong(plan: DeliveryPlan, ctx: DeliveryContext, sourcePort: number): ConnectOutcome {
  const { dst, protocol } = plan;
  const conn: ConnectionInfo = { protocol, source: { ip: plan.srcIP, port: sourcePort }, destination: { ip: dst.ip, port: dst.port } };
  const d = plan.pod ? deliverToPod(ctx, plan.pod, dst, protocol, conn, plan.memo) : deliverToNode(ctx, plan.node, plan.hostPods!, dst, protocol, conn, plan.memo);
  // concat allocates exactly the hops; an array spread reserves room to grow, and flow records keep these arrays.
  const hops = plan.hops.concat(d.hop);
  if (!d.accepted) return failure('refused', 'PORT_UNREACHABLE', `${d.message}${plan.via}`, hops);
  let pod = plan.refs.get(d.pod);
  if (!pod) plan.refs.set(d.pod, (pod = { namespace: d.pod.metadata.namespace ?? 'default', name: d.pod.metadata.name }));
  return { kind: 'connected', hops, delivered: { pod, node: plan.node.name, conn }, session: d.session };
}

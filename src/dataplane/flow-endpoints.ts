// Who an address is, for the flow log: a pod with its namespace, labels and workload, a node, or the world, named the
// way Hubble names flow endpoints (observer.Endpoint: namespace, pod_name, `k8s:` labels, workloads; reserved:
// identities for hosts and the outside).

import { nodeInternalIPOf } from '../core/objects.js';
import type { KubeObject } from '../core/types.js';
import { ReferenceIndex } from '../netpol/references.js';

/** A flow endpoint in Hubble's field names (flow.proto `message Endpoint`), without Cilium's numeric identities. */
export interface FlowEndpoint {
  namespace?: string;
  /** `k8s:key=value` for pod labels plus `k8s:io.kubernetes.pod.namespace=NS`; `reserved:host`, `reserved:remote-node`, `reserved:world` otherwise. */
  labels: string[];
  pod_name?: string;
  workloads?: { name: string; kind: string }[];
}

/** What the flow log knows about an address: the endpoint, the node it lives on, and its IP. */
export interface FlowParty {
  endpoint: FlowEndpoint;
  /** The node whose network the address is on (a pod's node, the node itself); undefined for the world. */
  node?: string;
  ip: string;
}

interface Indexed {
  podByKey: Map<string, KubeObject>;
  podByIP: Map<string, KubeObject>;
  nodeByName: Map<string, string | undefined>;
  nodeByIP: Map<string, string>;
  refs: ReferenceIndex;
  /** Each pod's endpoint, worked out on first use: every flow of a pod shares it (flows are never mutated). */
  endpoints: WeakMap<KubeObject, FlowEndpoint>;
}


function index(objects: readonly KubeObject[]): Indexed {
  const ix: Indexed = { podByKey: new Map(), podByIP: new Map(), nodeByName: new Map(), nodeByIP: new Map(), refs: new ReferenceIndex(objects), endpoints: new WeakMap() };
  for (const o of objects) {
    if (o.kind === 'Node') {
      const ip = nodeInternalIPOf(o);
      ix.nodeByName.set(o.metadata.name, ip);
      if (ip) ix.nodeByIP.set(ip, o.metadata.name);
    } else if (o.kind === 'Pod') {
      ix.podByKey.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o);
      const ip = o.status?.podIP as string | undefined;
      const done = o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed';
      // hostNetwork pods share their node's address: that address is the node's (reserved:host), as in Hubble.
      if (ip && !done && o.spec?.hostNetwork !== true && !ix.podByIP.has(ip)) ix.podByIP.set(ip, o);
    }
  }
  return ix;
}

/**
 * Hubble's labels for a pod: its own as `k8s:key=value`, and the namespace label Cilium adds to every pod identity,
 * sorted (Hubble prints them sorted).
 */
function podLabels(pod: KubeObject): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  const own = Object.entries((pod.metadata.labels ?? {}) as Record<string, string>).map(([k, v]) => `k8s:${k}=${v}`);
  return [...own, `k8s:io.kubernetes.pod.namespace=${ns}`].sort();
}

/** Who the addresses of one cluster state are. */
export interface FlowParties {
  /** A pod by namespace/name (hostNetwork pods are their node's address); undefined when the cluster has no such pod. */
  pod(namespace: string, name: string): FlowParty | undefined;
  /** A node's own address (reserved:host; reserved:remote-node is relative, see `relativeTo`). */
  node(name: string): FlowParty;
  /** Whoever has the address: a pod, a node, or the world. */
  address(ip: string): FlowParty;
}

/** The parties of one cluster state, never changed once made. */
class Snapshot implements FlowParties {
  constructor(private readonly ix: Indexed) {}

  pod(namespace: string, name: string): FlowParty | undefined {
    const p = this.ix.podByKey.get(`${namespace}/${name}`);
    if (!p) return undefined;
    const node = p.spec?.nodeName as string | undefined;
    if (p.spec?.hostNetwork === true) return node ? this.node(node) : undefined;
    return { endpoint: this.podEndpoint(p), ...(node ? { node } : {}), ip: (p.status?.podIP as string | undefined) ?? '' };
  }

  node(name: string): FlowParty {
    return { endpoint: { labels: ['reserved:host'] }, node: name, ip: this.ix.nodeByName.get(name) ?? '' };
  }

  address(ip: string): FlowParty {
    const pod = this.ix.podByIP.get(ip);
    if (pod) return { endpoint: this.podEndpoint(pod), ...(pod.spec?.nodeName ? { node: pod.spec.nodeName as string } : {}), ip };
    const node = this.ix.nodeByIP.get(ip);
    if (node) return { endpoint: { labels: ['reserved:host'] }, node, ip };
    return { endpoint: { labels: ['reserved:world'] }, ip };
  }

  private podEndpoint(p: KubeObject): FlowEndpoint {
    let e = this.ix.endpoints.get(p);
    if (!e) this.ix.endpoints.set(p, (e = this.makePodEndpoint(p)));
    return e;
  }

  private makePodEndpoint(p: KubeObject): FlowEndpoint {
    const w = this.ix.refs.workloadOf(p);
    return {
      namespace: p.metadata.namespace ?? 'default',
      labels: podLabels(p),
      pod_name: p.metadata.name,
      ...(w.kind !== 'Pod' ? { workloads: [{ name: w.name, kind: w.kind }] } : {}),
    };
  }
}

/** The flow endpoints of one cluster state; `update` swaps in a new state (after every store change). */
export class FlowEndpoints implements FlowParties {
  private current: Snapshot;

  constructor(objects: readonly KubeObject[]) {
    this.current = new Snapshot(index(objects));
  }

  update(objects: readonly KubeObject[]): void {
    this.current = new Snapshot(index(objects));
  }

  /** The parties of the current cluster state, which later updates leave as they are (for flows built after the fact). */
  snapshot(): FlowParties {
    return this.current;
  }

  pod(namespace: string, name: string): FlowParty | undefined {
    return this.current.pod(namespace, name);
  }

  node(name: string): FlowParty {
    return this.current.node(name);
  }

  address(ip: string): FlowParty {
    return this.current.address(ip);
  }
}

/**
 * A node's address as seen from another node is `reserved:remote-node`, from itself `reserved:host` (Cilium's
 * reserved identities 6 and 1).
 */
export function relativeTo(party: FlowParty, observer: string | undefined): FlowEndpoint {
  if (party.endpoint.labels.length === 1 && party.endpoint.labels[0] === 'reserved:host' && observer !== undefined && party.node !== observer) return { labels: ['reserved:remote-node'] };
  return party.endpoint;
}

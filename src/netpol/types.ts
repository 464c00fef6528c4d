// The NetworkPolicy engine's public interface: what a connection is, what a verdict says and why, and the
// all-pairs matrix. Front ends (CLI verbs, later the API server and the data planes) use only this.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/**
 * Implementation-defined points of NetworkPolicy (../shared/reference/networkpolicy.md §7, §9), set from the
 * ClusterConfig's CNI profile and shown in explanations whenever a verdict depends on them.
 */
export interface PolicySettings {
  /** The CNI profile the settings come from, e.g. "calico". */
  cni: string;
  /** Whether NetworkPolicy is enforced at all (flannel: false — every verdict says so). */
  enforced: boolean;
  /** Whether an ipBlock peer matches pod IPs (calico and upstream e2e: yes; cilium: no). */
  ipBlockMatchesPods: boolean;
  /** hostNetwork pods are neither isolated nor selectable by pod/namespace selectors; their traffic is node traffic. */
  hostNetworkIsNodeTraffic: boolean;
}

/** One side of a connection: a pod of the model, or an address outside the pod network (external host or node). */
export type Endpoint =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'ip'; ip: string };

export interface ConnectionQuery {
  from: Endpoint;
  to: Endpoint;
  /** Destination port: a number, or a port name resolved on the destination pod's container ports. */
  port: number | string;
  protocol: Protocol;
}

/** Where an allow came from: policy, direction, rule, and the peer and port entry inside the rule (0-based). */
export interface RuleRef {
  policy: string; // namespace/name
  direction: 'Ingress' | 'Egress';
  rule: number;
  /** Index of the matching peer in from/to; undefined when the rule has no peers (matches everyone). */
  peer?: number;
  /** Index of the matching port entry; undefined when the rule has no ports (matches every port). */
  port?: number;
}

/** The verdict of one direction: egress on the source pod, or ingress on the destination pod. */
export interface DirectionVerdict {
  direction: 'Ingress' | 'Egress';
  /** False when this side is not a policy-subject pod (an external IP, a hostNetwork pod, or nothing enforces). */
  subject: boolean;
  /** The policies that select the pod with this direction in their effective policyTypes, sorted. */
  isolatingPolicies: string[];
  allowed: boolean;
  /** Every rule that allows the connection (empty when denied or not isolated). */
  allowedBy: RuleRef[];
  /** One sentence, e.g. "production/backend-x is isolated for ingress by [a, b] and none allows production/mon-y on 8080/TCP". */
  reason: string;
}

export interface Verdict {
  allowed: boolean;
  /** The destination port after resolving a named port on the destination pod (undefined when it does not resolve). */
  resolvedPort?: number;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
  /** Implementation-defined facts the verdict depended on (ipBlock vs pod IPs, flannel enforcing nothing, ...). */
  notes: string[];
}

/** A set of connections: per protocol, inclusive port ranges; `all` means every protocol and port. */
export interface ConnectionSet {
  all: boolean;
  ranges: Partial<Record<Protocol, [number, number][]>>;
}

/** The pod-to-pod (and pod-to-external) connectivity of a whole cluster or namespace. */
export interface ConnectivityMatrix {
  /** Row and column order: pods sorted by namespace/name, then the external address ranges the policies cut. */
  peers: MatrixPeer[];
  /** The connections allowed from peers[i] to peers[j] (never called with i === j). */
  connections(i: number, j: number): ConnectionSet;
}

export type MatrixPeer =
  | { kind: 'pod'; namespace: string; name: string; ownerKind?: string; ownerName?: string }
  | { kind: 'external'; first: string; last: string };

/** The engine, compiled once from a cluster's pods, namespaces and policies. */
export interface PolicyEngine {
  readonly settings: PolicySettings;
  /** Allowed or denied, and why. Throws NotFoundError for an unknown pod. */
  evaluate(q: ConnectionQuery): Verdict;
  /** All-pairs connectivity, optionally restricted to pods of some namespaces. */
  matrix(opts?: { namespaces?: string[] }): ConnectivityMatrix;
}

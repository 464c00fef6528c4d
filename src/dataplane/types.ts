// The connection-level and HTTP message types every data plane and emulated workload speaks.

/** A transport protocol as Kubernetes names it in containerPort.protocol and Service ports. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One end of a connection: an IP address and a port. */
export interface Endpoint {
  ip: string;
  port: number;
}

/**
 * A connection as the receiving pod sees it: the caller has already applied any DNAT (Service VIP → pod IP)
 * and SNAT/masquerade, so `source` is the address the pod's program reads from accept() and logs, and
 * `destination` is the pod-side address it was accepted on (the pod IP or 127.0.0.1, and the container port).
 */
export interface ConnectionInfo {
  protocol: Protocol;
  source: Endpoint;
  destination: Endpoint;
}

/** One header line as sent on the wire: name (case as sent) and value. Order is significant. */
export type HttpHeader = [name: string, value: string];

export type HttpVersion = 'HTTP/1.0' | 'HTTP/1.1';

/** An HTTP/1.x request as a server receives it. */
export interface HttpRequest {
  method: string;
  /** The request-target as sent, in origin form: `/echo?msg=hi`. */
  target: string;
  version: HttpVersion;
  /** Header lines in wire order; `Host` is among them as curl sends it. */
  headers: HttpHeader[];
  body?: Buffer;
}

/** An HTTP/1.x response as a server writes it: status line, header lines in order, body bytes. */
export interface HttpResponse {
  version: HttpVersion;
  status: number;
  reason: string;
  headers: HttpHeader[];
  /** The body bytes; empty for HEAD and 304 (their Content-Length, if any, still describes the entity). */
  body: Buffer;
}

// ---------------------------------------------------------------------------------------------------------------
// The DataPlane interface: one connection path every front end drives (the Ingress proxy, NodePort and LoadBalancer
// listeners on the host, later trace/exec/flows). The simulated plane (src/dataplane/sim) is the first
// implementation; a Linux plane of real network namespaces must answer the same questions the same way.
// ---------------------------------------------------------------------------------------------------------------

/** A namespace/name reference to a namespaced object. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

/** Where a connection starts: a pod's network namespace, a node's root namespace, or outside the cluster. */
export type ConnectionSource =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'node'; name: string }
  /** A client outside the cluster (the machine running flatnet is one: 127.0.0.1). */
  | { kind: 'external'; ip: string };

export interface ConnectRequest {
  from: ConnectionSource;
  /** The address and port the source dials, before any NAT: a pod IP, Service VIP, node IP, LB IP or loopback. */
  to: Endpoint;
  protocol: Protocol;
  /**
   * For external sources: the node the packets enter. Default: the node owning `to.ip`; for LoadBalancer and
   * external IPs, the first node (in cluster order) the load balancer would send to (under externalTrafficPolicy
   * Local, the first with a local endpoint).
   */
  entryNode?: string;
}

/** The stages of the path, in order (issue 8's trace shows each). */
export type HopStage = 'source' | 'service' | 'nat' | 'route' | 'policy' | 'deliver';

/** One step of a connection's path. */
export interface Hop {
  stage: HopStage;
  /** Where the step happens: `node node-1`, `pod default/web-1`, `external`. */
  at: string;
  /** One sentence naming the objects, rules and addresses involved. */
  summary: string;
  /** The objects responsible for this step, as `Kind namespace/name` (`Service default/my-api`, `NetworkPolicy prod/deny-all`). */
  objects: string[];
  // Optional structured details (trace and the flow log read them; the summary stays the sentence users read).
  /** `service` hops: what kube-proxy matched and what it did. */
  service?: ServiceStep;
  /** `nat` hops: the rewrite, which conntrack undoes on the reply. */
  nat?: NatStep;
  /** `route` hops across nodes under an encapsulating CNI mode: the outer header. */
  encap?: EncapStep;
  /** `policy` hops: each direction's verdict with the policies and the rules that allowed. */
  policy?: PolicyStep;
  /** Names of the rules the step went through, in order, in the proxy mode's own words (filled in by trace). */
  rules?: string[];
}

/** What the service proxy on a node (kube-proxy, or Cilium's eBPF load balancer) did with a new connection to a Service address. */
export interface ServiceStep {
  node: string;
  /** kube-proxy's mode, or `cilium` when Cilium's eBPF load balancer decided. */
  proxyMode: string;
  namespace: string;
  name: string;
  /** The Service port's name; '' when unnamed. */
  portName: string;
  /** `ns/name:portName` (or `ns/name`), kube-proxy's servicePortName. */
  servicePortName: string;
  port: number;
  protocol: Protocol;
  /** How the packet met the Service. */
  entry: 'clusterIP' | 'nodePort' | 'loadBalancerIP' | 'externalIP';
  /** The packet as the node's rules match it: its source address and its destination before DNAT. */
  source: string;
  destination: Endpoint;
  verdict: 'dnat' | 'reject' | 'drop';
  /** Every endpoint (`ip:port`) the rules could send this connection to. */
  candidates: string[];
  /** The one taken (dnat only). */
  endpoint?: string;
}

/** One NAT step: the packet's addresses before and after (ports 0 where the step leaves a source port alone). */
export interface NatStep {
  /** `service` for a Service's DNAT (and masquerade), `hostPort` for a hostPort's (portmap's, or Cilium's HostPort service). */
  kind: 'service' | 'hostPort';
  /**
   * Who rewrote the addresses: netfilter (kube-proxy, portmap) when absent, which conntrack undoes on the reply;
   * `socket-lb` when Cilium's socket-LB rewrote connect()'s destination (no packet was translated, nothing to undo on
   * the wire); `ebpf` when a Cilium BPF program translated the packet, and Cilium's own conntrack undoes it.
   */
  datapath?: 'socket-lb' | 'ebpf';
  before: { source: string; destination: Endpoint };
  after: { source: string; destination: Endpoint };
  /** Whether the source was rewritten (masquerade / SNAT). */
  snat: boolean;
}

/** The outer header an encapsulating CNI mode adds between two nodes. */
export interface EncapStep {
  type: 'vxlan' | 'ipip';
  /** The tunnel device: flannel.1, vxlan.calico, cilium_vxlan, tunl0. */
  device: string;
  outerSource: string;
  outerDestination: string;
  /** VXLAN: the VNI when it is fixed for the device (flannel 1, Calico 4096); Cilium carries the source identity. */
  vni?: number;
  /** VXLAN: the UDP destination port. */
  udpPort?: number;
  /** Bytes the outer headers add to every packet. */
  overhead: number;
  /** The pod interface MTU the CNI sets so that encapsulated packets fit the node network's 1500. */
  mtu: number;
}

/** One direction of the NetworkPolicy step. */
export interface PolicyDirectionStep {
  /** Whether NetworkPolicy isolates the pod in this direction (false: no policy selects it, or not a pod). */
  isolated: boolean;
  allowed: boolean;
  /** The isolating policies, `namespace/name`. */
  policies: string[];
  /** The rules that allowed, `namespace/name ingress[0]` (with `from[i]`/`to[i]` and `ports[j]` when they matched one). */
  allowedBy: string[];
}

export interface PolicyStep {
  /** Whether the CNI enforces NetworkPolicy at all (flannel does not). */
  enforced: boolean;
  egress: PolicyDirectionStep;
  ingress: PolicyDirectionStep;
}

/** Why a connection did not get through, in Hubble's drop-reason vocabulary where it has a word for it. */
export type DropReason =
  /** A NetworkPolicy (egress of the source or ingress of the destination) denies it: silently dropped. */
  | 'POLICY_DENIED'
  /** A Service VIP with no usable endpoints: kube-proxy REJECTs (ICMP port unreachable → connection refused) or DROPs. */
  | 'NO_ENDPOINTS'
  /** loadBalancerSourceRanges does not admit the client. */
  | 'SOURCE_RANGE_DENIED'
  /** Nothing owns the destination address (no pod, node or Service has it). */
  | 'NO_ROUTE'
  /** The destination pod exists but nothing listens on that port/protocol: TCP RST. */
  | 'PORT_UNREACHABLE';

/** The address a receiving program sees and the one it answers to. */
export interface DeliveredTo {
  /**
   * The pod whose socket accepted (a hostNetwork pod's socket lives in its node's network namespace, so a connection to
   * a node address names that pod), or undefined when no pod's socket did.
   */
  pod?: ObjectRef;
  node: string;
  /** The connection as the receiving program sees it, after DNAT and SNAT. */
  conn: ConnectionInfo;
}

export type ConnectOutcome =
  | {
      kind: 'connected';
      hops: Hop[];
      delivered: DeliveredTo;
      /** Open exchanges on the accepted socket. */
      session: Session;
    }
  | {
      /** ECONNREFUSED: a TCP RST or an ICMP port unreachable (kube-proxy REJECT, nothing listening). */
      kind: 'refused';
      hops: Hop[];
      reason: DropReason;
      message: string;
    }
  | {
      /** Packets silently dropped (policy, DROP rule): a client waits for its timeout. */
      kind: 'timeout';
      hops: Hop[];
      reason: DropReason;
      message: string;
    }
  | {
      /** EHOSTUNREACH / ENETUNREACH: no route, or ARP for a pod-network address nothing owns fails. */
      kind: 'unreachable';
      hops: Hop[];
      reason: DropReason;
      message: string;
    };

/** What can be done on an accepted connection, by what the listener speaks. */
export type Session =
  | { kind: 'http'; http(req: HttpRequest): Promise<HttpResponse> }
  | { kind: 'stream'; greeting?: { data: Buffer; close: boolean }; send(data: Buffer): Promise<{ data: Buffer; close: boolean }> }
  | { kind: 'datagram'; datagram(data: Buffer): Promise<Buffer | undefined> };

/**
 * A cluster's network. `connect` follows one new connection along the path a packet would take (Service VIP →
 * endpoint under kube-proxy's rules, NAT, the CNI route, NetworkPolicy, the listening socket) and either hands back a
 * session on the accepted socket or says where and why it failed. Implementations are deterministic: the same
 * cluster and the same sequence of requests choose the same endpoints.
 */
export interface DataPlane {
  connect(req: ConnectRequest): ConnectOutcome;
}

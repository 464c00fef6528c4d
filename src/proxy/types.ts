// The service-proxy model's types: Service ports, endpoints and per-node categorisation as kube-proxy sees them
// (kubernetes pkg/proxy serviceport.go, endpoint.go, topology.go), shared by every backend and the simulator.

/** kube-proxy's protocol string, lower case, as it appears in rules (`-p tcp`, `meta l4proto tcp`). */
export type ProxyProtocol = 'tcp' | 'udp' | 'sctp';

/** One endpoint of one Service port, after EndpointSlice de-duplication (pkg/proxy/endpointslicecache.go). */
export interface ProxyEndpoint {
  /** The endpoint's first address (kube-proxy ignores the others). */
  ip: string;
  port: number;
  /** `ip:port` as net.JoinHostPort writes it: the sort key, the DNAT target and part of the KUBE-SEP hash input. */
  address: string;
  /** The endpoint's nodeName, when the slice says. */
  nodeName?: string;
  /** conditions.ready; nil means true. */
  ready: boolean;
  /** conditions.serving; nil means true. */
  serving: boolean;
  /** conditions.terminating; nil means false. */
  terminating: boolean;
}

/**
 * One Service port as kube-proxy's ServicePort interface describes it, node-independent. Endpoint lists are
 * sorted by `address` as strings (so `10.0.0.10:80` sorts before `10.0.0.2:80`): that is rule order.
 */
export interface ProxyServicePort {
  namespace: string;
  name: string;
  /** The Service port's name; '' when unnamed. */
  portName: string;
  /** `ns/name:portName`, or `ns/name` for an unnamed port: comments and chain-name hashes use it. */
  servicePortName: string;
  protocol: ProxyProtocol;
  clusterIP: string;
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs in VIP mode (ipMode Proxy ones are left to the load balancer). */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges, normalised to network/prefix form. */
  loadBalancerSourceRanges: string[];
  /** 0 unless the Service is a LoadBalancer with externalTrafficPolicy Local. */
  healthCheckNodePort: number;
  /** ClientIP session affinity timeout in seconds; undefined without affinity. */
  affinityTimeoutSeconds?: number;
  /** internalTrafficPolicy: Local. */
  internalPolicyLocal: boolean;
  /** externalTrafficPolicy: Local on an externally reachable Service (apiservice.ExternalPolicyLocal). */
  externalPolicyLocal: boolean;
  /** Has a NodePort, a load-balancer IP or an external IP. */
  externallyAccessible: boolean;
  /** Every endpoint of the port from every slice, de-duplicated by address and sorted by address. */
  endpoints: ProxyEndpoint[];
}

/** A node as kube-proxy on it sees itself. */
export interface ProxyNode {
  name: string;
  /** The node's InternalIP addresses; the first is kube-proxy's nodeIP. */
  ips: string[];
  /** The node's spec.podCIDR, when allocated. */
  podCIDR?: string;
}

/**
 * A Service port categorised for one node, exactly as CategorizeEndpoints (pkg/proxy/topology.go) and
 * syncProxyRules (pkg/proxy/iptables/proxier.go) decide it. Every backend renders from these fields.
 */
export interface NodeServicePort {
  port: ProxyServicePort;
  /** Usable endpoints for Cluster traffic policy: ready ones, else serving+terminating ones; [] when unused. */
  clusterEndpoints: ProxyEndpoint[];
  /** Usable endpoints on this node for Local traffic policy (same fallback, decided locally); [] when unused. */
  localEndpoints: ProxyEndpoint[];
  /** Union of the two, sorted by address: the endpoints that get a KUBE-SEP chain on this node. */
  allReachableEndpoints: ProxyEndpoint[];
  /** Whether the Service port has a usable endpoint anywhere in the cluster. */
  hasEndpoints: boolean;
  /** ClusterIP traffic has somewhere to go (false ⇒ REJECT without endpoints, DROP with iTP Local and none local). */
  hasInternalEndpoints: boolean;
  /** External traffic from off-node has somewhere to go (false ⇒ REJECT, or DROP with eTP Local and none local). */
  hasExternalEndpoints: boolean;
  /** A Cluster-policy chain is written (KUBE-SVC-, `service-`): clusterEndpoints is non-empty and used. */
  usesClusterPolicyChain: boolean;
  /** A Local-policy chain is written (KUBE-SVL-, `local-`): localEndpoints is non-empty and used. */
  usesLocalPolicyChain: boolean;
  /** An external chain is written (KUBE-EXT-, `external-`): the port has endpoints and is externally reachable. */
  usesExternalChain: boolean;
  /** A firewall chain is written (KUBE-FW-, `firewall-`): endpoints, LB IPs and source ranges all present. */
  usesFirewallChain: boolean;
  /** With source ranges, a range contains the node IP, so the LB IPs themselves are also allowed as sources. */
  firewallAllowsLoadBalancerIPs: boolean;
}

/** Where a packet entered a Service. */
export type ServiceEntry = 'clusterIP' | 'externalIP' | 'loadBalancerIP' | 'nodePort';

/** A possible destination of a connection, with the chance kube-proxy's rules give it. */
export interface ProxyCandidate {
  endpoint: ProxyEndpoint;
  /** Probability of this endpoint for a new connection without an affinity entry (1/n each). */
  probability: number;
  /** Whether the packet is masqueraded (source NAT to the node) on the way to this endpoint. */
  masquerade: boolean;
}

/** What kube-proxy's rules on one node do with a new connection. */
export type ProxyDecision =
  | { verdict: 'none'; reason: string }
  | {
      verdict: 'dnat';
      entry: ServiceEntry;
      servicePort: ProxyServicePort;
      /** Which endpoint set was used: the Cluster-policy set or the node-local set. */
      policy: 'Cluster' | 'Local';
      candidates: ProxyCandidate[];
      /** ClientIP affinity timeout, when a returning client sticks to its previous endpoint. */
      affinityTimeoutSeconds?: number;
      reason: string;
    }
  | { verdict: 'reject' | 'drop'; entry: ServiceEntry; servicePort: ProxyServicePort; reason: string };

/** A new connection as it reaches a node's netfilter hooks. */
export interface ProxyFlow {
  /** The client's address. */
  sourceIP: string;
  protocol: ProxyProtocol;
  destinationIP: string;
  destinationPort: number;
}

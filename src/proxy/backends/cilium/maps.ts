// The names Cilium's eBPF service load balancer uses, as the agent pins them under /sys/fs/bpf/tc/globals (Cilium
// 1.15, bpf/lib/lb.h and pkg/maps/lbmap), and the wording hops and views share.

/** The frontend map: (service address, port, protocol, slot 0) → service, and slot n → its n-th backend's ID. */
export const SERVICES_MAP = 'cilium_lb4_services_v2';
/** Backend ID → backend address and port. */
export const BACKENDS_MAP = 'cilium_lb4_backends_v3';
/** socket-LB's reverse translation: (socket cookie, backend) → the service address getpeername() and recvmsg() report. */
export const REVERSE_SK_MAP = 'cilium_lb4_reverse_sk';
/** The BPF NodePort path's reverse NAT: rev_nat_index → the frontend a reply's source is rewritten back to. */
export const REVERSE_NAT_MAP = 'cilium_lb4_reverse_nat';
/** ClientIP session affinity: (service, client: netns cookie at the socket, source IP on the wire) → backend ID. */
export const AFFINITY_MAP = 'cilium_lb4_affinity';
/** The BPF NodePort path's SNAT table (SNAT mode towards a remote backend). */
export const SNAT_MAP = 'cilium_snat_v4_external';
/** Cilium's own connection tracking, which undoes the BPF NodePort path's NAT on replies (not netfilter conntrack). */
export const CONNTRACK_MAP = 'cilium_ct4_global';

/**
 * Cilium 1.15's default `bpf-lb-sock-hostns-only`, `bpf-lb-mode` and `bpf-lb-algorithm` (kube-proxy replacement
 * docs): socket-LB in every network namespace, SNAT towards remote backends (not DSR), random backend selection.
 */
export const LB_MODE = 'snat';

/** Where Cilium translated a Service connection. */
export type CiliumHook =
  /** socket-LB: the cgroup connect()/sendmsg() hook rewrote the socket's destination; no packet was translated. */
  | 'socket'
  /** The BPF program on the node's device (bpf_host) translated a packet arriving from outside the node. */
  | 'device'
  /** The per-packet load balancer on a pod's lxc device (kubeProxyReplacement false: ClusterIPs only). */
  | 'lxc';

/** `Cilium eBPF socket-LB (no iptables)`: who a Service hop credits, per hook. */
export function ciliumHookName(hook: CiliumHook): string {
  switch (hook) {
    case 'socket':
      return 'Cilium eBPF socket-LB (no iptables)';
    case 'device':
      return 'Cilium eBPF NodePort load balancer (no iptables)';
    case 'lxc':
      return 'Cilium eBPF per-packet load balancer (no iptables)';
  }
}

/** The map names a hop lists: the frontend looked up, and the backend taken (`cilium_lb4_backends_v3 #3`). */
export function serviceMapRules(frontend: string, type: string, serviceId: number | undefined, backend?: { id: number; address: string }): string[] {
  const id = serviceId !== undefined ? `, service ID ${serviceId}` : '';
  const rules = [`${SERVICES_MAP} ${frontend} (${type}${id})`];
  if (backend) rules.push(`${BACKENDS_MAP} backend ID ${backend.id} = ${backend.address}`);
  return rules;
}

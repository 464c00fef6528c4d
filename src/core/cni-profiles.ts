// The CNI profiles flatnet models: their modes, how packets cross nodes, and the node agent a real install runs.

export type Encapsulation = 'vxlan' | 'ipip' | 'none';

export interface CniMode {
  name: string;
  /** How pod traffic crosses nodes in this mode. */
  encapsulation: Encapsulation;
  /** Pod interface MTU: 1500 minus the encapsulation overhead (VXLAN 50 bytes, IP-in-IP 20). */
  mtu: number;
  /** How routes to other nodes' podCIDRs are learned. */
  routing: 'bgp' | 'overlay' | 'host-gw' | 'vpc' | 'ebpf';
}

export interface CniProfile {
  name: string;
  modes: CniMode[];
  defaultMode: string;
  /** Whether the plugin enforces NetworkPolicy at all (flannel does not). */
  enforcesNetworkPolicy: boolean;
  agent: { name: string; namespace: string; image: string; labels: Record<string, string> };
}

const vxlan = (routing: CniMode['routing'] = 'overlay'): CniMode => ({ name: 'vxlan', encapsulation: 'vxlan', mtu: 1450, routing });

export const CNI_PROFILES: readonly CniProfile[] = [
  {
    name: 'calico',
    modes: [
      { name: 'bgp', encapsulation: 'none', mtu: 1500, routing: 'bgp' },
      vxlan(),
      { name: 'ipip', encapsulation: 'ipip', mtu: 1480, routing: 'bgp' },
    ],
    defaultMode: 'bgp',
    enforcesNetworkPolicy: true,
    agent: { name: 'calico-node', namespace: 'kube-system', image: 'docker.io/calico/node:v3.28.0', labels: { 'k8s-app': 'calico-node' } },
  },
  {
    name: 'flannel',
    modes: [vxlan(), { name: 'host-gw', encapsulation: 'none', mtu: 1500, routing: 'host-gw' }],
    defaultMode: 'vxlan',
    enforcesNetworkPolicy: false,
    agent: { name: 'kube-flannel-ds', namespace: 'kube-flannel', image: 'docker.io/flannel/flannel:v0.25.4', labels: { app: 'flannel', 'k8s-app': 'flannel' } },
  },
  {
    name: 'cilium',
    modes: [vxlan(), { name: 'native', encapsulation: 'none', mtu: 1500, routing: 'ebpf' }],
    defaultMode: 'vxlan',
    enforcesNetworkPolicy: true,
    agent: { name: 'cilium', namespace: 'kube-system', image: 'quay.io/cilium/cilium:v1.15.6', labels: { 'k8s-app': 'cilium' } },
  },
  {
    name: 'weave',
    modes: [{ name: 'fastdp', encapsulation: 'vxlan', mtu: 1376, routing: 'overlay' }],
    defaultMode: 'fastdp',
    enforcesNetworkPolicy: true,
    agent: { name: 'weave-net', namespace: 'kube-system', image: 'docker.io/weaveworks/weave-kube:2.8.1', labels: { name: 'weave-net' } },
  },
  {
    name: 'aws-vpc-cni',
    modes: [{ name: 'native', encapsulation: 'none', mtu: 9001, routing: 'vpc' }],
    defaultMode: 'native',
    enforcesNetworkPolicy: true,
    agent: { name: 'aws-node', namespace: 'kube-system', image: 'public.ecr.aws/eks/amazon-k8s-cni:v1.18.2', labels: { 'k8s-app': 'aws-node' } },
  },
];

export function cniProfile(name: string): CniProfile | undefined {
  return CNI_PROFILES.find((p) => p.name === name);
}

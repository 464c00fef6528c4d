// Test support for the layout: a small cluster per CNI profile, and the outputs kept as golden files. The golden
// files are written only by the real `ip`/`bridge` run on the layout built in network namespaces
// (kernel.test.ts with UPDATE_GOLDEN=1); the renderer tests compare flatnet's text with them.

import { join } from 'node:path';
import { clusterFromYaml, REPO_ROOT } from '../../../testing/cluster.js';
import { buildNetworkLayout, type NetworkLayout } from './network-layout.js';
import type { NetworkNamespace } from './network-namespace.js';

export const GOLDEN_DIR = join(REPO_ROOT, 'src/dataplane/sim/layout/testdata/real');

const pod = (name: string, node: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}
spec:
  nodeName: ${node}${extra}
  containers:
  - {name: c, image: 'nginx:1.27', ports: [{containerPort: 80}]}
---
`;

/** Two workers, two pods on node-1 and one on node-2, a hostNetwork pod and a Service, under a CNI and proxy mode. */
export function fixtureYaml(cni: string, mode: string, proxyMode = 'iptables'): string {
  return `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: layout}
spec:
  nodes: [{name: node-1}, {name: node-2}]
  cni: {name: ${cni}, mode: ${mode}}
  proxyMode: ${proxyMode}
---
${pod('a', 'node-1')}${pod('b', 'node-1')}${pod('c', 'node-2')}${pod('h', 'node-2', '\n  hostNetwork: true')}apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: a}
  ports: [{port: 80, targetPort: 80}]
`;
}

export function fixtureLayout(cni: string, mode: string, proxyMode = 'iptables'): NetworkLayout {
  const c = clusterFromYaml(fixtureYaml(cni, mode, proxyMode));
  return buildNetworkLayout(c.objects, c.config);
}

/** One output kept as a golden file: where to run what. */
export interface GoldenCase {
  file: string;
  cni: string;
  mode: string;
  ns: (l: NetworkLayout) => NetworkNamespace;
  tool: 'ip' | 'bridge';
  flavour: 'iproute2' | 'busybox';
  argv: string[];
}

const node1 = (l: NetworkLayout) => l.node('node-1')!;
const podA = (l: NetworkLayout) => l.pod('default', 'a')!;

function cases(cni: string, mode: string, list: [string, (l: NetworkLayout) => NetworkNamespace, 'ip' | 'bridge', 'iproute2' | 'busybox', string[]][]): GoldenCase[] {
  return list.map(([file, ns, tool, flavour, argv]) => ({ file: `${cni}-${mode}-${file}.txt`, cni, mode, ns, tool, flavour, argv }));
}

export const GOLDEN_CASES: GoldenCase[] = [
  ...cases('flannel', 'vxlan', [
    ['node-1-ip-addr', node1, 'ip', 'iproute2', ['addr']],
    ['node-1-ip-d-link', node1, 'ip', 'iproute2', ['-d', 'link']],
    ['node-1-ip-route', node1, 'ip', 'iproute2', ['route']],
    ['node-1-ip-route-local', node1, 'ip', 'iproute2', ['route', 'show', 'table', 'local']],
    ['node-1-ip-neigh', node1, 'ip', 'iproute2', ['neigh']],
    ['node-1-ip-br-addr', node1, 'ip', 'iproute2', ['-br', 'addr']],
    ['node-1-ip-o-link', node1, 'ip', 'iproute2', ['-o', 'link']],
    ['node-1-ip-link-type-bridge', node1, 'ip', 'iproute2', ['link', 'show', 'type', 'bridge']],
    ['node-1-bridge-link', node1, 'bridge', 'iproute2', ['link', 'show']],
    ['node-1-bridge-d-link', node1, 'bridge', 'iproute2', ['-d', 'link']],
    ['pod-a-ip-addr', podA, 'ip', 'iproute2', ['addr']],
    ['pod-a-ip-4-addr', podA, 'ip', 'iproute2', ['-4', 'addr']],
    ['pod-a-ip-6-addr', podA, 'ip', 'iproute2', ['-6', 'addr']],
    ['pod-a-ip-route', podA, 'ip', 'iproute2', ['route']],
    ['pod-a-ip-d-addr', podA, 'ip', 'iproute2', ['-d', 'addr']],
    ['pod-a-busybox-ip-addr', podA, 'ip', 'busybox', ['addr']],
    ['pod-a-busybox-ip-link', podA, 'ip', 'busybox', ['link']],
    ['pod-a-busybox-ip-route', podA, 'ip', 'busybox', ['route']],
    ['pod-a-busybox-ip-route-local', podA, 'ip', 'busybox', ['route', 'show', 'table', 'local']],
    ['underlay-ip-addr', (l) => l.underlay(), 'ip', 'iproute2', ['addr']],
  ]),
  ...cases('calico', 'bgp', [
    ['node-1-ip-addr', node1, 'ip', 'iproute2', ['addr']],
    ['node-1-ip-route', node1, 'ip', 'iproute2', ['route']],
    ['node-1-busybox-ip-route', node1, 'ip', 'busybox', ['route']],
    ['pod-a-ip-addr', podA, 'ip', 'iproute2', ['addr']],
    ['pod-a-ip-route', podA, 'ip', 'iproute2', ['route']],
  ]),
  ...cases('cilium', 'vxlan', [
    ['node-1-ip-d-link', node1, 'ip', 'iproute2', ['-d', 'link']],
    ['node-1-ip-route', node1, 'ip', 'iproute2', ['route']],
    ['pod-a-ip-route', podA, 'ip', 'iproute2', ['route']],
  ]),
  ...cases('aws-vpc-cni', 'native', [
    ['pod-a-ip-neigh', podA, 'ip', 'iproute2', ['neigh']],
    ['underlay-ip-route', (l) => l.underlay(), 'ip', 'iproute2', ['route']],
  ]),
];

/** The CNI profiles and modes the kernel test builds (calico ipip needs the ipip module, which it probes for). */
export const KERNEL_PROFILES: [string, string][] = [
  ['flannel', 'vxlan'],
  ['flannel', 'host-gw'],
  ['calico', 'bgp'],
  ['calico', 'vxlan'],
  ['calico', 'ipip'],
  ['cilium', 'vxlan'],
  ['cilium', 'native'],
  ['weave', 'fastdp'],
  ['aws-vpc-cni', 'native'],
];

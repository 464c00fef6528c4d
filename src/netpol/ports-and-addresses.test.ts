// Table-driven tests of NetworkPolicy ports, ipBlocks and special traffic (networkpolicy.md §7–§9): protocols,
// named ports per pod, endPort, except ranges, ipBlock vs pod IPs per CNI, loopback, node traffic, hostNetwork, flannel.

import { test } from 'node:test';
import type { KubeObject } from '../core/types.js';
import type { PolicySettings } from './types.js';
import { checkFlows, Flow } from './testdata/flows.js';
import { e2eWorld, podObject, policy } from './testdata/world.js';

interface Case {
  name: string;
  policies: KubeObject[];
  extra?: KubeObject[];
  settings?: Partial<PolicySettings>;
  flows: Flow[];
}

const CILIUM = { cni: 'cilium', ipBlockMatchesPods: false };
const FLANNEL = { cni: 'flannel', enforced: false };
const denyAll = (ns: string) => policy(ns, 'deny-all', 'podSelector: {}\npolicyTypes: [Ingress, Egress]');
const web = (name: string, http: number, protocol = 'TCP') =>
  podObject({ ns: 'y', name, labels: { app: 'web' }, ip: `10.244.2.${http % 250}`, node: 'node-2', hostIP: '172.18.0.3', ports: [{ name: 'http', containerPort: http, protocol }] });

const cases: Case[] = [
  // §8 ports and protocols
  {
    name: 'port 53 without a protocol means TCP 53 only, so UDP DNS stays blocked',
    policies: [policy('x', 'dns', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: 53}]}]')],
    flows: ['x/a 10.96.0.10 53/TCP allow', 'x/a 10.96.0.10 53/UDP deny', 'x/a 10.96.0.10 54/TCP deny'],
  },
  {
    name: 'a UDP rule does not open TCP, and SCTP is not TCP',
    policies: [policy('x', 'udp', 'podSelector: {}\ningress: [{ports: [{port: 80, protocol: UDP}, {port: 81, protocol: SCTP}]}]')],
    flows: ['y/a x/a 80/UDP allow', 'y/a x/a 80/TCP deny', 'y/a x/a 81/SCTP allow', 'y/a x/a 81/TCP deny', 'y/a x/a 80/SCTP deny'],
  },
  {
    name: 'a port entry with a protocol and no port opens every port of that protocol',
    policies: [policy('x', 'all-udp', 'podSelector: {}\ningress: [{ports: [{protocol: UDP}]}]')],
    flows: ['y/a x/a 1/UDP allow', 'y/a x/a 65535/UDP allow', 'y/a x/a 80/TCP deny'],
  },
  {
    name: 'endPort makes an inclusive range',
    policies: [policy('x', 'range', 'podSelector: {}\ningress: [{ports: [{port: 8000, endPort: 8010}]}]')],
    flows: ['y/a x/a 8000/TCP allow', 'y/a x/a 8010/TCP allow', 'y/a x/a 8011/TCP deny', 'y/a x/a 7999/TCP deny', 'y/a x/a 8005/UDP deny'],
  },
  {
    name: 'a named port resolves on each destination pod to its own number',
    extra: [web('web-1', 80), web('web-2', 8080)],
    policies: [policy('y', 'http', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]')],
    flows: ['x/a y/web-1 80/TCP allow', 'x/a y/web-2 8080/TCP allow', 'x/a y/web-2 80/TCP deny', 'x/a y/web-1 8080/TCP deny', 'x/a y/web-2 http/TCP allow'],
  },
  {
    name: 'a named port must match the container port protocol as well as the name',
    extra: [web('web-udp', 80, 'UDP')],
    policies: [policy('y', 'http', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]')],
    flows: ['x/a y/web-udp 80/TCP deny', 'x/a y/web-udp 80/UDP deny'],
  },
  {
    name: 'a named port in an upstream e2e world resolves per protocol',
    policies: [policy('x', 'serve', 'podSelector: {}\ningress: [{ports: [{port: serve-81-udp, protocol: UDP}]}]')],
    flows: ['y/a x/a 81/UDP allow', 'y/a x/a 81/TCP deny', 'y/a x/a 80/UDP deny', 'y/a x/a serve-81-udp/UDP allow', 'y/a x/a serve-81-tcp/TCP deny'],
  },
  {
    name: 'an egress named port resolves on the remote pod and matches nothing towards an address',
    extra: [web('web-1', 80), web('web-2', 8080)],
    policies: [policy('x', 'to-http', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: http}]}]')],
    flows: ['x/a y/web-1 80/TCP allow', 'x/a y/web-2 8080/TCP allow', 'x/a y/web-2 80/TCP deny', 'x/a 8.8.8.8 80/TCP deny', 'x/a y/a 80/TCP deny'],
  },
  {
    name: 'a query for a port name the destination does not declare only passes rules without ports',
    policies: [policy('x', 'http', 'podSelector: {matchLabels: {pod: a}}\ningress: [{ports: [{port: http}]}]'), policy('x', 'any', 'podSelector: {matchLabels: {pod: b}}\ningress: [{}]')],
    flows: ['y/a x/a http/TCP deny', 'y/a x/b http/TCP allow'],
  },
  // §7 ipBlock
  {
    name: 'an ipBlock matches its cidr minus the except ranges',
    policies: [policy('x', 'block', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]')],
    flows: ['10.2.3.4 x/a 80/TCP allow', '10.1.2.3 x/a 80/TCP deny', '11.0.0.1 x/a 80/TCP deny', '10.255.255.255 x/a 80/TCP allow'],
  },
  {
    name: 'an address one policy excepts is still allowed by another',
    policies: [
      policy('x', 'block', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]'),
      policy('x', 'narrow', 'podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{ipBlock: {cidr: 10.1.2.0/24}}]}]'),
    ],
    flows: ['10.1.2.3 x/a 80/TCP allow', '10.1.2.3 x/b 80/TCP deny', '10.1.3.3 x/a 80/TCP deny'],
  },
  {
    name: 'under calico an ipBlock matches pod IPs',
    policies: [policy('x', 'pods-by-ip', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.244.2.0/24}}]}]')],
    flows: ['y/a x/a 80/TCP allow', '10.244.2.1 x/a 80/TCP allow', 'z/a x/a 80/TCP deny', '10.244.2.200 x/a 80/TCP allow'],
  },
  {
    name: 'under cilium an ipBlock never matches pod IPs but still matches other addresses in the range',
    settings: CILIUM,
    policies: [policy('x', 'pods-by-ip', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.244.2.0/24}}]}]')],
    flows: ['y/a x/a 80/TCP deny', '10.244.2.1 x/a 80/TCP deny', '10.244.2.200 x/a 80/TCP allow'],
  },
  {
    name: 'egress to a pod by ipBlock follows the same CNI split',
    settings: CILIUM,
    policies: [policy('x', 'egress-ip', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 10.244.0.0/16}}]}]')],
    flows: ['x/a y/a 80/TCP deny', 'x/a 10.244.200.1 80/TCP allow'],
  },
  {
    name: '0.0.0.0/0 except the pod CIDR gives the same answer under calico and cilium',
    policies: [policy('x', 'internet', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}}]}]')],
    flows: ['x/a y/a 80/TCP deny', 'x/a 8.8.8.8 443/TCP allow'],
  },
  {
    name: '0.0.0.0/0 except the pod CIDR under cilium',
    settings: CILIUM,
    policies: [policy('x', 'internet', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}}]}]')],
    flows: ['x/a y/a 80/TCP deny', 'x/a 8.8.8.8 443/TCP allow'],
  },
  // §9 special traffic
  { name: 'a pod cannot block traffic to itself', policies: [denyAll('x')], flows: ['x/a x/a 80/TCP allow', '10.244.1.1 x/a 80/TCP allow'] },
  {
    name: 'traffic between a pod and the node it runs on is always allowed, with other nodes only by policy',
    policies: [denyAll('x')],
    flows: ['172.18.0.2 x/a 80/TCP allow', '172.18.0.3 x/a 80/TCP deny', '172.18.0.3 x/b 80/TCP allow', 'x/a 172.18.0.2 10250/TCP allow', 'x/a 172.18.0.3 10250/TCP deny'],
  },
  {
    name: 'a hostNetwork pod is not isolated by policies that select it',
    policies: [denyAll('kube-system'), policy('kube-system', 'select-agent', 'podSelector: {matchLabels: {app: agent}}\npolicyTypes: [Ingress, Egress]')],
    flows: ['x/a kube-system/agent-1 9100/TCP allow', 'kube-system/agent-1 8.8.8.8 53/UDP allow'],
  },
  {
    name: 'a hostNetwork pod is not matched by selectors, only by ipBlocks on its node address',
    policies: [
      policy('y', 'from-agent', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: agent}}}]}]'),
      policy('z', 'from-node', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 172.18.0.0/24}}]}]'),
    ],
    flows: ['kube-system/agent-1 y/b 80/TCP deny', 'kube-system/agent-1 z/b 80/TCP allow'],
  },
  {
    name: 'a hostNetwork pod and the pods on its own node reach each other whatever their policies say',
    policies: [denyAll('y')],
    flows: ['kube-system/agent-1 y/a 80/TCP allow', 'kube-system/agent-1 y/b 80/TCP deny', 'y/a kube-system/agent-1 9100/TCP allow', 'y/b kube-system/agent-1 9100/TCP deny'],
  },
  {
    name: 'with hostNetworkIsNodeTraffic off a hostNetwork pod is selected and isolated like any pod',
    settings: { hostNetworkIsNodeTraffic: false },
    policies: [
      policy('y', 'from-agent', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: agent}}}]}]'),
      policy('kube-system', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]'),
    ],
    flows: ['kube-system/agent-1 y/b 80/TCP allow', 'kube-system/agent-1 y/a 80/TCP allow', 'x/a kube-system/agent-1 9100/TCP deny'],
  },
  {
    name: 'flannel enforces no policy: everything is allowed',
    settings: FLANNEL,
    policies: [denyAll('x'), denyAll('y')],
    flows: ['x/a y/a 80/TCP allow', '8.8.8.8 x/b 81/UDP allow', 'x/c 8.8.8.8 443/TCP allow'],
  },
];

for (const c of cases) test(c.name, () => checkFlows([...e2eWorld(), ...(c.extra ?? []), ...c.policies], c.flows, c.settings));

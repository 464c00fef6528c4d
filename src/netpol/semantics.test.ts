// Table-driven tests of NetworkPolicy semantics (networkpolicy.md §1–§6): isolation, policyTypes defaulting, rules,
// peers and selectors. Every flow is checked in evaluate, the matrix and the reference evaluator.

import { test } from 'node:test';
import type { KubeObject } from '../core/types.js';
import type { PolicySettings } from './types.js';
import { checkFlows, Flow } from './testdata/flows.js';
import { e2eWorld, namespaceObject, podObject, policy } from './testdata/world.js';

interface Case {
  name: string;
  policies: KubeObject[];
  extra?: KubeObject[];
  settings?: Partial<PolicySettings>;
  flows: Flow[];
}

const denyIngress = (ns: string) => policy(ns, 'deny-ingress', 'podSelector: {}\npolicyTypes: [Ingress]');

const cases: Case[] = [
  // §1 isolation
  { name: 'with no policies every pod reaches every pod', policies: [], flows: ['x/a y/b 80/TCP allow', 'z/c x/a 81/UDP allow', '8.8.8.8 x/a 80/TCP allow'] },
  {
    name: 'a default-deny ingress policy isolates only its namespace, and only for ingress',
    policies: [denyIngress('x')],
    flows: ['y/a x/a 80/TCP deny', 'x/b x/a 80/TCP deny', 'x/a y/a 80/TCP allow', 'x/a x/b 80/TCP deny'],
  },
  {
    name: 'a policy that selects no pods changes nothing',
    policies: [policy('x', 'nobody', 'podSelector: {matchLabels: {pod: zzz}}\npolicyTypes: [Ingress, Egress]')],
    flows: ['y/a x/a 80/TCP allow', 'x/a y/a 80/TCP allow'],
  },
  {
    name: 'a policy selects pods only in its own namespace',
    policies: [policy('x', 'deny-a', 'podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Ingress]')],
    flows: ['y/b x/a 80/TCP deny', 'x/b y/a 80/TCP allow', 'x/a x/b 80/TCP allow'],
  },
  {
    name: 'policies are additive: an allow next to a default deny opens exactly what it allows',
    policies: [denyIngress('x'), policy('x', 'allow-b', 'podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]')],
    flows: ['x/b x/a 80/TCP allow', 'x/c x/a 80/TCP deny'],
  },
  {
    name: 'an allow-all policy wins over a default deny',
    policies: [denyIngress('x'), policy('x', 'allow-all', 'podSelector: {}\ningress: [{}]')],
    flows: ['z/c x/a 81/SCTP allow', '1.2.3.4 x/b 80/TCP allow'],
  },
  {
    name: 'the source egress side can deny what the destination ingress side allows',
    policies: [policy('x', 'deny-egress', 'podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Egress]'), policy('y', 'allow-all', 'podSelector: {}\ningress: [{}]')],
    flows: ['x/a y/b 80/TCP deny', 'x/b y/b 80/TCP allow', 'y/b x/a 80/TCP allow'],
  },
  {
    name: 'a connection needs both the source egress and the destination ingress',
    policies: [
      policy('x', 'egress-to-y', 'podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]'),
      policy('y', 'ingress-from-z', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]'),
    ],
    flows: ['x/a y/a 80/TCP deny', 'z/a y/a 80/TCP allow', 'x/a z/a 80/TCP deny'],
  },
  // §2 policyTypes defaulting
  {
    name: 'the egress-only trap: egress rules without policyTypes also deny all ingress',
    policies: [policy('x', 'egress-only', 'podSelector: {matchLabels: {pod: a}}\negress: [{to: [{namespaceSelector: {}}]}]')],
    flows: ['y/a x/a 80/TCP deny', 'x/b x/a 80/TCP deny', 'x/a y/a 80/TCP allow', 'x/a 8.8.8.8 53/UDP deny'],
  },
  {
    name: 'an explicit policyTypes [Egress] leaves ingress open',
    policies: [policy('x', 'egress-only', 'podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Egress]\negress: [{to: [{namespaceSelector: {}}]}]')],
    flows: ['y/a x/a 80/TCP allow', 'x/a 8.8.8.8 53/UDP deny'],
  },
  {
    name: 'an ingress section is inert when policyTypes is [Egress]',
    policies: [policy('x', 'inert', 'podSelector: {}\npolicyTypes: [Egress]\ningress: [{from: [{podSelector: {matchLabels: {pod: zzz}}}]}]\negress: [{}]')],
    flows: ['y/a x/a 80/TCP allow', 'x/a y/a 80/TCP allow'],
  },
  { name: 'a policy with neither section nor policyTypes denies all ingress', policies: [policy('x', 'empty', 'podSelector: {}')], flows: ['y/a x/a 80/TCP deny', 'x/a y/a 80/TCP allow'] },
  {
    name: 'policyTypes [Ingress, Egress] with no rules denies everything both ways',
    policies: [policy('x', 'deny-all', 'podSelector: {}\npolicyTypes: [Ingress, Egress]')],
    flows: ['y/a x/a 80/TCP deny', 'x/a y/a 80/TCP deny', 'x/a x/b 80/TCP deny', 'x/a 8.8.8.8 443/TCP deny'],
  },
  // §3 rules
  { name: 'ingress [{}] allows every source, external ones included', policies: [policy('x', 'all', 'podSelector: {}\ningress: [{}]')], flows: ['y/a x/a 80/TCP allow', '203.0.113.9 x/a 81/UDP allow'] },
  {
    name: 'a rule with only ports opens those ports from any source',
    policies: [policy('x', 'ports', 'podSelector: {}\ningress: [{ports: [{port: 80}]}]')],
    flows: ['203.0.113.9 x/a 80/TCP allow', 'y/c x/a 80/TCP allow', 'y/c x/a 81/TCP deny'],
  },
  { name: 'ingress [] allows nothing', policies: [policy('x', 'none', 'podSelector: {}\ningress: []')], flows: ['y/a x/a 80/TCP deny', 'x/b x/a 80/TCP deny'] },
  {
    name: 'a rule needs a matching peer and a matching port',
    policies: [policy('x', 'and', 'podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: 80}]}]')],
    flows: ['x/b x/a 80/TCP allow', 'x/b x/a 81/TCP deny', 'x/c x/a 80/TCP deny'],
  },
  {
    name: 'rules are alternatives: any rule that matches allows',
    policies: [policy('x', 'or', 'podSelector: {}\ningress:\n- from: [{podSelector: {matchLabels: {pod: b}}}]\n  ports: [{port: 80}]\n- from: [{podSelector: {matchLabels: {pod: c}}}]\n  ports: [{port: 81}]')],
    flows: ['x/b x/a 80/TCP allow', 'x/b x/a 81/TCP deny', 'x/c x/a 81/TCP allow', 'x/c x/a 80/TCP deny'],
  },
  // §4 peers
  {
    name: 'a podSelector peer alone matches pods of the policy namespace only, for egress too',
    policies: [policy('x', 'pods', 'podSelector: {matchLabels: {pod: a}}\npolicyTypes: [Ingress, Egress]\ningress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]\negress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]')],
    flows: ['x/b x/a 80/TCP allow', 'y/b x/a 80/TCP deny', 'x/a x/b 80/TCP allow', 'x/a y/b 80/TCP deny'],
  },
  {
    name: 'a namespaceSelector peer alone matches every pod of the matching namespaces',
    policies: [policy('x', 'ns', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]')],
    flows: ['y/a x/a 80/TCP allow', 'y/c x/a 81/SCTP allow', 'z/a x/a 80/TCP deny'],
  },
  {
    name: 'namespaceSelector and podSelector in one element are ANDed',
    policies: [policy('x', 'and', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: {pod: b}}}]}]')],
    flows: ['y/b x/a 80/TCP allow', 'y/a x/a 80/TCP deny', 'x/b x/a 80/TCP deny', 'z/b x/a 80/TCP deny'],
  },
  {
    name: 'namespaceSelector and podSelector in two elements are ORed, the podSelector staying namespace-local',
    policies: [policy('x', 'or', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}, {podSelector: {matchLabels: {pod: b}}}]}]')],
    flows: ['y/a x/a 80/TCP allow', 'x/b x/a 80/TCP allow', 'z/b x/a 80/TCP deny', 'x/c x/a 80/TCP deny'],
  },
  {
    name: 'namespaceSelector {} matches every pod of every namespace but no external address',
    policies: [policy('x', 'pods', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {}}]}]')],
    flows: ['z/c x/a 80/TCP allow', 'x/b x/a 80/TCP allow', '8.8.8.8 x/a 80/TCP deny', '10.244.9.9 x/a 80/TCP deny'],
  },
  {
    name: 'a namespaceSelector does not include the policy namespace unless its labels match',
    policies: [policy('x', 'ns', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]')],
    flows: ['x/b x/a 80/TCP deny'],
  },
  // §5 selectors
  {
    name: 'NotIn and DoesNotExist match a pod without the key; In and Exists do not',
    extra: [podObject({ ns: 'y', name: 'bare', ip: '10.244.2.9', node: 'node-2', hostIP: '172.18.0.3' })],
    policies: [
      policy('x', 'notin', 'podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [b]}]}}]}]'),
      policy('x', 'exists', 'podSelector: {matchLabels: {pod: b}}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: Exists}]}}]}]'),
      policy('x', 'in', 'podSelector: {matchLabels: {pod: c}}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}}]}]'),
      policy('z', 'doesnotexist', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}}]}]'),
    ],
    flows: [
      'y/bare x/a 80/TCP allow',
      'y/c x/a 80/TCP allow',
      'y/b x/a 80/TCP deny',
      'y/bare x/b 80/TCP deny',
      'y/c x/b 80/TCP allow',
      'y/bare x/c 80/TCP deny',
      'y/b x/c 80/TCP allow',
      'y/bare z/a 80/TCP allow',
      'y/a z/a 80/TCP deny',
    ],
  },
  {
    name: 'matchLabels and matchExpressions are ANDed',
    policies: [policy('x', 'both', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}, matchExpressions: [{key: ns, operator: NotIn, values: [y]}]}}]}]')],
    flows: ['y/a x/a 80/TCP deny', 'z/a x/a 80/TCP deny'],
  },
  // §6 namespace by name
  {
    name: 'namespaces are selected by kubernetes.io/metadata.name even when the file omits the label',
    extra: [podObject({ ns: 'undeclared', name: 'p', labels: { pod: 'p' }, ip: '10.244.7.1', node: 'node-2', hostIP: '172.18.0.3' })],
    policies: [
      policy('x', 'by-name', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}, {namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [undeclared]}]}}]}]'),
    ],
    flows: ['y/a x/a 80/TCP allow', 'undeclared/p x/a 80/TCP allow', 'z/a x/a 80/TCP deny'],
  },
  {
    name: 'a NotIn on kubernetes.io/metadata.name excludes exactly the named namespaces',
    policies: [policy('x', 'not-z', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [z]}]}}]}]')],
    flows: ['y/a x/a 80/TCP allow', 'x/b x/a 80/TCP allow', 'z/a x/a 80/TCP deny'],
  },
];

for (const c of cases) test(c.name, () => checkFlows([...e2eWorld(), ...(c.extra ?? []), ...c.policies], c.flows, c.settings));

test('a declared namespace with extra labels is selectable by them', () =>
  checkFlows(
    [...e2eWorld(), namespaceObject('w', { team: 'blue' }), podObject({ ns: 'w', name: 'a', ip: '10.244.8.1', node: 'node-1', hostIP: '172.18.0.2' }), policy('x', 'team', 'podSelector: {}\ningress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]')],
    ['w/a x/a 80/TCP allow', 'y/a x/a 80/TCP deny'],
  ));

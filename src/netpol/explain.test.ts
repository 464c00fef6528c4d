// Tests of verdict explanations: each direction's reason names the pod, the isolating policies and the rule that
// allowed, and the notes name every implementation-defined point the verdict depended on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import { buildPolicyEngine } from './engine.js';
import { DEFAULT_POLICY_SETTINGS } from './settings.js';
import type { PolicySettings, Protocol, RuleRef } from './types.js';
import { e2eWorld, endpoint, podObject, policy } from './testdata/world.js';

const production: KubeObject[] = [
  ...e2eWorld(),
  podObject({ ns: 'production', name: 'backend-7d9f-x', labels: { app: 'backend' }, ip: '10.244.5.1', node: 'node-1', hostIP: '172.18.0.2', ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090, protocol: 'UDP' }] }),
  podObject({ ns: 'production', name: 'frontend-y', labels: { app: 'frontend' }, ip: '10.244.5.2', node: 'node-2', hostIP: '172.18.0.3' }),
  podObject({ ns: 'production', name: 'monitoring-y', labels: { app: 'monitoring' }, ip: '10.244.5.3', node: 'node-2', hostIP: '172.18.0.3' }),
  policy('production', 'deny-all-ingress', 'podSelector: {}\npolicyTypes: [Ingress]'),
  policy(
    'production',
    'allow-frontend-to-backend',
    'podSelector: {matchLabels: {app: backend}}\ningress:\n- from: [{podSelector: {matchLabels: {app: frontend}}}]\n  ports: [{port: http}, {port: metrics}]\n- from: [{ipBlock: {cidr: 10.244.0.0/16}}]\n  ports: [{port: 8080}]',
  ),
  policy('production', 'frontend-egress', 'podSelector: {matchLabels: {app: frontend}}\npolicyTypes: [Egress]\negress: [{to: [{podSelector: {}}]}]'),
];

const BACKEND = 'production/backend-7d9f-x';
const ISOLATED = `${BACKEND} is isolated for ingress by [production/allow-frontend-to-backend, production/deny-all-ingress]`;
const CILIUM: Partial<PolicySettings> = { cni: 'cilium', ipBlockMatchesPods: false };
const FLANNEL: Partial<PolicySettings> = { cni: 'flannel', enforced: false };
const ref = (rule: number, peer?: number, port?: number): RuleRef => ({ policy: 'production/allow-frontend-to-backend', direction: 'Ingress', rule, ...(peer !== undefined ? { peer } : {}), ...(port !== undefined ? { port } : {}) });

interface Case {
  name: string;
  settings?: Partial<PolicySettings>;
  flow: [string, string, number | string, Protocol];
  want: { allowed: boolean; resolvedPort?: number; egress: string; ingress: string; allowedBy?: RuleRef[]; notes: string[] };
}

const cases: Case[] = [
  {
    name: 'an allowed connection names every rule that allows it, with peer and port indexes',
    flow: ['production/frontend-y', BACKEND, 'http', 'TCP'],
    want: {
      allowed: true,
      resolvedPort: 8080,
      egress: 'allowed by production/frontend-egress egress rule 0 (peer 0, any port)',
      ingress: 'allowed by production/allow-frontend-to-backend ingress rule 0 (peer 0, port 0), production/allow-frontend-to-backend ingress rule 1 (peer 0, port 0)',
      allowedBy: [ref(0, 0, 0), ref(1, 0, 0)],
      notes: ['ipBlock 10.244.0.0/16 (production/allow-frontend-to-backend ingress rule 1 peer 0) matched the pod IP 10.244.5.2 of production/frontend-y: calico lets ipBlocks match pod IPs (cilium and np-guard do not)'],
    },
  },
  {
    name: 'a denied connection names the isolating policies, the peer and the port',
    flow: ['production/monitoring-y', BACKEND, 9090, 'TCP'],
    want: { allowed: false, resolvedPort: 9090, egress: 'not isolated for egress: no policy selects it', ingress: `${ISOLATED} and none allows production/monitoring-y on 9090/TCP`, notes: [] },
  },
  {
    name: 'a verdict that depends on ipBlock matching a pod IP says so under cilium',
    settings: CILIUM,
    flow: ['production/monitoring-y', BACKEND, 8080, 'TCP'],
    want: {
      allowed: false,
      resolvedPort: 8080,
      egress: 'not isolated for egress: no policy selects it',
      ingress: `${ISOLATED} and none allows production/monitoring-y on 8080/TCP`,
      notes: ['ipBlock 10.244.0.0/16 (production/allow-frontend-to-backend ingress rule 1 peer 0) contains the pod IP 10.244.5.3 of production/monitoring-y but does not match it: cilium never matches pod IPs with ipBlocks (calico and upstream e2e do)'],
    },
  },
  {
    name: 'a named port declared for another protocol is named as the likely cause',
    flow: ['production/frontend-y', BACKEND, 9090, 'TCP'],
    want: {
      allowed: false,
      resolvedPort: 9090,
      egress: 'allowed by production/frontend-egress egress rule 0 (peer 0, any port)',
      ingress: `${ISOLATED} and none allows production/frontend-y on 9090/TCP`,
      notes: ['named port "metrics" of production/allow-frontend-to-backend ingress rule 0 port 1 does not resolve on production/backend-7d9f-x: it declares "metrics" for UDP, not TCP'],
    },
  },
  {
    name: 'an address that is no pod has no egress side',
    flow: ['10.0.0.5', BACKEND, 8080, 'TCP'],
    want: { allowed: false, resolvedPort: 8080, egress: '10.0.0.5 is not a pod: no egress policy applies', ingress: `${ISOLATED} and none allows 10.0.0.5 on 8080/TCP`, notes: [] },
  },
  {
    name: 'an egress-isolated pod towards an address names its egress policy',
    flow: ['production/frontend-y', '8.8.8.8', 53, 'UDP'],
    want: {
      allowed: false,
      resolvedPort: 53,
      egress: 'production/frontend-y is isolated for egress by [production/frontend-egress] and none allows 8.8.8.8 on 53/UDP',
      ingress: '8.8.8.8 is not a pod: no ingress policy applies',
      notes: [],
    },
  },
  {
    name: 'an address that is a pod IP stands for that pod',
    flow: ['10.244.5.2', BACKEND, 'nope', 'TCP'],
    want: {
      allowed: false,
      egress: 'allowed by production/frontend-egress egress rule 0 (peer 0, any port)',
      ingress: `${ISOLATED} and none allows production/frontend-y on nope/TCP (a port name the destination does not declare)`,
      notes: [
        '10.244.5.2 is the IP of pod production/frontend-y',
        'port name "nope" does not resolve on production/backend-7d9f-x: it declares no TCP container port of that name',
        'named port "metrics" of production/allow-frontend-to-backend ingress rule 0 port 1 does not resolve on production/backend-7d9f-x: it declares "metrics" for UDP, not TCP',
      ],
    },
  },
  {
    name: 'the node a pod runs on always reaches it, with a note',
    flow: ['172.18.0.2', BACKEND, 80, 'TCP'],
    want: {
      allowed: true,
      resolvedPort: 80,
      egress: '172.18.0.2 is not a pod: no egress policy applies',
      ingress: 'traffic from node node-1 to a pod running on it is always allowed',
      notes: ['172.18.0.2 is the address of node node-1: node traffic, matched only by ipBlock', '§9: traffic between a pod and the node it runs on (node-1) is always allowed, whatever the policies say'],
    },
  },
  {
    name: 'a pod always reaches the node it runs on, even when egress-isolated',
    flow: ['production/frontend-y', '172.18.0.3', 10250, 'TCP'],
    want: {
      allowed: true,
      resolvedPort: 10250,
      egress: 'traffic from a pod to node node-2, where it runs, is always allowed',
      ingress: '172.18.0.3 is not a pod: no ingress policy applies',
      notes: ['172.18.0.3 is the address of node node-2: node traffic, matched only by ipBlock', '§9: traffic between a pod and the node it runs on (node-2) is always allowed, whatever the policies say'],
    },
  },
  {
    name: 'a hostNetwork source is node traffic and says so',
    flow: ['kube-system/agent-1', 'production/monitoring-y', 80, 'TCP'],
    want: {
      allowed: false,
      resolvedPort: 80,
      egress: 'kube-system/agent-1 uses hostNetwork: its traffic is node traffic and no egress policy applies',
      ingress: 'production/monitoring-y is isolated for ingress by [production/deny-all-ingress] and none allows kube-system/agent-1 on 80/TCP',
      notes: ['kube-system/agent-1 uses hostNetwork: its traffic is node traffic from 172.18.0.2 (node node-1), which pod and namespace selectors never match (hostNetworkIsNodeTraffic)'],
    },
  },
  {
    name: 'a pod talking to itself is loopback',
    flow: [BACKEND, BACKEND, 80, 'TCP'],
    want: { allowed: true, resolvedPort: 80, egress: 'a pod cannot block traffic to itself (loopback)', ingress: 'a pod cannot block traffic to itself (loopback)', notes: [] },
  },
  {
    name: 'flannel allows everything and says what an enforcing CNI would do',
    settings: FLANNEL,
    flow: ['production/monitoring-y', BACKEND, 9090, 'TCP'],
    want: {
      allowed: true,
      resolvedPort: 9090,
      egress: 'flannel enforces no NetworkPolicy',
      ingress: 'flannel enforces no NetworkPolicy',
      notes: [`flannel enforces no NetworkPolicy; a CNI that enforces them would have this connection denied (ingress: ${ISOLATED} and none allows production/monitoring-y on 9090/TCP)`],
    },
  },
];

for (const c of cases)
  test(c.name, () => {
    const engine = buildPolicyEngine(production, { ...DEFAULT_POLICY_SETTINGS, ...c.settings });
    const [from, to, port, protocol] = c.flow;
    const v = engine.evaluate({ from: endpoint(from), to: endpoint(to), port, protocol });
    assert.deepEqual(
      { allowed: v.allowed, resolvedPort: v.resolvedPort, egress: v.egress.reason, ingress: v.ingress.reason, notes: v.notes, ...(c.want.allowedBy ? { allowedBy: v.ingress.allowedBy } : {}) },
      { ...c.want, resolvedPort: c.want.resolvedPort },
    );
  });

test('a direction verdict lists the isolating policies sorted and marks non-subjects', () => {
  const engine = buildPolicyEngine(production, DEFAULT_POLICY_SETTINGS);
  const v = engine.evaluate({ from: { kind: 'ip', ip: '10.0.0.5' }, to: { kind: 'pod', namespace: 'production', name: 'backend-7d9f-x' }, port: 8080, protocol: 'TCP' });
  assert.deepEqual([v.egress.subject, v.ingress.subject], [false, true]);
  assert.deepEqual(v.ingress.isolatingPolicies, ['production/allow-frontend-to-backend', 'production/deny-all-ingress']);
  const flannel = buildPolicyEngine(production, { ...DEFAULT_POLICY_SETTINGS, ...FLANNEL }).evaluate({ from: endpoint('x/a'), to: endpoint(BACKEND), port: 80, protocol: 'TCP' });
  assert.deepEqual([flannel.ingress.subject, flannel.ingress.isolatingPolicies.length], [false, 2]);
});

test('an unknown pod is a NotFoundError and a malformed address a RangeError', () => {
  const engine = buildPolicyEngine(production, DEFAULT_POLICY_SETTINGS);
  assert.throws(() => engine.evaluate({ from: endpoint('production/nope'), to: endpoint(BACKEND), port: 80, protocol: 'TCP' }), NotFoundError);
  assert.throws(() => engine.evaluate({ from: { kind: 'ip', ip: 'fd00::1' }, to: endpoint(BACKEND), port: 80, protocol: 'TCP' }), RangeError);
});

// Tests of deriving engines after policy changes (what `flatnet up` does on every edit), of the CNI settings, and of
// the policy lint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterConfig } from '../core/cluster-config.js';
import { formatConnectionSet } from './connection-set.js';
import { buildPolicyEngine, NetPolEngine } from './engine.js';
import { DEFAULT_POLICY_SETTINGS, lintPolicies, policySettingsFor } from './settings.js';
import type { PolicySettings } from './types.js';
import { e2eWorld, policy, podObject } from './testdata/world.js';

const denyX = policy('x', 'deny', 'podSelector: {}\npolicyTypes: [Ingress]');
// Uses the label keys (pod, ns) the changes below use, so they can share its pod classes.
const denyC = policy('x', 'deny-c', 'podSelector: {matchLabels: {pod: c}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]');
const fromY = policy('x', 'from-y', 'podSelector: {matchLabels: {pod: a}}\ningress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: 80}]}]');

function cellOf(e: NetPolEngine, from: string, to: string): string {
  const m = e.matrix();
  const at = (s: string) => m.peers.findIndex((p) => p.kind === 'pod' && `${p.namespace}/${p.name}` === s);
  return formatConnectionSet(m.connections(at(from), at(to)));
}

test('withPolicyChange applies and deletes policies and derives the matrix from the previous one', () => {
  const e0 = buildPolicyEngine([...e2eWorld(), denyX, denyC], DEFAULT_POLICY_SETTINGS);
  assert.equal(cellOf(e0, 'y/a', 'x/a'), 'No Connections');
  const e1 = e0.withPolicyChange({ apply: [fromY] });
  assert.equal(e1.stats().derivation, 'derived');
  assert.equal(cellOf(e1, 'y/a', 'x/a'), 'TCP 80');
  assert.equal(cellOf(e1, 'y/a', 'x/b'), 'No Connections');
  const e2 = e1.withPolicyChange({ delete: ['x/deny'] });
  assert.equal(cellOf(e2, 'y/a', 'x/b'), 'All Connections');
  assert.equal(cellOf(e2, 'y/a', 'x/a'), 'TCP 80');
  assert.equal(cellOf(e0, 'y/a', 'x/a'), 'No Connections', 'the first engine is unchanged');
});

test('withPolicies diffs a complete list: unchanged policies keep their compiled form, missing ones are deleted', () => {
  const e0 = buildPolicyEngine([...e2eWorld(), denyX, fromY], DEFAULT_POLICY_SETTINGS);
  const e1 = e0.withPolicies([structuredClone(denyX)]);
  assert.deepEqual(e1.stats().policies, 1);
  assert.equal(e1.evaluate({ from: { kind: 'pod', namespace: 'y', name: 'a' }, to: { kind: 'pod', namespace: 'x', name: 'a' }, port: 80, protocol: 'TCP' }).allowed, false);
});

test('withPolicies picks up a policy whose generation changed and keeps one whose uid and generation did not', () => {
  const withMeta = (o: ReturnType<typeof policy>, generation: number) => ({ ...o, metadata: { ...o.metadata, uid: `uid-${o.metadata.name}`, generation } });
  const e0 = buildPolicyEngine([...e2eWorld(), withMeta(denyX, 1), withMeta(denyC, 1)], DEFAULT_POLICY_SETTINGS);
  const opened = withMeta(policy('x', 'deny', 'podSelector: {}\ningress: [{}]'), 2);
  const e1 = e0.withPolicies([opened, structuredClone(withMeta(denyC, 1))]);
  assert.equal(e1.stats().derivation, 'derived');
  assert.equal(cellOf(e1, 'y/a', 'x/a'), 'All Connections');
  const v = e1.evaluate({ from: { kind: 'pod', namespace: 'y', name: 'a' }, to: { kind: 'pod', namespace: 'x', name: 'c' }, port: 80, protocol: 'TCP' });
  assert.deepEqual(v.ingress.isolatingPolicies, ['x/deny', 'x/deny-c']);
});

test('a change that needs finer pod classes recompiles from scratch', () => {
  const e0 = buildPolicyEngine([...e2eWorld(), denyX], DEFAULT_POLICY_SETTINGS);
  const newKey = policy('x', 'from-team', 'podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {team: red}}}]}]');
  assert.equal(e0.withPolicyChange({ apply: [newKey] }).stats().derivation, 'compiled');
  const selectsNothing = policy('x', 'by-team', 'podSelector: {matchLabels: {team: red}}\ningress: [{from: [{ipBlock: {cidr: 10.9.0.0/16}}]}]');
  assert.equal(e0.withPolicyChange({ apply: [selectsNothing] }).stats().derivation, 'derived', 'a policy that selects no pod needs nothing new');
  const newCut = policy('x', 'block', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.9.0.0/16}}]}]');
  const e1 = e0.withPolicyChange({ apply: [newCut] });
  assert.equal(e1.stats().derivation, 'compiled');
  assert.equal(e1.stats().segments, 3);
  assert.equal(e1.withPolicyChange({ delete: ['x/block'] }).stats().segments, 1);
});

const settingsCases: { name: string; cni: string; want: Omit<PolicySettings, 'cni'> }[] = [
  { name: 'calico enforces policy and matches pod IPs with ipBlocks', cni: 'calico', want: { enforced: true, ipBlockMatchesPods: true, hostNetworkIsNodeTraffic: true } },
  { name: 'cilium enforces policy but never matches pod IPs with ipBlocks', cni: 'cilium', want: { enforced: true, ipBlockMatchesPods: false, hostNetworkIsNodeTraffic: true } },
  { name: 'flannel enforces nothing', cni: 'flannel', want: { enforced: false, ipBlockMatchesPods: true, hostNetworkIsNodeTraffic: true } },
  { name: 'weave matches addresses', cni: 'weave', want: { enforced: true, ipBlockMatchesPods: true, hostNetworkIsNodeTraffic: true } },
];

for (const c of settingsCases)
  test(`settings: ${c.name}`, () => {
    const { config } = resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 't' }, spec: { cni: { name: c.cni } } });
    assert.deepEqual(policySettingsFor(config!), { cni: c.cni, ...c.want });
  });

test('settings: kube-network-policies beside flannel enforces policy; an unknown engine is an error naming the field', () => {
  const cfg = (networkPolicy: string) => resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 't' }, spec: { cni: { name: 'flannel', networkPolicy } } });
  const { config } = cfg('kube-network-policies');
  assert.deepEqual(policySettingsFor(config!), { cni: 'flannel+kube-network-policies', enforced: true, ipBlockMatchesPods: true, hostNetworkIsNodeTraffic: true });
  const bad = cfg('calico-felix');
  assert.equal(bad.config, undefined);
  assert.match(JSON.stringify(bad), /spec\.cni\.networkPolicy.*calico-felix.*kube-network-policies/);
});

test('lint names the policies flannel ignores and the ones that cannot work as written', () => {
  const objects = [
    ...e2eWorld(),
    podObject({ ns: 'y', name: 'w', labels: { app: 'web' }, ip: '10.244.2.9', node: 'node-2', hostIP: '172.18.0.3', ports: [{ name: 'http', containerPort: 80, protocol: 'UDP' }] }),
    denyX,
    policy('x', 'nobody', 'podSelector: {matchLabels: {pod: zzz}}'),
    policy('y', 'http', 'podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: http}]}]'),
    policy('y', 'v6', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: "fd00::/8"}}]}]'),
    policy('kube-system', 'agents', 'podSelector: {matchLabels: {app: agent}}'),
  ];
  assert.deepEqual(lintPolicies(objects, { ...DEFAULT_POLICY_SETTINGS, cni: 'flannel', enforced: false }), [
    'flannel enforces no NetworkPolicy: 5 policies are ignored: kube-system/agents, x/deny, x/nobody, y/http, y/v6',
    'NetworkPolicy kube-system/agents: selects hostNetwork pods [kube-system/agent-1], which policies do not isolate (their traffic is node traffic)',
    'NetworkPolicy x/nobody: spec.podSelector selects no pod in namespace x, so the policy has no effect',
    'NetworkPolicy y/http: spec.ingress[0].ports[0]: named port "http" (TCP) is declared by none of the pods the policy selects, so it matches nothing',
    'NetworkPolicy y/v6: spec.ingress[0].from[0].ipBlock.cidr "fd00::/8": flatnet models IPv4 only, so this ipBlock matches nothing',
  ]);
});

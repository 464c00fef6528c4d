// spec.cni.kubeProxyReplacement end to end through buildCluster: its default (Cilium's Helm default, false), the
// values it takes and the errors for the rest, the proxyMode warning, and the system objects with and without
// kube-proxy (the cilium DaemonSet and its cilium-config stay).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeProxyReplaced } from '../core/cluster-config.js';
import { clusterConfigFromObjects } from '../core/cluster-config-from-objects.js';
import { clusterConfigYaml, clusterFromYaml, inputErrorsOf, find, list } from '../testing/cluster.js';



const resolved = [
  { name: "Cilium without the field keeps kube-proxy: Helm's default kubeProxyReplacement is false", cni: '{name: cilium}', want: false },
  { name: 'kubeProxyReplacement true replaces kube-proxy', cni: '{name: cilium, mode: native, kubeProxyReplacement: true}', want: true },
  { name: 'Helm\'s string form "true" is accepted', cni: "{name: cilium, kubeProxyReplacement: 'true'}", want: true },
  { name: 'kubeProxyReplacement false keeps kube-proxy', cni: '{name: cilium, kubeProxyReplacement: false}', want: false },
];

for (const c of resolved)
  test(`config: ${c.name}`, () => {
    const cluster = clusterFromYaml(clusterConfigYaml(`  cni: ${c.cni}`));
    assert.equal(kubeProxyReplaced(cluster.config), c.want);
    assert.equal(cluster.config.cni.kubeProxyReplacement, c.want, 'the default is filled in for cilium');
    assert.equal((cluster.config.spec.cni as { kubeProxyReplacement?: boolean }).kubeProxyReplacement, c.want, 'get clusterconfig -o yaml shows it');
  });

test('config: other CNIs have no kubeProxyReplacement field at all', () => {
  const cluster = clusterFromYaml(clusterConfigYaml('  cni: {name: calico}'));
  assert.equal('kubeProxyReplacement' in cluster.config.cni, false);
  assert.equal(kubeProxyReplaced(cluster.config), false);
});

const rejected = [
  {
    name: 'kubeProxyReplacement on another CNI is a field error naming the CNI',
    cni: '{name: flannel, kubeProxyReplacement: true}',
    want: 'test.yaml doc 1: ClusterConfig t: spec.cni.kubeProxyReplacement: Invalid value: true: only Cilium replaces kube-proxy: spec.cni.name is "flannel", whose clusters run kube-proxy (spec.proxyMode)',
  },
  {
    name: "Cilium's pre-1.14 strict mode is rejected with its successor named",
    cni: '{name: cilium, kubeProxyReplacement: strict}',
    want: "test.yaml doc 1: ClusterConfig t: spec.cni.kubeProxyReplacement: Invalid value: \"strict\": Cilium 1.14 removed the strict, partial, probe and disabled modes: use true (strict's successor) or false",
  },
  { name: 'a number is a type error', cni: '{name: cilium, kubeProxyReplacement: 1}', want: 'test.yaml doc 1: ClusterConfig t: spec.cni.kubeProxyReplacement: Invalid value: 1: must be of type boolean' },
];

for (const c of rejected) test(`config: ${c.name}`, () => assert.deepEqual(inputErrorsOf(clusterConfigYaml(`  cni: ${c.cni}`)), [c.want]));

test('config: every spec.cni mistake is reported in one run', () => {
  const errors = inputErrorsOf(clusterConfigYaml('  cni: {name: calico, mode: nope, networkPolicy: foo, kubeProxyReplacement: true}'));
  assert.deepEqual(
    errors.map((e) => e.replace(/^test\.yaml doc 1: ClusterConfig t: /, '').replace(/:.*$/, '')),
    ['spec.cni.mode', 'spec.cni.networkPolicy', 'spec.cni.kubeProxyReplacement'],
  );
});

test('config: an explicit proxyMode under the replacement is a warning, not an error; the default one is silent', () => {
  const explicit = clusterFromYaml(clusterConfigYaml('  cni: {name: cilium, kubeProxyReplacement: true}\n  proxyMode: ipvs'));
  assert.deepEqual(explicit.warnings, [
    'test.yaml doc 1: ClusterConfig t: spec.proxyMode: "ipvs" is ignored: with spec.cni.kubeProxyReplacement true no kube-proxy runs (Cilium\'s eBPF datapath implements Services)',
  ]);
  assert.deepEqual(clusterFromYaml(clusterConfigYaml('  cni: {name: cilium, kubeProxyReplacement: true}')).warnings, []);
  assert.deepEqual(clusterFromYaml(clusterConfigYaml('  cni: {name: cilium}\n  proxyMode: ipvs')).warnings, [], 'with kube-proxy the mode is used');
});

test('system objects: the replacement removes kube-proxy\'s DaemonSet, ConfigMap and pods; the cilium agent stays', () => {
  const kpr = clusterFromYaml(clusterConfigYaml('  cni: {name: cilium, kubeProxyReplacement: true}'));
  const names = (kind: string) => list(kpr, kind, 'kube-system').map((o) => o.metadata.name);
  assert.ok(!names('DaemonSet').includes('kube-proxy'));
  assert.ok(!names('ConfigMap').includes('kube-proxy'));
  assert.deepEqual(names('Pod').filter((n) => n.startsWith('kube-proxy-')), []);
  assert.ok(names('DaemonSet').includes('cilium'));
  assert.equal(names('Pod').filter((n) => /^cilium-[a-z0-9]{5}$/.test(n)).length, 3, 'the agent runs on every node');
  assert.deepEqual(find(kpr, 'ConfigMap', 'kube-system', 'cilium-config').data, { ipam: 'kubernetes', 'kube-proxy-replacement': 'true', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan' });

  const withProxy = clusterFromYaml(clusterConfigYaml('  cni: {name: cilium, mode: native}'));
  assert.ok(list(withProxy, 'DaemonSet', 'kube-system').some((o) => o.metadata.name === 'kube-proxy'));
  assert.deepEqual(find(withProxy, 'ConfigMap', 'kube-system', 'cilium-config').data, { ipam: 'kubernetes', 'kube-proxy-replacement': 'false', 'routing-mode': 'native' });
  assert.throws(() => find(clusterFromYaml(clusterConfigYaml('  cni: {name: calico}')), 'ConfigMap', 'kube-system', 'cilium-config'), /not in cluster/);
});

test('live: a cluster built with the replacement reads back as one, with no proxyMode warning', () => {
  for (const kpr of [true, false]) {
    const built = clusterFromYaml(clusterConfigYaml(`  cni: {name: cilium, mode: native, kubeProxyReplacement: ${kpr}}`));
    const { config: seen, warnings } = clusterConfigFromObjects(built.objects, { name: 'live' });
    assert.deepEqual(seen.cni, { name: 'cilium', mode: 'native', kubeProxyReplacement: kpr });
    assert.ok(!warnings.some((w) => /proxyMode|kube-proxy still runs/.test(w)), warnings.join('\n'));
  }
});

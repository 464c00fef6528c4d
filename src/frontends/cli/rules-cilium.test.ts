// `flatnet rules` where Cilium replaces kube-proxy: the node's `cilium-dbg service list` by default (with a note that
// kube-proxy is not running), kube-proxy's hypothetical rules only when asked for with --mode, and `--mode cilium` on
// a cluster that runs kube-proxy (what Cilium's replacement would program there).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli.js';
import { demoYaml } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';

const GOLDEN = fileURLToPath(new URL('../../../../src/frontends/cli/testdata/rules/', import.meta.url));
const DEMO_YAML = demoYaml();
const kprYaml = DEMO_YAML.replace(/^ {2}cni:\n {4}name: flannel\n {4}mode: vxlan\n {4}networkPolicy: kube-network-policies\n {2}proxyMode: iptables\n/m, '  cni: {name: cilium, mode: vxlan, kubeProxyReplacement: true}\n');

test('rules on a kube-proxy-free Cilium cluster: the service list, and a note that kube-proxy is not running', async () => {
  assert.notEqual(kprYaml, DEMO_YAML);
  const r = await runCli(['rules', '-f', '-', '--node', 'node-1'], kprYaml);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "flatnet: note: kube-proxy is not running in this cluster: Cilium's eBPF kube-proxy replacement implements Services; this is node node-1's cilium-dbg service list (--mode iptables|nftables|ipvs shows the rules kube-proxy would write)\n");
  assertGolden(`${GOLDEN}demo-kpr-node-1.service-list`, r.stdout);
  assert.match(r.stdout, /^ID {3}Frontend /);
  assert.doesNotMatch(r.stdout, /KUBE-/);
  const node = await runCli(['node', 'exec', 'node-1', '-f', '-', '--', 'cilium-dbg', 'service', 'list'], kprYaml);
  assert.equal(node.stdout, r.stdout, 'the same table as the node shell shows');
});

test('rules --mode iptables on a kube-proxy-free cluster: the rules kube-proxy would write, said to be hypothetical', async () => {
  const r = await runCli(['rules', '-f', '-', '--node', 'node-1', '--mode', 'iptables'], kprYaml);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^-A KUBE-SERVICES /m);
  assert.equal(r.stderr, "flatnet: note: kube-proxy is not running in this cluster (Cilium's eBPF kube-proxy replacement implements Services): these are the rules kube-proxy would write in iptables mode\n");
});

test('rules --mode cilium on a flannel cluster: what the replacement would program, said so', async () => {
  const r = await runCli(['rules', '-f', '-', '--node', 'node-1', '--mode', 'cilium'], DEMO_YAML);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /this cluster runs flannel and kube-proxy: this is the service table Cilium's kube-proxy replacement would program on node node-1/);
  assert.match(r.stdout, / NodePort /);
});

const errors = [
  { name: 'an iptables view in cilium mode exits 2', args: ['--mode', 'cilium', '--view', 'save'], stderr: 'error: --view: unsupported value "save" for mode cilium: supported values: service-list\n' },
  { name: 'a chain in cilium mode exits 2', args: ['--mode', 'cilium', '--chain', 'KUBE-SERVICES'], stderr: 'error: --table and --chain: mode cilium has no tables or chains: Cilium keeps Services in BPF maps\n' },
];

for (const c of errors)
  test(`rules: ${c.name}`, async () => {
    const r = await runCli(['rules', '-f', '-', '--node', 'node-1', ...c.args], kprYaml);
    assert.equal(r.stderr, c.stderr);
    assert.equal(r.code, 2);
  });

// `flatnet rules --mode nftables|ipvs` on the demo cluster: goldens for the nft script and `nft list` views and
// for `ipvsadm -Ln`, and the errors users see (nft's own wording for a missing chain).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli.js';
import { REPO_ROOT } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';

const GOLDEN = fileURLToPath(new URL('../../../../src/frontends/cli/testdata/rules/', import.meta.url));
const DEMO = `${REPO_ROOT}examples/demo`;

const views = [
  { name: 'demo-node-1.nft', args: ['--mode', 'nftables'] },
  { name: 'demo-node-1-nft.list', args: ['--mode', 'nftables', '--view', 'list'] },
  { name: 'demo-node-1.ipvsadm', args: ['--mode', 'ipvs'] },
  { name: 'demo-node-1-ipvs.restore', args: ['--mode', 'ipvs', '--view', 'restore'] },
  { name: 'demo-node-1.ipset', args: ['--mode', 'ipvs', '--view', 'ipset'] },
  { name: 'demo-node-1-kube-ipvs0.addresses', args: ['--mode', 'ipvs', '--view', 'addresses'] },
];

for (const v of views)
  test(`rules --node node-1 ${v.args.join(' ')} matches ${v.name}`, async () => {
    const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', ...v.args]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGolden(`${GOLDEN}${v.name}`, r.stdout);
  });

test('rules --mode nftables: the script declares the cluster\'s Service CIDR as the unallocated-ClusterIP drop', async () => {
  const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', '--mode', 'nftables']);
  assert.match(r.stdout, /^add rule ip kube-proxy cluster-ips-check ip daddr \{ 10\.96\.0\.0\/12 \} drop comment "Drop traffic to unallocated ClusterIPs"$/m);
});

test('rules --mode nftables --view list --chain services prints the chain as nft list chain does', async () => {
  const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', '--mode', 'nftables', '--view', 'list', '--chain', 'services']);
  assert.equal(r.stdout, 'table ip kube-proxy {\n\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n\t}\n}\n');
});

const errors = [
  { name: 'a missing chain exits 1 with nft\'s message', args: ['--mode', 'nftables', '--view', 'list', '--chain', 'nope'], code: 1, stderr: 'Error: No such file or directory\nlist chain ip kube-proxy nope\n                         ^^^^\n' },
  { name: 'an iptables view in nftables mode exits 2', args: ['--mode', 'nftables', '--view', 'ipvsadm'], code: 2, stderr: 'error: --view: unsupported value "ipvsadm" for mode nftables: supported values: restore, list, save\n' },
  { name: 'an nft view in IPVS mode exits 2', args: ['--mode', 'ipvs', '--view', 'list'], code: 2, stderr: 'error: --view: unsupported value "list" for mode ipvs: supported values: ipvsadm, restore, ipset, addresses\n' },
];

for (const c of errors)
  test(`rules: ${c.name}`, async () => {
    const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', ...c.args]);
    assert.equal(r.stderr, c.stderr);
    assert.equal(r.code, c.code);
  });

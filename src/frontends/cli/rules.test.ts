// `flatnet rules` on the demo cluster: goldens for the restore, save and list views of node-1 (the list view checked
// byte for byte against iptables 1.8.9 by the kernel acceptance test), and the errors users see.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testing/cli.js';
import { REPO_ROOT } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';
import { serviceChainNames } from '../../proxy/backends/iptables/names.js';

const GOLDEN = fileURLToPath(new URL('../../../../src/frontends/cli/testdata/rules/', import.meta.url));
const DEMO = `${REPO_ROOT}examples/demo`;

const views = [
  { name: 'demo-node-1.restore', args: ['--view', 'restore'] },
  { name: 'demo-node-1.save', args: ['--view', 'save'] },
  { name: 'demo-node-1-nat.list', args: ['--view', 'list', '--table', 'nat'] },
  { name: 'demo-node-1-filter.list', args: ['--view', 'list'] },
];

for (const v of views)
  test(`rules --node node-1 ${v.args.join(' ')} matches ${v.name}`, async () => {
    const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', ...v.args]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGolden(`${GOLDEN}${v.name}`, r.stdout);
  });

test('the seed walkthrough: KUBE-SERVICES lists my-api\'s ClusterIP rule jumping to its KUBE-SVC chain', async () => {
  const r = await runCli(['rules', '-f', DEMO, '--node', 'node-1', '--view', 'list', '-t', 'nat', '--chain', 'KUBE-SERVICES']);
  const svc = serviceChainNames('default/my-api', 'tcp').svc;
  const line = r.stdout.split('\n').find((l) => l.includes('my-api'));
  assert.match(line!, new RegExp(`^${svc}  6    --  0\\.0\\.0\\.0/0 +10\\.\\d+\\.\\d+\\.\\d+ +/\\* default/my-api cluster IP \\*/ tcp dpt:80$`));
  const chain = await runCli(['rules', '-f', DEMO, '--node', 'node-1', '--view', 'list', '-t', 'nat', '--chain', svc]);
  assertGolden(`${GOLDEN}demo-node-1-my-api-svc.list`, chain.stdout);
});

const errors = [
  { name: 'an unknown node exits 2 naming the node and listing the nodes', args: ['--node', 'node-9'], code: 2, stderr: 'error: --node: node "node-9" not found; the cluster\'s nodes are: control-plane, node-1, node-2\n' },
  { name: 'an unknown view exits 2', args: ['--view', 'ipvsadm', '--mode', 'iptables'], code: 2, stderr: 'error: --view: unsupported value "ipvsadm" for mode iptables: supported values: restore, save, list\n' },
  { name: 'an unknown mode exits 2', args: ['--mode', 'ebpf'], code: 2, stderr: 'error: --mode: unsupported value "ebpf": supported values: iptables, ipvs, nftables, cilium\n' },
  { name: 'an unknown chain exits 1 with iptables\' message', args: ['--view', 'list', '--chain', 'KUBE-NOPE'], code: 1, stderr: 'iptables: No chain/target/match by that name.\n' },
];

for (const c of errors)
  test(`rules: ${c.name}`, async () => {
    const r = await runCli(['rules', '-f', DEMO, ...c.args]);
    assert.equal(r.stderr, c.stderr);
    assert.equal(r.code, c.code);
    assert.equal(r.stdout, '');
  });

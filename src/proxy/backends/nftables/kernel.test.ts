// Real-kernel acceptance: load each rendered ruleset into a throwaway network namespace with `nft -f`, require that
// `nft list table ip kube-proxy` prints exactly flatnet's list view, and replay incremental updates the same way.
// Skips (visibly) when not root or when ip/nft are missing; .ci/run installs them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../../testing/cli.js';
import { REPO_ROOT } from '../../../testing/cluster.js';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { listTable } from './list-view.js';
import { NftablesRenderer, UPSTREAM_TEST_OPTIONS } from './render.js';
import { upstreamOverallModel } from '../../../testing/nft-fixtures.js';
import { tableFromScripts } from './table.js';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'kernel acceptance needs Linux';
  if (process.getuid?.() !== 0) return 'kernel acceptance needs root (to create a network namespace)';
  for (const tool of ['ip', 'nft'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `kernel acceptance needs ${tool} (Debian packages nftables, iproute2; .ci/run installs them)`;
  const probe = `flatnet-nft-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'kernel acceptance: cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# SKIP nftables kernel acceptance: ${skip}`);

type Exec = (cmd: string[], input?: string) => string;

/** Runs `fn` with a fresh network namespace `flatnet-nft-<random>`, always deleting it afterwards. */
function withNamespace(fn: (exec: Exec) => void): void {
  const ns = `flatnet-nft-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    fn((cmd, input) => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 }));
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

const listKernel = (exec: Exec) => exec(['nft', 'list', 'table', 'ip', 'kube-proxy']);
const FIXTURE_OPTIONS = { serviceCIDRs: ['172.30.0.0/16'] };

for (const name of fixtureNames())
  test(`kernel: ${name} loads with nft -f and nft list prints flatnet's list view`, { skip }, () => {
    const script = new NftablesRenderer(fixtureModel(name).forNode(TEST_NODE), FIXTURE_OPTIONS).render();
    withNamespace((exec) => {
      exec(['nft', '-f', '-'], script);
      assert.equal(listKernel(exec), listTable(tableFromScripts(script)));
    });
  });

for (const endpointMaps of ['anonymous', 'rules'] as const)
  test(`kernel: clusterip-three-endpoints and session-affinity with ${endpointMaps} endpoint selection load and list as predicted`, { skip }, () => {
    for (const name of ['clusterip-three-endpoints', 'session-affinity']) {
      const script = new NftablesRenderer(fixtureModel(name).forNode(TEST_NODE), { ...FIXTURE_OPTIONS, endpointMaps }).render();
      withNamespace((exec) => {
        exec(['nft', '-f', '-'], script);
        assert.equal(listKernel(exec), listTable(tableFromScripts(script)));
      });
    }
  });

test('kernel: upstream TestOverallNFTablesRules, with kube-proxy\'s anonymous vmaps, loads and lists as flatnet predicts', { skip }, () => {
  const script = new NftablesRenderer(upstreamOverallModel().forNode('test-node'), UPSTREAM_TEST_OPTIONS).render();
  withNamespace((exec) => {
    exec(['nft', '-f', '-'], script);
    assert.equal(listKernel(exec), listTable(tableFromScripts(script)));
  });
});

test('kernel: the demo cluster\'s node-1 script from `flatnet rules --mode nftables` lists exactly as `--view list` says', { skip }, async () => {
  const args = ['rules', '-f', `${REPO_ROOT}examples/demo`, '--node', 'node-1', '--mode', 'nftables'];
  const script = (await runCli(args)).stdout;
  const predicted = (await runCli([...args, '--view', 'list'])).stdout;
  withNamespace((exec) => {
    exec(['nft', '-f', '-'], script);
    assert.equal(listKernel(exec), predicted);
  });
});

const slice = (eps: string[]) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'svc3-abc', namespace: 'ns3', labels: { 'kubernetes.io/service-name': 'svc3' } },
  addressType: 'IPv4',
  ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
  endpoints: eps.map((ip) => ({ addresses: [ip] })),
});

test('kernel: partial transactions (endpoint removed, Service added, Service deleted) apply and list as flatnet predicts', { skip }, () => {
  const model = fixtureModel('clusterip-three-endpoints');
  const r = new NftablesRenderer(model.forNode(TEST_NODE), FIXTURE_OPTIONS);
  const table = tableFromScripts(r.render());
  const added = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-new', namespace: 'ns3' }, spec: { type: 'NodePort', clusterIP: '172.30.0.99', sessionAffinity: 'ClientIP', ports: [{ port: 8080, protocol: 'TCP', nodePort: 30099 }] } };
  const steps = [
    { upsert: [slice(['10.0.3.1', '10.0.3.3'])] },
    { upsert: [added, { ...slice(['10.0.3.7']), metadata: { name: 'svc-new-abc', namespace: 'ns3', labels: { 'kubernetes.io/service-name': 'svc-new' } }, ports: [{ port: 8080, protocol: 'TCP' }] }] },
    { remove: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc3', namespace: 'ns3' } }] },
    {},
  ];
  withNamespace((exec) => {
    exec(['nft', '-f', '-'], r.render());
    for (const change of steps) {
      const payload = r.update(model.apply(change as any)).payload;
      exec(['nft', '-f', '-'], payload);
      table.applyScript(payload);
      assert.equal(listKernel(exec), listTable(table), payload);
    }
  });
});

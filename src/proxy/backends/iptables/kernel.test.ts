// Real-kernel acceptance: load each rendered ruleset into a throwaway network namespace with iptables-restore, and
// require that iptables-save and `iptables -L -n` print exactly flatnet's save and list views. Skips (visibly) when
// not root or when ip/iptables are missing; .ci/run installs them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { renderJumpRules } from './jump-rules.js';
import { listView } from './list-view.js';
import { IptablesRenderer } from './render.js';
import { nodeRuleset, saveView } from './save-view.js';
import { loadRestore } from '../../tracer/iptables-ruleset.js';
import { buildProxyModel } from '../../model.js';
import { readdirSync, readFileSync } from 'node:fs';
import { clusterFromYaml, REPO_ROOT } from '../../../testing/cluster.js';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'kernel acceptance needs Linux';
  if (process.getuid?.() !== 0) return 'kernel acceptance needs root (to create a network namespace)';
  for (const tool of ['ip', 'iptables', 'iptables-restore', 'iptables-save'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `kernel acceptance needs ${tool} (Debian packages iptables, iproute2; .ci/run installs them)`;
  const probe = `flatnet-probe-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'kernel acceptance: cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# SKIP kernel acceptance: ${skip}`);

/** Runs `fn` with a fresh network namespace, always deleting it afterwards. */
function withNamespace(fn: (exec: (cmd: string[], input?: string) => string) => void): void {
  const ns = `flatnet-test-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    fn((cmd, input) => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }));
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

function realSave(exec: (cmd: string[]) => string): string {
  return ['filter', 'nat'].map((t) => exec(['iptables-save', '-t', t]).split('\n').filter((l) => l !== '' && !l.startsWith('#')).join('\n')).join('\n') + '\n';
}

for (const name of fixtureNames())
  test(`kernel: ${name} loads with iptables-restore, and iptables-save / iptables -L -n print flatnet's views`, { skip }, () => {
    const r = new IptablesRenderer(fixtureModel(name).forNode(TEST_NODE));
    const jumps = renderJumpRules(r.options);
    const payload = r.render();
    const rs = nodeRuleset(jumps, payload);
    withNamespace((exec) => {
      exec(['iptables-restore'], jumps);
      exec(['iptables-restore', '--noflush'], payload);
      assert.equal(realSave(exec), saveView(rs));
      for (const table of ['filter', 'nat']) assert.equal(exec(['iptables', '-t', table, '-L', '-n']), listView(rs, table), `iptables -t ${table} -L -n`);
    });
  });

test('kernel: the demo cluster (examples/demo, node-1) loads and prints flatnet\'s save and list views', { skip }, () => {
  const dir = `${REPO_ROOT}examples/demo/`;
  const cluster = clusterFromYaml(readdirSync(dir).sort().map((f) => readFileSync(dir + f, 'utf8')).join('\n---\n'));
  const r = new IptablesRenderer(buildProxyModel(cluster.objects, cluster.config).forNode('node-1'));
  const jumps = renderJumpRules(r.options);
  const payload = r.render();
  const rs = nodeRuleset(jumps, payload);
  withNamespace((exec) => {
    exec(['iptables-restore'], jumps);
    exec(['iptables-restore', '--noflush'], payload);
    assert.equal(realSave(exec), saveView(rs));
    for (const table of ['filter', 'nat']) assert.equal(exec(['iptables', '-t', table, '-L', '-n']), listView(rs, table), `iptables -t ${table} -L -n`);
  });
});

test('kernel: an incremental update payload applies with iptables-restore --noflush and gives the full render', { skip }, () => {
  const model = fixtureModel('clusterip-three-endpoints');
  const r = new IptablesRenderer(model.forNode(TEST_NODE));
  const jumps = renderJumpRules(r.options);
  const first = r.render();
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc3', namespace: 'ns3' } };
  const added = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-new', namespace: 'ns3' }, spec: { type: 'ClusterIP', clusterIP: '172.30.0.99', ports: [{ port: 8080, protocol: 'TCP' }] } };
  const update = r.update(model.apply({ remove: [svc], upsert: [added] }));
  withNamespace((exec) => {
    exec(['iptables-restore'], jumps);
    exec(['iptables-restore', '--noflush'], first);
    exec(['iptables-restore', '--noflush'], update.payload);
    const replayed = loadRestore(update.payload, nodeRuleset(jumps, first));
    assert.equal(realSave(exec), saveView(replayed));
  });
});

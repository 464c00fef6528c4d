// Real-kernel acceptance for the node's netfilter tools: load a node's rendered rules into a throwaway network
// namespace and require that the real iptables 1.8.9 / nft print byte for byte what `flatnet node exec` prints,
// errors and exit codes included. Skips (visibly) when not root or when ip/iptables/nft are missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { formatCidr } from '../../core/ip.js';
import { renderJumpRules } from '../../proxy/backends/iptables/jump-rules.js';
import { IptablesRenderer } from '../../proxy/backends/iptables/render.js';
import { NftablesRenderer } from '../../proxy/backends/nftables/render.js';
import { serviceChainNames } from '../../proxy/backends/iptables/names.js';
import { buildProxyModel } from '../../proxy/model.js';
import { clusterFromYaml, TEST_NOW } from '../../testing/cluster.js';
import { traceFixtureYaml } from '../trace/trace-fixtures.js';
import type { CommandResult } from './layout/command-exit.js';
import { runIptables, runIptablesSave, runNft, type NodeRules } from './netfilter-tools.js';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'kernel acceptance needs Linux';
  if (process.getuid?.() !== 0) return 'kernel acceptance needs root (to create a network namespace)';
  for (const tool of ['ip', 'iptables', 'iptables-restore', 'iptables-save', 'nft'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `kernel acceptance needs ${tool}`;
  if (!/^iptables v1\.8\.9 \(nf_tables\)/.test(spawnSync('iptables', ['-V'], { encoding: 'utf8' }).stdout ?? '')) return 'kernel acceptance compares with iptables v1.8.9 (nf_tables), which this machine does not have';
  const probe = `flatnet-probe-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'kernel acceptance: cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# SKIP netfilter tools kernel acceptance: ${skip}`);

type Exec = (argv: string[], input?: string) => CommandResult;

function withNamespace(fn: (exec: Exec) => void): void {
  const ns = `flatnet-test-${randomBytes(4).toString('hex')}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    fn((argv, input) => {
      const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { input, encoding: 'utf8' });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.status ?? -1 };
    });
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

function nodeRules(mode: 'iptables' | 'nftables') {
  const c = clusterFromYaml(traceFixtureYaml('flannel', 'vxlan', mode));
  const view = buildProxyModel(c.objects, c.config).forNode('node-1');
  const r: NodeRules = { mode, view, serviceCIDRs: [formatCidr(c.config.serviceCIDR)], now: TEST_NOW };
  return { view, r };
}

/** iptables-save stamps the real time; compare everything else. */
const unstamped = (s: string) => s.replace(/ on \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/gm, ' on <date>');

test('kernel: iptables mode, node-1: listings, -S, iptables-save and the errors match iptables 1.8.9', { skip }, () => {
  const { view, r } = nodeRules('iptables');
  const renderer = new IptablesRenderer(view);
  const svc = serviceChainNames('default/far', 'tcp').svc;
  withNamespace((exec) => {
    assert.equal(exec(['iptables-restore'], renderJumpRules(renderer.options)).exitCode, 0);
    assert.equal(exec(['iptables-restore', '--noflush'], renderer.render()).exitCode, 0);
    for (const argv of [
      ['-t', 'nat', '-L', 'KUBE-SERVICES', '-n'],
      ['-t', 'nat', '-nL', svc],
      ['-t', 'nat', '-L', '-n', svc],
      ['-t', 'nat', '-L', 'KUBE-NOPE', '-n'],
      ['-t', 'bogus', '-L', '-n'],
      ['-S'],
      ['-t', 'nat', '-S', svc],
      ['-t', 'nat', '-S', 'PREROUTING'],
      ['-n'],
    ])
      assert.deepEqual(runIptables(r, argv), exec(['iptables', ...argv]), `iptables ${argv.join(' ')}`);
    const real = exec(['iptables-save']);
    const ours = runIptablesSave(r, []);
    assert.deepEqual({ ...ours, stdout: unstamped(ours.stdout) }, { ...real, stdout: unstamped(real.stdout) });
    // Listing a table kube-proxy never wrote makes iptables-nft create its built-in chains.
    assert.deepEqual(runIptables(r, ['-t', 'mangle', '-L', '-n']), exec(['iptables', '-t', 'mangle', '-L', '-n']));
    const mangle = exec(['iptables-save', '-t', 'mangle']);
    const oursMangle = runIptablesSave(r, ['-t', 'mangle']);
    assert.deepEqual({ ...oursMangle, stdout: unstamped(oursMangle.stdout) }, { ...mangle, stdout: unstamped(mangle.stdout) });
  });
});

test('kernel: nftables mode, node-1: nft list ruleset matches nft, and iptables shows empty tables', { skip }, () => {
  const { view, r } = nodeRules('nftables');
  withNamespace((exec) => {
    assert.equal(exec(['nft', '-f', '-'], new NftablesRenderer(view, { serviceCIDRs: r.serviceCIDRs }).render()).exitCode, 0);
    assert.deepEqual(runNft(r, ['list', 'ruleset']), exec(['nft', 'list', 'ruleset']));
    assert.deepEqual(runNft(r, ['list', 'tables']), exec(['nft', 'list', 'tables']));
    assert.deepEqual(runIptablesSave(r, []), exec(['iptables-save']));
    assert.deepEqual(runIptables(r, ['-t', 'nat', '-L', '-n']), exec(['iptables', '-t', 'nat', '-L', '-n']));
  });
});

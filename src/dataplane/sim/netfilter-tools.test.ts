// The node's netfilter and IPVS tools in each proxy mode: the same text `flatnet rules` renders where the mode writes
// rules, built-in chains or empty tables where it does not, and iptables' own errors for bad requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr } from '../../core/ip.js';
import '../../proxy/backends/iptables/backend.js';
import '../../proxy/backends/ipvs/backend.js';
import '../../proxy/backends/nftables/backend.js';
import { serviceChainNames } from '../../proxy/backends/iptables/names.js';
import { rulesBackend } from '../../proxy/backends/registry.js';
import { buildProxyModel } from '../../proxy/model.js';
import { clusterFromYaml, find, TEST_NOW } from '../../testing/cluster.js';
import { traceFixtureYaml } from '../trace/trace-fixtures.js';
import { ctime, runIptables, runIptablesSave, runIpvsadm, runNft, type NodeRules } from './netfilter-tools.js';

function rules(proxyMode: 'iptables' | 'nftables' | 'ipvs') {
  const c = clusterFromYaml(traceFixtureYaml('flannel', 'vxlan', proxyMode));
  const view = buildProxyModel(c.objects, c.config).forNode('node-1');
  const r: NodeRules = { mode: proxyMode, view, serviceCIDRs: [formatCidr(c.config.serviceCIDR)], now: TEST_NOW };
  const backend = (request: { view: string; table?: string; chain?: string }) => rulesBackend(proxyMode)!.render(view, { ...request, serviceCIDRs: r.serviceCIDRs });
  return { c, r, backend };
}

const iptables = rules('iptables');
const farChain = serviceChainNames('default/far', 'tcp').svc;

test('iptables -t nat -L CHAIN -n prints what flatnet rules --view list prints for the chain', () => {
  const out = runIptables(iptables.r, ['-t', 'nat', '-L', 'KUBE-SERVICES', '-n']);
  assert.deepEqual(out, { stdout: iptables.backend({ view: 'list', table: 'nat', chain: 'KUBE-SERVICES' }), stderr: '', exitCode: 0 });
  assert.match(out.stdout, new RegExp(`^${farChain} .*/\\* default/far cluster IP \\*/ tcp dpt:80$`, 'm'));
});

test('option clusters and long options read as iptables reads them', () => {
  const want = runIptables(iptables.r, ['-t', 'nat', '-L', farChain, '-n']).stdout;
  for (const argv of [['-tnat', '-nL', farChain], ['--table=nat', '--numeric', '--list', farChain], ['-n', '-t', 'nat', '-L', farChain]]) assert.equal(runIptables(iptables.r, argv).stdout, want, argv.join(' '));
});

test('iptables errors: a chain after -n, a missing chain, an unknown table, no command, an unknown option', () => {
  const cases = [
    { argv: ['-t', 'nat', '-L', '-n', farChain], stderr: `Bad argument \`${farChain}'\nTry \`iptables -h' or 'iptables --help' for more information.\n`, code: 2 },
    { argv: ['-t', 'nat', '-L', 'KUBE-NOPE', '-n'], stderr: "iptables v1.8.9 (nf_tables): chain `KUBE-NOPE' in table `nat' is incompatible, use 'nft' tool.\n", code: 1 },
    { argv: ['-t', 'bogus', '-L', '-n'], stderr: "iptables v1.8.9 (nf_tables): table 'bogus' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n", code: 3 },
    { argv: ['-n'], stderr: "iptables v1.8.9 (nf_tables): no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n", code: 2 },
    { argv: ['-q'], stderr: 'iptables v1.8.9 (nf_tables): unknown option "-q"\nTry `iptables -h\' or \'iptables --help\' for more information.\n', code: 2 },
  ];
  for (const c of cases) assert.deepEqual(runIptables(iptables.r, c.argv), { stdout: '', stderr: c.stderr, exitCode: c.code }, c.argv.join(' '));
});

test('what flatnet does not emulate says so with exit 2: names without -n, and every write', () => {
  for (const argv of [['-t', 'nat', '-L'], ['-t', 'nat', '-A', 'KUBE-SERVICES', '-j', 'ACCEPT'], ['-F'], ['-L', '-n', '-v']]) {
    const r = runIptables(iptables.r, argv);
    assert.equal(r.exitCode, 2, argv.join(' '));
    assert.match(r.stderr, /^flatnet: `iptables .*` is not emulated/);
  }
});

test('iptables -S CHAIN prints -N and the same -A lines iptables-save has for the chain', () => {
  const s = runIptables(iptables.r, ['-t', 'nat', '-S', farChain]).stdout.trimEnd().split('\n');
  assert.equal(s[0], `-N ${farChain}`);
  const saved = iptables.backend({ view: 'save' }).split('\n').filter((l) => l.startsWith(`-A ${farChain} `));
  assert.deepEqual(s.slice(1), saved);
  assert.deepEqual(runIptables(iptables.r, ['-t', 'nat', '-S', 'PREROUTING']).stdout.split('\n')[0], '-P PREROUTING ACCEPT');
});

test('a table kube-proxy leaves alone lists its built-in chains, as iptables-nft creates them on first use', () => {
  const out = runIptables(iptables.r, ['-t', 'mangle', '-L', '-n']).stdout;
  assert.deepEqual([...out.matchAll(/^Chain (\S+) \(policy ACCEPT\)$/gm)].map((m) => m[1]), ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
});

test('iptables-save wraps flatnet rules --view save per table in its Generated/Completed lines', () => {
  const out = runIptablesSave(iptables.r, []).stdout;
  const stamp = ctime(TEST_NOW);
  const body = out.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.equal(body, iptables.backend({ view: 'save' }));
  assert.deepEqual(out.split('\n').filter((l) => l.startsWith('#')), ['filter', 'filter', 'nat', 'nat'].map((_, i) => (i % 2 === 0 ? `# Generated by iptables-save v1.8.9 (nf_tables) on ${stamp}` : `# Completed on ${stamp}`)));
  assert.match(runIptablesSave(iptables.r, ['-t', 'bogus']).stderr, /^Table `bogus' does not exist\n$/);
});

test('ctime pads a one-digit day with a space and writes UTC', () => {
  assert.equal(ctime(new Date('2026-11-03T04:05:06Z')), 'Tue Nov  3 04:05:06 2026');
  assert.equal(ctime(TEST_NOW), 'Mon Nov 23 10:00:00 2026');
});

test('nftables mode: nft list ruleset is kube-proxy\'s table; iptables holds only built-in chains and saves nothing', () => {
  const nft = rules('nftables');
  assert.equal(runNft(nft.r, ['list', 'ruleset']).stdout, nft.backend({ view: 'list' }));
  assert.equal(runNft(nft.r, ['list', 'tables']).stdout, 'table ip kube-proxy\n');
  const chain = runNft(nft.r, ['list', 'chain', 'ip', 'kube-proxy', 'services']);
  assert.match(chain.stdout, /vmap @service-ips/);
  assert.deepEqual(runNft(nft.r, ['list', 'chain', 'ip', 'kube-proxy', 'nope']), { stdout: '', stderr: `Error: No such file or directory\nlist chain ip kube-proxy nope\n${' '.repeat(25)}^^^^\n`, exitCode: 1 });
  assert.deepEqual(runIptablesSave(nft.r, []), { stdout: '', stderr: '', exitCode: 0 });
  assert.deepEqual([...runIptables(nft.r, ['-t', 'nat', '-L', '-n']).stdout.matchAll(/^Chain (\S+)/gm)].map((m) => m[1]), ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']);
  assert.equal(runIptables(nft.r, ['-t', 'nat', '-L', 'KUBE-SERVICES', '-n']).exitCode, 1);
});

test('IPVS mode: ipvsadm -Ln lists the virtual servers; iptables there is not emulated', () => {
  const ipvs = rules('ipvs');
  const out = runIpvsadm(ipvs.r, ['-Ln']);
  assert.equal(out.stdout, ipvs.backend({ view: 'ipvsadm' }));
  assert.match(out.stdout, new RegExp(`^TCP  ${find(ipvs.c, 'Service', 'default', 'far').spec.clusterIP.replace(/\./g, '\\.')}:80 rr$`, 'm'));
  assert.equal(runIpvsadm(ipvs.r, ['-L', '-n']).stdout, out.stdout);
  assert.match(runIpvsadm(ipvs.r, ['-Sn']).stdout, /^-A -t /m);
  assert.equal(runIptables(ipvs.r, ['-t', 'nat', '-L', '-n']).exitCode, 2);
});

test('outside IPVS mode ipvsadm prints an empty table, and nft says which mode writes nothing', () => {
  assert.equal(runIpvsadm(iptables.r, ['-Ln']).stdout, 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n');
  assert.equal(runIpvsadm(iptables.r, ['-Sn']).stdout, '');
  assert.equal(runIpvsadm(iptables.r, ['-L']).exitCode, 2);
  const nft = runNft(iptables.r, ['list', 'ruleset']);
  assert.equal(nft.exitCode, 2);
  assert.match(nft.stderr, /iptables-nft keeps kube-proxy's rules in tables ip filter and ip nat/);
});

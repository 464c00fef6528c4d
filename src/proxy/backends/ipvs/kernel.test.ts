// Real-kernel acceptance for IPVS mode, as far as this kernel allows: the ipsets load with `ipset restore` and
// `ipset save` lists them as flatnet renders them; the iptables rules load with iptables-restore and survive an
// iptables-save round trip with every rule in place; kube-ipvs0 carries the bound addresses. `ipvsadm -Ln` and the
// `-m ipvs` match need the ip_vs module — those parts skip, visibly, when the kernel lacks it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fixtureModel, fixtureNames, TEST_NODE } from '../../../testing/proxy-fixtures.js';
import { ipsetScript } from './ipsets.js';
import { renderIpvs } from './render.js';
import { dummyInterfaceView, ipvsadmView } from './views.js';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'kernel acceptance needs Linux';
  if (process.getuid?.() !== 0) return 'kernel acceptance needs root (to create a network namespace)';
  for (const tool of ['ip', 'ipset', 'iptables-restore', 'iptables-save'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `kernel acceptance needs ${tool} (Debian packages ipset, iptables, iproute2; .ci/run installs them)`;
  const probe = `flatnet-ipvs-${randomBytes(4).toString('hex')}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'kernel acceptance: cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# SKIP IPVS kernel acceptance: ${skip}`);
const hasIpvs = existsSync('/proc/net/ip_vs');
const ipvsSkip = skip ?? (hasIpvs ? (spawnSync('sh', ['-c', 'command -v ipvsadm']).status !== 0 ? 'ipvsadm is not installed' : undefined) : 'this kernel has no IPVS (ip_vs); ipvsadm cannot list virtual servers');
if (!skip && ipvsSkip) console.log(`# SKIP ipvsadm acceptance: ${ipvsSkip}`);
const ipvsMatch = !skip && readFileSync('/proc/net/ip_tables_matches', 'utf8').split('\n').includes('ipvs');
const dummySkip = skip ?? dummyProbe();
if (!skip && dummySkip) console.log(`# SKIP kube-ipvs0 acceptance: ${dummySkip}`);

function dummyProbe(): string | undefined {
  const ns = `flatnet-ipvs-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    return spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'add', 'probe0', 'type', 'dummy']).status === 0 ? undefined : 'this kernel has no dummy interface driver for kube-ipvs0';
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

type Exec = (cmd: string[], input?: string) => string;

function withNamespace(fn: (exec: Exec) => void): void {
  const ns = `flatnet-ipvs-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    fn((cmd, input) => execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }));
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

/** `ipset save` without what the kernel randomises (bucketsize, initval), entries sorted per set. */
function normalizedIpsetSave(text: string): string {
  const out: string[] = [];
  let adds: string[] = [];
  const flush = () => (out.push(...adds.sort()), (adds = []));
  for (const l of text.split('\n').filter((x) => x !== '')) {
    if (l.startsWith('create ')) {
      flush();
      out.push(l.replace(/ bucketsize \d+ initval 0x[0-9a-f]+$/, ''));
    } else adds.push(l);
  }
  flush();
  return out.join('\n') + '\n';
}

/** Rules per `table chain` in iptables-restore or iptables-save text. */
function ruleCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  let table = '';
  for (const l of text.split('\n')) {
    if (l.startsWith('*')) table = l.slice(1);
    const m = /^-A (\S+) /.exec(l);
    if (m) counts[`${table} ${m[1]}`] = (counts[`${table} ${m[1]}`] ?? 0) + 1;
  }
  return counts;
}

const save = (exec: Exec) => ['nat', 'filter'].map((t) => exec(['iptables-save', '-t', t])).join('').replace(/^#.*\n/gm, '');

for (const name of fixtureNames())
  test(`kernel: ${name} — ipsets and iptables rules load as rendered${ipvsMatch ? '' : ' (-m ipvs rules left out: no ip_vs here)'}`, { skip }, () => {
    const s = renderIpvs(fixtureModel(name).forNode(TEST_NODE));
    const restore = ipvsMatch ? s.restore : s.restore.replace(/^.* -m ipvs .*\n/gm, '');
    withNamespace((exec) => {
      exec(['ipset', 'restore'], ipsetScript(s.ipsets));
      assert.equal(normalizedIpsetSave(exec(['ipset', 'save'])), ipsetScript(s.ipsets));
      exec(['iptables-restore'], restore);
      const saved = save(exec);
      assert.deepEqual(ruleCounts(saved), ruleCounts(restore), 'every rule is in iptables-save');
      exec(['iptables-restore'], saved);
      assert.equal(save(exec), saved, 'iptables-save output restores to itself');
    });
  });

test('kernel: kube-ipvs0 carries every bound Service address as ip -br addr shows it', { skip: dummySkip }, () => {
  const s = renderIpvs(fixtureModel('external-traffic-policy-local').forNode(TEST_NODE));
  withNamespace((exec) => {
    exec(['ip', 'link', 'add', 'kube-ipvs0', 'type', 'dummy']);
    for (const a of s.dummyAddresses) exec(['ip', 'addr', 'add', `${a}/32`, 'dev', 'kube-ipvs0']);
    assert.equal(exec(['ip', '-br', '-4', 'addr', 'show', 'kube-ipvs0']), dummyInterfaceView(s));
  });
});

test('kernel: ipvsadm -Ln lists the virtual servers as rendered', { skip: ipvsSkip }, () => {
  const s = renderIpvs(fixtureModel('clusterip-three-endpoints').forNode(TEST_NODE));
  withNamespace((exec) => {
    for (const vs of s.virtualServers) {
      const svc = `${vs.address}:${vs.port}`;
      const flag = vs.protocol === 'TCP' ? '-t' : vs.protocol === 'UDP' ? '-u' : '--sctp-service';
      exec(['ipvsadm', '-A', flag, svc, '-s', vs.scheduler, ...(vs.persistentTimeout !== undefined ? ['-p', String(vs.persistentTimeout)] : [])]);
      for (const rs of vs.realServers) exec(['ipvsadm', '-a', flag, svc, '-r', `${rs.address}:${rs.port}`, '-m', '-w', '1']);
    }
    assert.equal(exec(['ipvsadm', '-Ln']).replace(/\(size=\d+\)/, '(size=4096)'), ipvsadmView(s));
  });
});

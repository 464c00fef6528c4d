// The `ip`/`bridge` views against golden files the real tools printed for the same layout (testdata/real, written
// by kernel.test.ts), plus the parsing rules, filters and error texts that the walkthrough commands rely on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBridge, runIp } from './iproute2.js';
import { fixtureLayout, GOLDEN_CASES, GOLDEN_DIR } from './layout-fixtures.js';

for (const c of GOLDEN_CASES)
  test(`${c.cni} ${c.mode}: ${c.flavour === 'busybox' ? 'busybox ' : ''}${c.tool} ${c.argv.join(' ')} prints what the real tool printed (${c.file})`, () => {
    const path = join(GOLDEN_DIR, c.file);
    if (!existsSync(path)) assert.fail(`${path} is missing; as root, run UPDATE_GOLDEN=1 node scripts/run-tests.mjs layout/kernel (it saves the real tools' output)`);
    const ns = c.ns(fixtureLayout(c.cni, c.mode));
    const r = c.tool === 'bridge' ? runBridge(ns, c.argv) : runIp(ns, c.argv, c.flavour);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, readFileSync(path, 'utf8'));
  });

const flannel = fixtureLayout('flannel', 'vxlan');
const node = flannel.node('node-1')!;
const pod = flannel.pod('default', 'a')!;
const ip = (...argv: string[]) => runIp(node, argv);

const SAME = [
  { name: 'one-letter objects and verbs match as prefixes (ip a = ip address show)', a: ['a'], b: ['address', 'show'] },
  { name: 'ip r is ip route list', a: ['r'], b: ['route', 'list'] },
  { name: 'ip l is ip link, and ip n is ip neighbor', a: ['l'], b: ['link', 'lst'] },
  { name: 'ip n is ip neighbor', a: ['n'], b: ['neighbour', 'show'] },
  { name: '-d, -de and --details are the same option', a: ['-d', 'link'], b: ['--details', 'link'] },
  { name: 'ip addr show eth0 names the device without dev', a: ['addr', 'show', 'eth0'], b: ['addr', 'show', 'dev', 'eth0'] },
  { name: '-f inet is -4', a: ['-f', 'inet', 'addr'], b: ['-4', 'addr'] },
];

for (const c of SAME) test(c.name, () => assert.equal(ip(...c.a).stdout, ip(...c.b).stdout));

test('ip link show type bridge lists the bridge only; type bridge_slave and master cni0 list its ports', () => {
  assert.match(ip('link', 'show', 'type', 'bridge').stdout, /^\d+: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 .*\n {4}link\/ether \S+ brd ff:ff:ff:ff:ff:ff\n$/);
  const ports = node.interfaces.filter((l) => l.master === 'cni0').map((l) => l.name);
  assert.ok(ports.length >= 2);
  for (const argv of [['link', 'show', 'type', 'bridge_slave'], ['link', 'show', 'master', 'cni0'], ['link', 'show', 'type', 'veth', 'master', 'cni0']])
    assert.deepEqual([...ip(...argv).stdout.matchAll(/^\d+: (\S+?)@/gm)].map((m) => m[1]), ports, argv.join(' '));
  assert.equal(ip('link', 'show', 'type', 'foo').stdout, '');
});

test("bridge link shows each port's peer index as the local link with that index (iproute2 resolves it here)", () => {
  const out = runBridge(node, ['link', 'show']).stdout.split('\n').slice(0, -1);
  const ports = node.interfaces.filter((l) => l.bridgePort);
  assert.equal(out.length, ports.length);
  for (const [i, l] of ports.entries()) {
    const local = node.interfaces.find((x) => x.index === l.peer!.index)!;
    assert.equal(out[i], `${l.index}: ${l.name}@${local.name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${l.mtu} master cni0 state forwarding priority 32 cost 2 `);
  }
  assert.match(runBridge(node, ['-d', 'link', 'show', 'dev', ports[0].name]).stdout, /\n {4}hairpin on guard off /);
});

test('ip route filters: dev hides the dev field, a prefix matches exactly, table all adds the local table and IPv6', () => {
  assert.equal(ip('route', 'show', 'dev', 'cni0').stdout, '10.244.0.0/24 proto kernel scope link src 10.244.0.1 \n');
  assert.equal(ip('route', 'show', '10.244.0.0/24').stdout, '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 \n');
  assert.equal(ip('route', 'show', '10.244.0.0/16').stdout, '');
  assert.equal(ip('route', 'show', 'default').stdout, 'default via 172.18.0.1 dev eth0 \n');
  const all = ip('route', 'show', 'table', 'all').stdout;
  assert.match(all, /^local 10\.244\.0\.1 dev cni0 table local proto kernel scope host src 10\.244\.0\.1 $/m);
  assert.match(all, /^fe80::\/64 dev eth0 proto kernel metric 256 pref medium$/m);
  assert.ok(all.indexOf('default via') < all.indexOf('local 10.244.0.1') && all.indexOf('local 10.244.0.1') < all.indexOf('fe80::'));
});

test('busybox ip route has no proto and puts a second space before src', () => {
  const busy = runIp(pod, ['route'], 'busybox').stdout;
  const full = runIp(pod, ['route'], 'iproute2').stdout;
  assert.equal(busy, full.replace(/proto kernel scope link src/g, 'scope link  src'));
});

const ERRORS = [
  { name: 'an unknown object exits 1', argv: ['foo'], stderr: 'Object "foo" is unknown, try "ip help".\n', code: 1 },
  { name: 'an unknown option exits 255', argv: ['-z', 'addr'], stderr: 'Option "-z" is unknown, try "ip -help".\n', code: 255 },
  { name: 'an unknown address command names `ip address help`', argv: ['addr', 'foo'], stderr: 'Command "foo" is unknown, try "ip address help".\n', code: 255 },
  { name: 'a missing device exits 1', argv: ['link', 'show', 'dev', 'nope'], stderr: 'Device "nope" does not exist.\n', code: 1 },
  { name: 'ip route names a missing device differently', argv: ['route', 'show', 'dev', 'nope'], stderr: 'Cannot find device "nope"\n', code: 1 },
  { name: 'a second device is garbage', argv: ['addr', 'show', 'eth0', 'lo'], stderr: 'Error: either "dev" is duplicate, or "lo" is a garbage.\n', code: 255 },
  { name: 'dev with nothing after it is incomplete', argv: ['addr', 'show', 'dev'], stderr: 'Command line is not complete. Try option "help"\n', code: 255 },
  { name: 'changing the network is not emulated', argv: ['link', 'set', 'eth0', 'down'], stderr: /^flatnet: `ip link set` is not emulated/, code: 2 },
];

for (const e of ERRORS)
  test(`ip: ${e.name}`, () => {
    const r = ip(...e.argv);
    assert.equal(r.stdout, '');
    if (typeof e.stderr === 'string') assert.equal(r.stderr, e.stderr);
    else assert.match(r.stderr, e.stderr);
    assert.equal(r.exitCode, e.code);
  });

const BUSYBOX_ERRORS = [
  { name: 'an unknown option prints the usage and exits 1', argv: ['-d', 'link'], stderr: /^BusyBox v1\.36\.1 multi-call binary\.\n\nUsage: ip \[OPTIONS\] address\|route\|link/, code: 1 },
  { name: 'ip link exits 2 for a missing device', argv: ['link', 'show', 'dev', 'nope'], stderr: /^ip: can't find device 'nope'\n$/, code: 2 },
  { name: 'ip addr exits 1 for a missing device', argv: ['addr', 'show', 'nope'], stderr: /^ip: can't find device 'nope'\n$/, code: 1 },
  { name: 'type is not a selector: it is taken for a device name', argv: ['link', 'show', 'type', 'bridge'], stderr: /^ip: either "dev" is duplicate, or "bridge" is garbage\n$/, code: 2 },
];

for (const e of BUSYBOX_ERRORS)
  test(`busybox ip: ${e.name}`, () => {
    const r = runIp(pod, e.argv, 'busybox');
    assert.equal(r.stdout, '');
    assert.match(r.stderr, e.stderr);
    assert.equal(r.exitCode, e.code);
  });

test('bridge: an unknown object exits 255, and fdb is not emulated', () => {
  assert.deepEqual(runBridge(node, ['foo']), { stdout: '', stderr: 'Object "foo" is unknown, try "bridge help".\n', exitCode: 255 });
  assert.equal(runBridge(node, ['fdb', 'show']).exitCode, 2);
});

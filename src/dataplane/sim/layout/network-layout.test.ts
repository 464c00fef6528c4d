// The layout of the demo cluster and of the fixture cluster under every CNI profile: shared pod namespaces, veth
// pairs that point at each other, bridges or per-pod routes, the routes, neighbours and fdb entries toward other
// nodes, kube-ipvs0 in IPVS mode, MTUs, hostNetwork pods, and determinism.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { formatIPv4, parseCidr } from '../../../core/ip.js';
import type { KubeObject } from '../../../core/types.js';
import { clusterFromYaml, demoYaml, list } from '../../../testing/cluster.js';
import { runIp } from './iproute2.js';
import { fixtureYaml } from './layout-fixtures.js';
import { buildNetworkLayout, type NetworkLayout } from './network-layout.js';
import type { NetInterface, NetworkNamespace } from './network-namespace.js';

const DEMO_YAML = demoYaml();

/** The demo cluster, optionally under another CNI profile or kube-proxy mode than its cluster.yaml says. */
function demo(cni?: { name: string; mode: string }, proxyMode?: string): { layout: NetworkLayout; objects: KubeObject[] } {
  let yaml = DEMO_YAML;
  if (cni) yaml = yaml.replace(/cni:\n\s+name: flannel\n\s+mode: vxlan\n\s+networkPolicy: kube-network-policies/, `cni: {name: ${cni.name}, mode: ${cni.mode}}`);
  if (proxyMode) yaml = yaml.replace('proxyMode: iptables', `proxyMode: ${proxyMode}`);
  const c = clusterFromYaml(yaml);
  assert.equal(c.config.cni.name, cni?.name ?? 'flannel', 'the demo cluster.yaml changed shape; update the replacement');
  if (proxyMode) assert.equal(c.config.proxyMode, proxyMode);
  return { layout: buildNetworkLayout(c.objects, c.config), objects: c.objects };
}

function fixture(cni: string, mode: string, proxyMode = 'iptables'): { layout: NetworkLayout; objects: KubeObject[] } {
  const c = clusterFromYaml(fixtureYaml(cni, mode, proxyMode));
  return { layout: buildNetworkLayout(c.objects, c.config), objects: c.objects };
}

const link = (ns: NetworkNamespace, name: string): NetInterface | undefined => ns.interfaces.find((l) => l.name === name);
const podsWithSandbox = (objects: KubeObject[]) => list({ objects }, 'Pod').filter((p) => !p.spec.hostNetwork && p.status?.podIP);
const nodeInfo = (objects: KubeObject[], name: string) => {
  const n = list({ objects }, 'Node').find((x) => x.metadata.name === name)!;
  return { ip: n.status.addresses.find((a: any) => a.type === 'InternalIP').address as string, podCIDR: parseCidr(n.spec.podCIDR)! };
};

test("pod1's three containers share one namespace: one eth0 with the pod IP, and lo 127.0.0.1/8", () => {
  const { layout, objects } = demo();
  const pod1 = list({ objects }, 'Pod', 'default').find((p) => p.metadata.name === 'pod1')!;
  const ns = layout.pod('default', 'pod1')!;
  assert.deepEqual(ns.pod?.containers, pod1.spec.containers.map((c: any) => c.name));
  assert.ok(ns.pod!.containers.length >= 2, 'the walkthrough needs container1 and container2');
  const out = runIp(ns, ['addr'], 'iproute2').stdout;
  assert.equal(out.match(/^\d+: eth0@/gm)?.length, 1);
  // The demo runs flannel: the bridge plugin gives the pod its node's /24, and VXLAN's MTU of 1450.
  assert.match(out, new RegExp(`inet ${pod1.status.podIP.replaceAll('.', '\\.')}/24 brd [\\d.]+ scope global eth0`));
  assert.match(out, /eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 /);
  assert.match(out, /inet 127\.0\.0\.1\/8 scope host lo/);
  assert.notEqual(layout.pod('default', 'pod2'), ns, 'another pod has its own namespace');
});

const PROFILES: [string, string][] = [
  ['flannel', 'vxlan'],
  ['flannel', 'host-gw'],
  ['calico', 'bgp'],
  ['calico', 'ipip'],
  ['calico', 'vxlan'],
  ['cilium', 'vxlan'],
  ['cilium', 'native'],
  ['weave', 'fastdp'],
  ['aws-vpc-cni', 'native'],
];

for (const [cni, mode] of PROFILES)
  test(`${cni} ${mode}: every pod's eth0 and its node's veth name each other (peer name, @ifN index, netns id)`, () => {
    const { layout, objects } = demo({ name: cni, mode });
    const pods = podsWithSandbox(objects);
    assert.ok(pods.length > 5);
    for (const p of pods) {
      const ns = layout.pod(p.metadata.namespace!, p.metadata.name)!;
      const eth0 = link(ns, 'eth0')!;
      const node = layout.node(p.spec.nodeName)!;
      const host = node.interfaces.find((l) => l.index === eth0.peer!.index)!;
      assert.equal(host.name, eth0.peer!.name, `${ns.id}: the @if index is the host veth's`);
      assert.equal(host.peer!.netns, ns.id);
      assert.equal(host.peer!.index, eth0.index);
      assert.equal(eth0.peer!.netnsId, 0, 'a pod sees only its node');
      assert.equal(host.peer!.netnsName, ns.name, 'the node sees containerd’s cni-… name');
      assert.match(runIp(node, ['link', 'show', 'dev', host.name]).stdout, new RegExp(`^${host.index}: ${host.name}@if${eth0.index}:`));
    }
  });

const sha11 = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 11);

const ATTACHMENT = [
  { cni: 'flannel', mode: 'vxlan', bridge: 'cni0', veth: () => /^veth[0-9a-f]{8}$/ },
  { cni: 'weave', mode: 'fastdp', bridge: 'weave', veth: () => /^vethwepl[0-9a-f]{7}$/ },
  { cni: 'calico', mode: 'bgp', veth: (p: KubeObject) => new RegExp(`^cali${sha11(`${p.metadata.namespace}.${p.metadata.name}`)}$`), mac: 'ee:ee:ee:ee:ee:ee' },
  { cni: 'aws-vpc-cni', mode: 'native', veth: (p: KubeObject) => new RegExp(`^eni${sha11(`${p.metadata.namespace}.${p.metadata.name}`)}$`) },
  { cni: 'cilium', mode: 'native', veth: () => /^lxc[0-9a-f]{12}$/ },
];

for (const c of ATTACHMENT)
  test(`${c.cni}: pod veths ${c.bridge ? `are ports of ${c.bridge}, which holds the podCIDR's first address` : 'have no bridge; the pod gets a /32'}`, () => {
    const { layout, objects } = demo({ name: c.cni, mode: c.mode });
    for (const p of podsWithSandbox(objects)) {
      const node = layout.node(p.spec.nodeName)!;
      const eth0 = link(layout.pod(p.metadata.namespace!, p.metadata.name)!, 'eth0')!;
      const host = link(node, eth0.peer!.name)!;
      assert.match(host.name, c.veth(p));
      if (c.mac) assert.equal(host.mac, c.mac);
      const { podCIDR } = nodeInfo(objects, p.spec.nodeName);
      if (c.bridge) {
        assert.equal(host.master, c.bridge);
        assert.equal(link(node, c.bridge)!.addresses[0].address, formatIPv4(podCIDR.base + 1));
        assert.equal(eth0.addresses[0].prefix, podCIDR.prefix);
      } else {
        assert.equal(host.master, undefined);
        assert.equal(eth0.addresses[0].prefix, 32);
        assert.equal(node.interfaces.filter((l) => l.kind === 'bridge').length, 0);
      }
    }
    const bridgeLines = runIp(layout.node('node-1')!, ['link', 'show', 'type', 'bridge']).stdout;
    assert.equal(bridgeLines.includes(`: ${c.bridge}: `), c.bridge !== undefined);
  });

/** The route node A holds for node B's podCIDR, per profile, from the Node objects. */
const REMOTE = [
  { cni: 'flannel', mode: 'vxlan', want: (b: { ip: string; cidr: string; vtep: string }) => `${b.cidr} via ${b.vtep} dev flannel.1 onlink ` },
  { cni: 'flannel', mode: 'host-gw', want: (b: { ip: string; cidr: string }) => `${b.cidr} via ${b.ip} dev eth0 ` },
  { cni: 'calico', mode: 'bgp', want: (b: { ip: string; cidr: string }) => `${b.cidr} via ${b.ip} dev eth0 proto bird ` },
  { cni: 'calico', mode: 'ipip', want: (b: { ip: string; cidr: string }) => `${b.cidr} via ${b.ip} dev tunl0 proto bird onlink ` },
  { cni: 'calico', mode: 'vxlan', want: (b: { ip: string; cidr: string; vtep: string }) => `${b.cidr} via ${b.vtep} dev vxlan.calico onlink ` },
  { cni: 'cilium', mode: 'native', want: (b: { ip: string; cidr: string }) => `${b.cidr} via ${b.ip} dev eth0 ` },
  { cni: 'cilium', mode: 'vxlan', want: (b: { cidr: string }, a: { router: string }) => `${b.cidr} via ${a.router} dev cilium_host proto kernel src ${a.router} mtu 1450 ` },
  { cni: 'weave', mode: 'fastdp', want: (b: { cidr: string; vtep: string }) => `${b.cidr} via ${b.vtep} dev vxlan-6784 onlink ` },
];

for (const r of REMOTE)
  test(`${r.cni} ${r.mode}: node-1 routes every other node's podCIDR as the profile does`, () => {
    const { layout, objects } = demo({ name: r.cni, mode: r.mode });
    const a = nodeInfo(objects, 'node-1');
    const routes = runIp(layout.node('node-1')!, ['route']).stdout.split('\n');
    for (const other of ['control-plane', 'node-2']) {
      const b = nodeInfo(objects, other);
      const cidr = `${formatIPv4(b.podCIDR.base)}/${b.podCIDR.prefix}`;
      assert.ok(routes.includes(r.want({ ip: b.ip, cidr, vtep: formatIPv4(b.podCIDR.base) }, { router: formatIPv4(a.podCIDR.base + 1) })), `${other}: ${routes.join('\n')}`);
    }
  });

test('aws-vpc-cni: nodes route other pods by their default route; the node network (the VPC) routes each podCIDR', () => {
  const { layout, objects } = demo({ name: 'aws-vpc-cni', mode: 'native' });
  const underlay = runIp(layout.underlay(), ['route']).stdout.split('\n');
  for (const n of ['control-plane', 'node-1', 'node-2']) {
    const b = nodeInfo(objects, n);
    assert.ok(underlay.includes(`${formatIPv4(b.podCIDR.base)}/${b.podCIDR.prefix} via ${b.ip} dev ul0 `), n);
  }
  assert.ok(!layout.node('node-1')!.routes.some((r) => r.via && r.dev === 'eth0' && r.dst !== '0.0.0.0/0'));
});

for (const dev of ['flannel.1', 'vxlan.calico'])
  test(`${dev}: a permanent neighbour and an fdb entry per other node point at that node's VTEP MAC and InternalIP`, () => {
    const { layout, objects } = demo(dev === 'flannel.1' ? { name: 'flannel', mode: 'vxlan' } : { name: 'calico', mode: 'vxlan' });
    const node1 = layout.node('node-1')!;
    for (const other of ['control-plane', 'node-2']) {
      const b = nodeInfo(objects, other);
      const mac = link(layout.node(other)!, dev)!.mac;
      assert.deepEqual(
        node1.neighbors.filter((n) => n.lladdr === mac),
        [{ ip: formatIPv4(b.podCIDR.base), dev, lladdr: mac }],
      );
      assert.deepEqual(
        node1.fdb.filter((f) => f.mac === mac),
        [{ mac, dev, dst: b.ip }],
      );
    }
    assert.match(runIp(node1, ['-d', 'link', 'show', 'dev', dev]).stdout, new RegExp(`vxlan id ${dev === 'flannel.1' ? 1 : 4096} local ${nodeInfo(objects, 'node-1').ip.replaceAll('.', '\\.')} dev eth0 srcport 0 0 dstport ${dev === 'flannel.1' ? 8472 : 4789} nolearning`));
  });

test('IPVS mode: kube-ipvs0 is down and holds every ClusterIP, external IP and load-balancer IP as a /32', () => {
  const { layout, objects } = demo(undefined, 'ipvs');
  const want = new Set<string>();
  for (const s of list({ objects }, 'Service')) {
    for (const ip of s.spec.clusterIPs ?? []) if (ip !== 'None') want.add(ip);
    for (const ip of s.spec.externalIPs ?? []) want.add(ip);
    for (const i of s.status?.loadBalancer?.ingress ?? []) if (i.ip) want.add(i.ip);
  }
  assert.ok(want.size > 5);
  for (const n of ['control-plane', 'node-1', 'node-2']) {
    const dummy = link(layout.node(n)!, 'kube-ipvs0')!;
    assert.equal(dummy.state, 'DOWN');
    assert.deepEqual(new Set(dummy.addresses.map((a) => `${a.address}/${a.prefix}`)), new Set([...want].map((ip) => `${ip}/32`)));
    const local = runIp(layout.node(n)!, ['route', 'show', 'table', 'local']).stdout;
    for (const ip of want) assert.ok(local.includes(`local ${ip} dev kube-ipvs0 proto kernel scope host src ${ip} \n`), ip);
  }
  assert.equal(link(demo().layout.node('node-1')!, 'kube-ipvs0'), undefined, 'iptables mode has no kube-ipvs0');
});

const MTU = [
  { cni: 'flannel', mode: 'vxlan', pod: 1450, tunnel: ['flannel.1', 1450] as const },
  { cni: 'flannel', mode: 'host-gw', pod: 1500 },
  { cni: 'calico', mode: 'bgp', pod: 1500 },
  { cni: 'calico', mode: 'ipip', pod: 1480, tunnel: ['tunl0', 1480] as const },
  { cni: 'calico', mode: 'vxlan', pod: 1450, tunnel: ['vxlan.calico', 1450] as const },
  { cni: 'aws-vpc-cni', mode: 'native', pod: 9001, node: 9001 },
];

for (const m of MTU)
  test(`${m.cni} ${m.mode}: pod eth0 and its veth have MTU ${m.pod}; the node's eth0 ${m.node ?? 1500}`, () => {
    const { layout, objects } = demo({ name: m.cni, mode: m.mode });
    for (const p of podsWithSandbox(objects)) {
      const eth0 = link(layout.pod(p.metadata.namespace!, p.metadata.name)!, 'eth0')!;
      assert.equal(eth0.mtu, m.pod);
      assert.equal(link(layout.node(p.spec.nodeName)!, eth0.peer!.name)!.mtu, m.pod);
    }
    const node = layout.node('node-1')!;
    assert.equal(link(node, 'eth0')!.mtu, m.node ?? 1500);
    if (m.tunnel) assert.equal(link(node, m.tunnel[0])!.mtu, m.tunnel[1]);
    if (m.cni === 'flannel') assert.equal(link(node, 'cni0')!.mtu, m.pod);
  });

test('calico ipip: the ipip module gives every pod a down tunl0@NONE at index 2, so eth0 is index 3', () => {
  const { layout } = demo({ name: 'calico', mode: 'ipip' });
  const ns = layout.pod('default', 'pod2')!;
  assert.match(runIp(ns, ['link']).stdout, /^2: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n {4}link\/ipip 0\.0\.0\.0 brd 0\.0\.0\.0\n3: eth0@if\d+: /m);
});

test('a hostNetwork pod is in its node’s namespace; a Pending pod has none', () => {
  const { layout, objects } = demo();
  const host = list({ objects }, 'Pod').find((p) => p.spec.hostNetwork)!;
  assert.equal(layout.pod(host.metadata.namespace!, host.metadata.name), layout.node(host.spec.nodeName));
  assert.equal(layout.pod('default', 'no-such-pod'), undefined);
});

test('a node gets its CNI bridge with its first pod: no pods, no cni0 and no route to its podCIDR', () => {
  const c = clusterFromYaml(fixtureYaml('flannel', 'host-gw').replace('nodes: [{name: node-1}, {name: node-2}]', `nodes: [${[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `{name: node-${i}}`).join(', ')}]`));
  const layout = buildNetworkLayout(c.objects, c.config);
  const busy = new Set(podsWithSandbox(c.objects).map((p) => p.spec.nodeName));
  const nodes = list(c, 'Node').map((n) => n.metadata.name);
  assert.ok(nodes.some((n) => busy.has(n)) && nodes.some((n) => !busy.has(n)), 'the fixture needs nodes with and without pods');
  for (const n of nodes) {
    const ns = layout.node(n)!;
    assert.equal(link(ns, 'cni0') !== undefined, busy.has(n), n);
    assert.equal(ns.routes.some((r) => r.dev === 'cni0'), busy.has(n), n);
  }
});

for (const [cni, mode] of PROFILES)
  test(`${cni} ${mode}: no IPv4 address is on two interfaces anywhere (kube-ipvs0 aside), and every namespace has a default route`, () => {
    const { layout } = fixture(cni, mode, 'ipvs');
    const seen = new Map<string, string>();
    for (const ns of layout.namespaces) {
      for (const l of ns.interfaces)
        for (const a of l.addresses)
          if (a.family === 'inet' && l.kind !== 'loopback' && l.kind !== 'dummy') {
            assert.equal(seen.get(a.address), undefined, `${a.address} on ${ns.id}/${l.name} and ${seen.get(a.address)}`);
            seen.set(a.address, `${ns.id}/${l.name}`);
          }
      if (ns.kind !== 'underlay') assert.ok(ns.routes.some((r) => r.dst === '0.0.0.0/0'), ns.id);
    }
  });

test('two builds of one cluster are identical, down to every byte `ip` prints', () => {
  const a = demo({ name: 'flannel', mode: 'vxlan' }, 'ipvs').layout;
  const b = demo({ name: 'flannel', mode: 'vxlan' }, 'ipvs').layout;
  assert.equal(JSON.stringify(a.namespaces), JSON.stringify(b.namespaces));
  for (const ns of a.namespaces) {
    const other = b.namespaces.find((x) => x.id === ns.id)!;
    for (const argv of [['addr'], ['-d', 'link'], ['route', 'show', 'table', 'all'], ['neigh']]) assert.equal(runIp(ns, argv).stdout, runIp(other, argv).stdout);
  }
});

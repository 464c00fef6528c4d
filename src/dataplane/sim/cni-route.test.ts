// The route hops of SimDataPlane under each CNI profile and mode: same-node hand-over and the node-to-node leg.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import { cniProfile } from '../../core/cni-profiles.js';
import { formatIPv4, parseCidr } from '../../core/ip.js';
import { clusterFromYaml, find, TEST_NOW } from '../../testing/cluster.js';
import { SimDataPlane } from './sim-data-plane.js';

const pods = ['a:node-1', 'b:node-2', 'c:node-1']
  .map((s) => s.split(':'))
  .map(
    ([name, node]) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers: [{name: web, image: 'nginx:1.27'}]
`,
  )
  .join('---\n');

function routes(cni: string) {
  const cluster = clusterFromYaml(`apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: r}\nspec: {nodes: 3, cni: ${cni}}\n---\n${pods}`);
  const dp = new SimDataPlane(cluster.objects, cluster.config, { clock: new FixedClock(TEST_NOW) });
  const ip = (name: string) => find(cluster, 'Pod', 'default', name).status.podIP;
  const route = (to: string) => {
    const o = dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'a' }, to: { ip: ip(to), port: 80 }, protocol: 'TCP' });
    assert.equal(o.kind, 'connected', `a → ${to} under ${cni}`);
    return o.hops.filter((h) => h.stage === 'route').map((h) => h.summary).join(' | ');
  };
  const nodeIP = (n: string) => find(cluster, 'Node', undefined, n).status.addresses[0].address;
  const podCIDR: string = find(cluster, 'Node', undefined, 'node-1').spec.podCIDR;
  const gateway = `${formatIPv4(parseCidr(podCIDR)!.base + 1)}, gateway of podCIDR ${podCIDR}`;
  return { cross: route('b'), same: route('c'), outer: `${nodeIP('node-1')} → ${nodeIP('node-2')}`, gateway, mtu: cniProfile(cluster.config.cni.name)!.modes.find((m) => m.name === cluster.config.cni.mode)!.mtu };
}

const cases = [
  { name: "flannel's default mode wraps cross-node packets in VXLAN on flannel.1, UDP 8472, VNI 1", cni: '{name: flannel}', cross: [/VXLAN/, /flannel\.1/, /UDP 8472/, /VNI 1/, /\+50 bytes/], same: [/bridge cni0/], outer: true, bridge: true },
  { name: 'flannel host-gw routes natively with no encapsulation', cni: '{name: flannel, mode: host-gw}', cross: [/no encapsulation/, /host-gw/], same: [/cni0/], outer: false, bridge: true },
  { name: 'calico bgp (the cluster default) routes natively, the route learned over BGP', cni: '{name: calico}', cross: [/no encapsulation/, /BGP/], same: [/cali veth/], outer: false },
  { name: 'calico ipip wraps packets in IP-in-IP on tunl0 (+20 bytes)', cni: '{name: calico, mode: ipip}', cross: [/IP-in-IP/, /tunl0/, /\+20 bytes/], same: [/cali veth/], outer: true },
  { name: 'calico vxlan uses vxlan.calico, UDP 4789, VNI 4096', cni: '{name: calico, mode: vxlan}', cross: [/VXLAN/, /UDP 4789/, /VNI 4096/], same: [/cali veth/], outer: true },
  { name: "cilium's default VXLAN tunnel is set up by its eBPF program", cni: '{name: cilium}', cross: [/eBPF/, /VXLAN/, /cilium_vxlan/], same: [/eBPF/, /lxc/], outer: true },
  { name: 'cilium native routing forwards with eBPF and no encapsulation', cni: '{name: cilium, mode: native}', cross: [/eBPF/, /no encapsulation/], same: [/eBPF/], outer: false },
];

for (const c of cases)
  test(c.name, () => {
    const r = routes(c.cni);
    for (const re of c.cross) assert.match(r.cross, re);
    for (const re of c.same) assert.match(r.same, re);
    assert.match(r.cross, new RegExp(`pod MTU ${r.mtu}`));
    assert.equal(r.cross.includes(`outer ${r.outer}`), c.outer, `outer addresses ${r.outer} in: ${r.cross}`);
    assert.match(r.same, /same node node-1/);
    // The bridge plugin gives cni0 the first address of the node's podCIDR; routed CNIs have no bridge at all.
    assert.equal(r.same.includes(`cni0 (${r.gateway})`), c.bridge === true, r.same);
    assert.ok(!/encapsulat/.test(r.same), 'a same-node hop never encapsulates');
  });

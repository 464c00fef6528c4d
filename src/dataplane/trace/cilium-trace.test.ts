// Traces on Cilium: with its kube-proxy replacement (socket-LB for connections made in the cluster, no SNAT; the BPF
// NodePort path on eth0 for outside clients, SNAT only towards another node's backend; cluster IPs not served to the
// outside; connect() failing without backends; loadBalancerSourceRanges and sessionAffinity), and without it
// (Cilium's per-packet cluster-IP balancing on the pod's lxc device, kube-proxy for the rest). The maps named in each
// Service hop are checked against the node's `cilium-dbg service list`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import { ciliumServiceTable, serviceList } from '../../proxy/backends/cilium/index.js';
import { buildProxyModel } from '../../proxy/model.js';
import { clusterFromYaml, find, TEST_NOW } from '../../testing/cluster.js';
import { SimDataPlane } from '../sim/sim-data-plane.js';
import type { ConnectionSource } from '../types.js';
import { traceConnection, type TraceCluster } from './connection-trace.js';
import { ciliumKprFixtureYaml, traceFixtureYaml } from './trace-fixtures.js';
import type { TraceHop, TraceReport, TraceRequest } from './trace-types.js';

const EXTERNAL = '203.0.113.10';
const client: ConnectionSource = { kind: 'pod', namespace: 'default', name: 'client' };

/** Two `web` pods (one per node) behind a ClientIP-affinity Service, a hostPort pod on node-2, an eTP Local NodePort and a source-ranged LB. */
const EXTRA = `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: netexec, image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: default, labels: {app: web}}
spec:
  nodeName: node-2
  containers: [{name: netexec, image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: sticky, namespace: default}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: spread, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: hp, namespace: default, labels: {app: hp}}
spec:
  nodeName: node-2
  containers: [{name: netexec, image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: [netexec, --http-port=8080], ports: [{containerPort: 8080, hostPort: 8081}]}]
---
apiVersion: v1
kind: Service
metadata: {name: np-local, namespace: default}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: far}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lb-ranged, namespace: default}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [198.51.100.0/24]
  selector: {app: far}
  ports: [{port: 80, targetPort: 8080}]
---
`;

const kpr = clusterFromYaml(ciliumKprFixtureYaml('vxlan', EXTRA));
const kprNative = clusterFromYaml(ciliumKprFixtureYaml('native'));
const withProxy = clusterFromYaml(traceFixtureYaml('cilium', 'vxlan', 'iptables', '', EXTRA));

function trace(c: TraceCluster, req: Partial<TraceRequest> & Pick<TraceRequest, 'host'>): Promise<TraceReport> {
  return traceConnection(c, { from: client, protocol: 'TCP', ...req }, { clock: new FixedClock(TEST_NOW) });
}

const hops = (r: TraceReport, stage: TraceHop['stage']) => r.hops.filter((h) => h.stage === stage);
const hop = (r: TraceReport, stage: TraceHop['stage']): TraceHop => hops(r, stage)[0] ?? assert.fail(`no ${stage} hop in ${r.hops.map((h) => h.stage).join(', ')}`);
const nodeIP = (c: TraceCluster, name: string): string => find(c, 'Node', undefined, name).status.addresses[0].address;
const podIP = (c: TraceCluster, name: string): string => find(c, 'Pod', 'default', name).status.podIP;
const svc = (c: TraceCluster, name: string) => find(c, 'Service', 'default', name);

/** The ID `cilium-dbg service list` prints on `node` for a frontend. */
function listedId(c: TraceCluster, node: string, frontend: string): string {
  const text = serviceList(ciliumServiceTable(buildProxyModel(c.objects, c.config).forNode(node), { kubeProxyReplacement: c.config.cni.kubeProxyReplacement === true, hostPorts: [] }));
  const line = text.split('\n').find((l) => l.split(/\s+/)[1] === frontend) ?? assert.fail(`${frontend} not in the service list of ${node}:\n${text}`);
  return line.split(/\s+/)[0];
}

/** No Service hop of the trace names an iptables chain. */
function noIptables(r: TraceReport): void {
  for (const h of r.hops) for (const rule of h.rules ?? []) assert.doesNotMatch(rule, /KUBE-|nat\//, h.summary);
}

for (const [name, c, target] of [
  ['same node', kpr, 'near'],
  ['across nodes (vxlan)', kpr, 'far'],
  ['across nodes (native routing)', kprNative, 'far'],
] as const)
  test(`kube-proxy replacement, ${name}: socket-LB translates connect() to the cluster IP, no DNAT on the wire and no SNAT`, async () => {
    const r = await trace(c, { host: target, port: 80 });
    assert.equal(r.verdict.result, 'connected', r.verdict.message);
    const s = hop(r, 'service');
    assert.match(s.summary, /^Cilium eBPF socket-LB \(no iptables\) on node node-1: connect\(\) to cluster IP /);
    const vip = svc(c, target).spec.clusterIP;
    const backend = `${podIP(c, target)}:8080`;
    assert.deepEqual(s.rules, [`cilium_lb4_services_v2 ${vip}:80/TCP (ClusterIP, service ID ${listedId(c, 'node-1', `${vip}:80/TCP`)})`, s.rules![1]]);
    assert.match(s.rules![1], new RegExp(`^cilium_lb4_backends_v3 backend ID \\d+ = ${backend.replace(/\./g, '\\.')}/TCP$`));
    assert.equal(s.service?.proxyMode, 'cilium');
    noIptables(r);
    const nat = hop(r, 'nat').nat!;
    assert.deepEqual(nat, { kind: 'service', datapath: 'socket-lb', before: { source: podIP(c, 'client'), destination: { ip: vip, port: 80 } }, after: { source: podIP(c, 'client'), destination: { ip: podIP(c, target), port: 8080 } }, snat: false });
    assert.match(hop(r, 'reply').summary, /no packet was translated and there is nothing to undo on the wire; cilium_lb4_reverse_sk/);
  });

test('kube-proxy replacement, from a node: socket-LB in the host namespace, the backend sees the node without masquerade', async () => {
  const c = kpr;
  const vip = svc(c, 'far').spec.clusterIP;
  for (const to of [`${vip}:80`, `127.0.0.1:${svc(c, 'np').spec.ports[0].nodePort}`]) {
    const [ip, port] = to.split(':');
    const r = await trace(c, { from: { kind: 'node', name: 'node-1' }, host: ip, port: Number(port) });
    assert.equal(r.verdict.result, 'connected', r.verdict.message);
    assert.match(hop(r, 'service').summary, /^Cilium eBPF socket-LB \(no iptables\) on node node-1/);
    assert.equal(hop(r, 'nat').nat!.snat, false);
    assert.equal(hop(r, 'nat').nat!.after.source, nodeIP(c, 'node-1'));
  }
});

test("kube-proxy replacement, another node's NodePort from a pod: translated at the socket on the client's node via the 0.0.0.0 wildcard", async () => {
  const c = kpr;
  const nodePort = svc(c, 'np').spec.ports[0].nodePort;
  const r = await trace(c, { host: nodeIP(c, 'node-2'), port: nodePort });
  assert.equal(r.verdict.result, 'connected', r.verdict.message);
  assert.deepEqual(r.hops.map((h) => h.stage), ['source', 'service', 'nat', 'route', 'policy', 'deliver', 'reply']);
  assert.equal(hop(r, 'service').at, 'node node-1');
  assert.equal(hop(r, 'service').rules![0], `cilium_lb4_services_v2 0.0.0.0:${nodePort}/TCP (NodePort, service ID ${listedId(c, 'node-1', `0.0.0.0:${nodePort}/TCP`)})`);
  assert.equal(hop(r, 'nat').nat!.snat, false);
});

test('kube-proxy replacement, NodePort from outside: the BPF program on eth0 DNATs; SNAT to the node only when the backend is elsewhere', async () => {
  const c = kpr;
  const nodePort = svc(c, 'np').spec.ports[0].nodePort;
  const remote = await trace(c, { from: { kind: 'external', ip: EXTERNAL }, host: nodeIP(c, 'node-1'), port: nodePort });
  assert.equal(remote.verdict.result, 'connected', remote.verdict.message);
  assert.match(hop(remote, 'service').summary, /^Cilium eBPF NodePort load balancer \(no iptables\) on node node-1: a packet arriving on eth0 for NodePort /);
  assert.equal(hop(remote, 'service').rules![0], `cilium_lb4_services_v2 ${nodeIP(c, 'node-1')}:${nodePort}/TCP (NodePort, service ID ${listedId(c, 'node-1', `${nodeIP(c, 'node-1')}:${nodePort}/TCP`)})`);
  noIptables(remote);
  assert.deepEqual(hop(remote, 'nat').nat, { kind: 'service', datapath: 'ebpf', before: { source: EXTERNAL, destination: { ip: nodeIP(c, 'node-1'), port: nodePort } }, after: { source: nodeIP(c, 'node-1'), destination: { ip: podIP(c, 'far'), port: 8080 } }, snat: true });
  assert.match(hop(remote, 'reply').summary, /Cilium's BPF conntrack \(cilium_ct4_global\) and reverse NAT \(cilium_lb4_reverse_nat\) on node node-1 un-SNATs/);
  assert.match(hop(remote, 'reply').summary, new RegExp(`the client sees ${nodeIP(c, 'node-1').replace(/\./g, '\\.')}:${nodePort} → ${EXTERNAL.replace(/\./g, '\\.')}:`));

  const local = await trace(c, { from: { kind: 'external', ip: EXTERNAL }, host: nodeIP(c, 'node-2'), port: nodePort });
  assert.equal(local.verdict.result, 'connected', local.verdict.message);
  assert.equal(hop(local, 'nat').nat!.snat, false, 'kube-proxy would masquerade under eTP Cluster; Cilium keeps the client address for a local backend');
  assert.equal(hop(local, 'nat').nat!.after.source, EXTERNAL);
});

test('kube-proxy replacement, eTP Local NodePort: outside clients are dropped on a node without a backend, pods reach every backend', async () => {
  const c = kpr;
  const nodePort = svc(c, 'np-local').spec.ports[0].nodePort;
  const outside = await trace(c, { from: { kind: 'external', ip: EXTERNAL }, host: nodeIP(c, 'node-1'), port: nodePort });
  assert.equal(outside.verdict.result, 'timeout');
  assert.equal(outside.verdict.reason, 'NO_ENDPOINTS');
  const inside = await trace(c, { host: nodeIP(c, 'node-1'), port: nodePort });
  assert.equal(inside.verdict.result, 'connected', inside.verdict.message);
  assert.match(hop(inside, 'service').rules![1], /^cilium_lb4_backends_v3 backend ID \d+ = /);
});

test('kube-proxy replacement, a cluster IP from outside: not served (bpf.lbExternalClusterIP false), the Service named', async () => {
  const r = await trace(kpr, { from: { kind: 'external', ip: EXTERNAL }, host: svc(kpr, 'far').spec.clusterIP, port: 80 });
  assert.equal(r.verdict.result, 'timeout');
  assert.equal(r.verdict.reason, 'NO_ROUTE');
  assert.match(r.verdict.message, /does not serve cluster IPs to clients outside the cluster \(bpf\.lbExternalClusterIP is false by default\)/);
  assert.deepEqual(hop(r, 'service').objects, ['Service default/far']);
});

test('kube-proxy replacement, no endpoints: connect() fails with EHOSTUNREACH at the socket; from outside the packet is dropped', async () => {
  const r = await trace(kpr, { host: 'nobody', port: 80 });
  assert.equal(r.verdict.result, 'unreachable');
  assert.equal(r.verdict.reason, 'NO_ENDPOINTS');
  assert.match(hop(r, 'service').summary, /fails connect\(\) with EHOSTUNREACH/);
  assert.deepEqual(hop(r, 'service').rules, [`cilium_lb4_services_v2 ${svc(kpr, 'nobody').spec.clusterIP}:80/TCP (ClusterIP, service ID ${listedId(kpr, 'node-1', `${svc(kpr, 'nobody').spec.clusterIP}:80/TCP`)})`, 'no backends']);
  assert.ok(hop(r, 'service').objects.includes('Service default/nobody'));
});

test('kube-proxy replacement, loadBalancerSourceRanges: enforced for outside clients, ignored from inside the cluster', async () => {
  const c = kpr;
  const lbIP = svc(c, 'lb-ranged').status.loadBalancer.ingress[0].ip;
  const outside = await trace(c, { from: { kind: 'external', ip: EXTERNAL }, host: lbIP, port: 80 });
  assert.equal(outside.verdict.reason, 'SOURCE_RANGE_DENIED');
  const allowed = await trace(c, { from: { kind: 'external', ip: '198.51.100.7' }, host: lbIP, port: 80 });
  assert.equal(allowed.verdict.result, 'connected', allowed.verdict.message);
  const inside = await trace(c, { host: lbIP, port: 80 });
  assert.equal(inside.verdict.result, 'connected', inside.verdict.message);
  assert.match(hop(inside, 'service').summary, /^Cilium eBPF socket-LB/);
});

test('kube-proxy replacement, sessionAffinity ClientIP: a client keeps its backend; without it connections spread', async () => {
  const dp = new SimDataPlane(kpr.objects, kpr.config, { clock: new FixedClock(TEST_NOW) });
  const endpoints = (name: string) =>
    [0, 1, 2].map(() => {
      const out = dp.connect({ from: client, to: { ip: svc(kpr, name).spec.clusterIP, port: 80 }, protocol: 'TCP' });
      assert.equal(out.kind, 'connected');
      return out.kind === 'connected' ? out.delivered.pod?.name : undefined;
    });
  assert.deepEqual(new Set(endpoints('sticky')).size, 1);
  assert.deepEqual(new Set(endpoints('spread')), new Set(['web-1', 'web-2']));
});

test('kube-proxy replacement, hostPort: a HostPort frontend instead of portmap, no SNAT from outside or from the node itself', async () => {
  const c = kpr;
  const outside = await trace(c, { from: { kind: 'external', ip: EXTERNAL }, host: nodeIP(c, 'node-2'), port: 8081 });
  assert.equal(outside.verdict.result, 'connected', outside.verdict.message);
  assert.match(hop(outside, 'nat').summary, /Cilium eBPF NodePort load balancer \(no iptables\) on node node-2 finds the HostPort frontend in cilium_lb4_services_v2/);
  assert.deepEqual(hop(outside, 'nat').nat?.after, { source: EXTERNAL, destination: { ip: podIP(c, 'hp'), port: 8080 } });
  const local = await trace(c, { from: { kind: 'node', name: 'node-2' }, host: '127.0.0.1', port: 8081 });
  assert.equal(local.verdict.result, 'connected', local.verdict.message);
  assert.match(hop(local, 'nat').summary, /Cilium eBPF socket-LB \(no iptables\)/);
  assert.equal(hop(local, 'nat').nat?.snat, false, 'portmap masquerades localhost sources; socket-LB has nothing to masquerade');
});

test("Cilium with kube-proxy: a pod's cluster-IP connection is balanced on its lxc device; the node's own goes through kube-proxy", async () => {
  const c = withProxy;
  const pod = await trace(c, { host: 'far', port: 80 });
  assert.equal(pod.verdict.result, 'connected', pod.verdict.message);
  assert.match(hop(pod, 'service').summary, /^Cilium eBPF per-packet load balancer \(no iptables\) on node node-1: a packet from pod default\/client's lxc device to cluster IP /);
  assert.match(hop(pod, 'service').rules![0], /^cilium_lb4_services_v2 .* \(ClusterIP, service ID \d+\)$/);
  noIptables(pod);
  assert.deepEqual(hop(pod, 'nat').nat?.datapath, 'ebpf');
  assert.equal(hop(pod, 'nat').nat?.snat, false);
  const node = await trace(c, { from: { kind: 'node', name: 'node-1' }, host: svc(c, 'far').spec.clusterIP, port: 80 });
  assert.match(hop(node, 'service').summary, /^kube-proxy \(iptables\) on node node-1/);
  assert.ok(hop(node, 'service').rules!.includes('nat/KUBE-SERVICES'));
  const nodePort = await trace(c, { host: nodeIP(c, 'node-2'), port: svc(c, 'np').spec.ports[0].nodePort });
  assert.match(hop(nodePort, 'service').summary, /^kube-proxy \(iptables\)/, 'without the replacement Cilium balances cluster IPs only');
});

test('Cilium with kube-proxy: a pod reaching itself through its Service leaves with the service loopback address', async () => {
  const dp = new SimDataPlane(withProxy.objects, withProxy.config, { clock: new FixedClock(TEST_NOW) });
  const out = dp.connect({ from: { kind: 'pod', namespace: 'default', name: 'near' }, to: { ip: svc(withProxy, 'near').spec.clusterIP, port: 80 }, protocol: 'TCP' });
  assert.equal(out.kind, 'connected');
  const nat = out.hops.find((h) => h.nat)!.nat!;
  assert.deepEqual([nat.after.source, nat.snat], ['169.254.42.1', true]);
});

// traceConnection: the route per CNI mode (same node, across nodes with each encapsulation), the rules named as the
// rendered rulesets name them in each proxy mode, and each way a connection fails (policy, no endpoints, a wrong
// targetPort, nothing listening, ExternalName, DNS blocked), every failure naming the object responsible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../core/clock.js';
import type { KubeObject } from '../../core/types.js';
import { endpointChainName, serviceChainNames } from '../../proxy/backends/iptables/names.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../../testing/cluster.js';
import type { ConnectionSource } from '../types.js';
import { traceConnection, TraceInputError, type TraceCluster } from './connection-trace.js';
import { traceFixtureYaml } from './trace-fixtures.js';
import type { TraceHop, TraceReport, TraceRequest } from './trace-types.js';

const demo = clusterFromYaml(demoYaml());
const fixture = (cni = 'flannel', mode = 'vxlan', proxyMode = 'iptables', configExtra = '', docs = '') => clusterFromYaml(traceFixtureYaml(cni, mode, proxyMode, configExtra, docs));
const client: ConnectionSource = { kind: 'pod', namespace: 'default', name: 'client' };

function trace(c: TraceCluster, req: Partial<TraceRequest> & Pick<TraceRequest, 'host'>): Promise<TraceReport> {
  return traceConnection(c, { from: client, protocol: 'TCP', ...req }, { clock: new FixedClock(TEST_NOW) });
}

const hop = (r: TraceReport, stage: TraceHop['stage']): TraceHop => {
  const h = r.hops.find((x) => x.stage === stage);
  if (!h) assert.fail(`no ${stage} hop in ${r.hops.map((x) => x.stage).join(', ')}`);
  return h;
};
const nodeIP = (c: TraceCluster, name: string): string => find(c, 'Node', undefined, name).status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address;
const podIP = (c: TraceCluster, ns: string, name: string): string => find(c, 'Pod', ns, name).status.podIP;
const demoPod = (ns: string, prefix: string): KubeObject => list(demo, 'Pod', ns).find((p) => p.metadata.name.startsWith(prefix))!;
const fromPod = (p: KubeObject): ConnectionSource => ({ kind: 'pod', namespace: p.metadata.namespace!, name: p.metadata.name });

test('same node: the route stays on node-1, over the cni0 bridge, with no outer header, and the GET gets 200', async () => {
  const c = fixture();
  const r = await trace(c, { host: 'near', port: 80, http: { scheme: 'http', path: '/', host: 'near' } });
  assert.equal(r.verdict.result, 'connected');
  const route = hop(r, 'route');
  assert.match(route.summary, /same node node-1/);
  assert.match(route.summary, /bridge cni0/);
  assert.equal(route.encap, undefined);
  assert.deepEqual(r.verdict.http, { status: 200, reason: 'OK' });
  assert.deepEqual(r.hops.map((h) => h.stage), ['dns', 'source', 'service', 'nat', 'route', 'policy', 'deliver', 'reply', 'http']);
});

const crossNode = [
  { cni: 'flannel', mode: 'vxlan', encap: { type: 'vxlan', device: 'flannel.1', vni: 1, udpPort: 8472, overhead: 50, mtu: 1450 } },
  { cni: 'flannel', mode: 'host-gw', route: /host-gw/ },
  { cni: 'calico', mode: 'bgp', route: /learned over BGP/ },
  { cni: 'calico', mode: 'ipip', encap: { type: 'ipip', device: 'tunl0', overhead: 20, mtu: 1480 } },
  { cni: 'calico', mode: 'vxlan', encap: { type: 'vxlan', device: 'vxlan.calico', vni: 4096, udpPort: 4789, overhead: 50, mtu: 1450 } },
  { cni: 'cilium', mode: 'vxlan', encap: { type: 'vxlan', device: 'cilium_vxlan', udpPort: 8472, overhead: 50, mtu: 1450 } },
  { cni: 'cilium', mode: 'native', route: /eBPF program forwards it by the native route/ },
  { cni: 'aws-vpc-cni', mode: 'native', route: /VPC fabric delivers it/ },
];

for (const k of crossNode)
  test(`across nodes under ${k.cni}/${k.mode}: ${k.encap ? `${k.encap.type} on ${k.encap.device}, outer node-1 → node-2` : 'no encapsulation'}`, async () => {
    const c = fixture(k.cni, k.mode);
    const r = await trace(c, { host: 'far', port: 80 });
    assert.equal(r.verdict.result, 'connected', r.verdict.message);
    const route = hop(r, 'route');
    if (k.encap) assert.deepEqual(route.encap, { ...k.encap, outerSource: nodeIP(c, 'node-1'), outerDestination: nodeIP(c, 'node-2') });
    else {
      assert.equal(route.encap, undefined);
      assert.match(route.summary, k.route!);
    }
    assert.deepEqual(route.objects, ['Node node-1', 'Node node-2']);
  });

test('iptables: the Service hop names KUBE-SERVICES, the port\'s KUBE-SVC- chain and the endpoint\'s KUBE-SEP- chain', async () => {
  const c = fixture();
  const r = await trace(c, { host: 'far', port: 80 });
  const svc = hop(r, 'service');
  const names = serviceChainNames('default/far', 'tcp');
  const endpoint = `${podIP(c, 'default', 'far')}:8080`;
  assert.equal(svc.service?.endpoint, endpoint);
  assert.deepEqual(svc.rules, ['nat/PREROUTING', 'nat/KUBE-SERVICES', `nat/${names.svc}`, `nat/${endpointChainName('default/far', 'tcp', endpoint)}`]);
});

test('nftables: the Service hop goes through the service-ips verdict map to the endpoint chain of the endpoint taken', async () => {
  const c = fixture('flannel', 'vxlan', 'nftables');
  const r = await trace(c, { host: 'far', port: 80 });
  const rules = hop(r, 'service').rules ?? [];
  assert.deepEqual(rules.slice(0, 3), ['nat-prerouting', 'services', '@service-ips']);
  assert.match(rules[rules.length - 1], new RegExp(`^endpoint-[A-Z0-9]{8}-default/far/tcp/__${podIP(c, 'default', 'far').replace(/\./g, '\\.')}/8080$`));
});

test('IPVS: the Service hop names the virtual server with its scheduler and the real server taken', async () => {
  const c = fixture('flannel', 'vxlan', 'ipvs');
  const r = await trace(c, { host: 'far', port: 80 });
  const vip = find(c, 'Service', 'default', 'far').spec.clusterIP;
  assert.deepEqual(hop(r, 'service').rules, [`TCP  ${vip}:80 rr`, `-> ${podIP(c, 'default', 'far')}:8080 Masq 1`]);
});

test('no endpoints: kube-proxy REJECTs, the rules end in the REJECT, and the Service is named', async () => {
  const r = await trace(fixture(), { host: 'nobody', port: 80 });
  assert.equal(r.verdict.result, 'refused');
  assert.equal(r.verdict.reason, 'NO_ENDPOINTS');
  const svc = hop(r, 'service');
  assert.equal(svc.rules?.[svc.rules.length - 1], 'REJECT');
  assert.ok(svc.objects.includes('Service default/nobody'));
});

test('a wrong targetPort: refused at the pod, and the deliver hop names the Service and its targetPort', async () => {
  const r = await trace(fixture(), { host: 'wrong-port', port: 80 });
  assert.equal(r.verdict.reason, 'PORT_UNREACHABLE');
  const d = r.hops[r.hops.length - 1];
  assert.equal(d.stage, 'deliver');
  assert.ok(d.objects.includes('Service default/wrong-port') && d.objects.includes('Pod default/near'));
  assert.match(d.details?.join('\n') ?? '', /targetPort 9090/);
  assert.match(r.verdict.message, /listens on 8080\/TCP/);
});

test('nothing listening on a pod port: refused, naming the pod and what it does listen on', async () => {
  const c = fixture();
  const r = await trace(c, { host: podIP(c, 'default', 'near'), port: 9999 });
  assert.equal(r.verdict.result, 'refused');
  assert.equal(r.hops.some((h) => h.stage === 'service'), false);
  assert.deepEqual(r.hops[r.hops.length - 1].objects, ['Pod default/near']);
  assert.match(r.verdict.message, /nothing in pod default\/near listens on 9999\/TCP/);
});

test('ExternalName: the DNS hop shows the CNAME and says flatnet has no internet, naming the Service', async () => {
  const r = await trace(fixture(), { host: 'ext', port: 80 });
  assert.equal(r.verdict.result, 'not-resolved');
  assert.equal(r.hops.length, 1);
  assert.ok(r.hops[0].objects.includes('Service default/ext'));
  assert.match(r.verdict.message, /CNAME example\.com\., and example\.com\. has no address: flatnet simulates no internet/);
});

test('ExternalName with spec.dns.externalNames: resolved outside the cluster, then unreachable there', async () => {
  const c = fixture('flannel', 'vxlan', 'iptables', '  dns: {externalNames: {example.com: 203.0.113.99}}\n');
  const r = await trace(c, { host: 'ext', port: 80 });
  assert.equal(r.target.ip, '203.0.113.99');
  assert.equal(r.verdict.result, 'unreachable');
  assert.match(r.verdict.message, /203\.0\.113\.99 is outside the cluster/);
});

test('a headless Service name resolves to its pods: the DNS hop lists them and the trace reaches the first', async () => {
  const r = await traceConnection(demo, { from: fromPod(demoPod('default', 'debug')), host: 'my-statefulset-headless', port: 80, protocol: 'TCP' }, { clock: new FixedClock(TEST_NOW) });
  const ips = list(demo, 'Pod', 'default').filter((p) => p.metadata.name.startsWith('my-statefulset-')).map((p) => p.status.podIP).sort();
  assert.match(r.hops[0].summary, /2 addresses/);
  assert.ok(ips.includes(r.target.ip!));
  assert.equal(r.hops.some((h) => h.stage === 'service'), false, 'no VIP, no kube-proxy');
  assert.equal(r.verdict.result, 'connected');
});

test('NodePort from outside: DNAT and masquerade on the entry node, undone on the reply', async () => {
  const c = fixture();
  const nodePort = find(c, 'Service', 'default', 'np').spec.ports[0].nodePort;
  const r = await trace(c, { from: { kind: 'external', ip: '203.0.113.10' }, host: nodeIP(c, 'node-1'), port: nodePort });
  assert.equal(r.verdict.result, 'connected');
  const nat = hop(r, 'nat').nat!;
  assert.deepEqual([nat.snat, nat.before.source, nat.after.source], [true, '203.0.113.10', nodeIP(c, 'node-1')]);
  assert.equal(hop(r, 'service').service?.entry, 'nodePort');
  assert.ok(hop(r, 'service').rules?.includes('nat/KUBE-NODEPORTS'));
  assert.match(hop(r, 'reply').summary, /un-SNATs the destination .* → 203\.0\.113\.10/);
});

test('LoadBalancer from outside: the load-balancer IP is a Service entry on the first node', async () => {
  const c = fixture();
  const lbIP = find(c, 'Service', 'default', 'lb').status.loadBalancer.ingress[0].ip;
  const r = await trace(c, { from: { kind: 'external', ip: '203.0.113.10' }, host: lbIP, port: 80 });
  assert.equal(r.verdict.result, 'connected', r.verdict.message);
  assert.equal(hop(r, 'service').service?.entry, 'loadBalancerIP');
});

test('monitoring → backend: dropped by ingress policy, the policy hop naming deny-all-ingress', async () => {
  const r = await traceConnection(demo, { from: fromPod(demoPod('production', 'monitoring')), host: 'backend', port: 8080, protocol: 'TCP' }, { clock: new FixedClock(TEST_NOW) });
  assert.equal(r.verdict.result, 'timeout');
  assert.equal(r.verdict.reason, 'POLICY_DENIED');
  const p = hop(r, 'policy');
  assert.ok(p.objects.includes('NetworkPolicy production/deny-all-ingress'));
  assert.deepEqual([p.policy?.ingress.isolated, p.policy?.ingress.allowed], [true, false]);
});

test('an egress policy without port 53 breaks the lookup itself: the DNS hop names the policy', async () => {
  const deny = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: no-egress, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n---\n';
  const r = await trace(fixture('calico', 'bgp', 'iptables', '', deny), { host: 'far', port: 80 });
  assert.deepEqual([r.verdict.result, r.verdict.reason], ['timeout', 'POLICY_DENIED']);
  assert.equal(r.hops.length, 1);
  assert.match(r.hops[0].summary, /10\.96\.0\.10:53\/UDP never gets an answer/);
  assert.ok(r.hops[0].objects.includes('NetworkPolicy default/no-egress'));
});

test('a seed draws the endpoint at random in iptables mode, the same seed the same endpoint', async () => {
  const debug = fromPod(demoPod('default', 'debug'));
  const pick = async (seed: number, c: TraceCluster = demo) => (await traceConnection(c, { from: debug, host: 'my-api', port: 80, protocol: 'TCP', seed }, { clock: new FixedClock(TEST_NOW) })).hops.find((h) => h.service)!.service!.endpoint;
  const picks = await Promise.all(Array.from({ length: 12 }, (_, i) => pick(i)));
  assert.equal(new Set(picks).size, 2, `12 seeds reach both endpoints: ${picks.join(' ')}`);
  assert.equal(await pick(7), picks[7]);
});

test('with no port, a Service\'s only port is assumed and said; an address of no Service is a usage error', async () => {
  const c = fixture();
  const r = await trace(c, { host: 'far' });
  assert.equal(r.target.port, 80);
  assert.match(hop(r, 'source').details?.join('\n') ?? '', /port 80: the only TCP port of Service default\/far/);
  await assert.rejects(trace(c, { host: podIP(c, 'default', 'near') }), TraceInputError);
});

test('every failed trace names an object in its last hop', async () => {
  const c = fixture();
  for (const req of [{ host: 'nobody', port: 80 }, { host: 'wrong-port', port: 80 }, { host: podIP(c, 'default', 'near'), port: 9999 }, { host: 'ext', port: 80 }]) {
    const r = await trace(c, req);
    assert.equal(r.verdict.connected, false);
    assert.ok(r.hops[r.hops.length - 1].objects.length > 0, `${req.host}: ${r.verdict.message}`);
  }
});

test('under IPVS the seed does not apply (rr takes real servers in turn), and the trace says so', async () => {
  const r = await trace(fixture('flannel', 'vxlan', 'ipvs'), { host: 'far', port: 80, seed: 3 });
  assert.match(hop(r, 'service').details?.join('\n') ?? '', /rr scheduler takes real servers in turn, so --seed does not change its choice/);
  const unseeded = await trace(fixture('flannel', 'vxlan', 'ipvs'), { host: 'far', port: 80 });
  assert.equal(hop(unseeded, 'service').details, undefined);
});

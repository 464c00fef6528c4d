// `flatnet trace`: golden transcripts for the demo's walkthrough connections and for each case of the trace fixture
// (same node, across nodes per CNI mode, each proxy mode's rules, each failure), exit codes, JSON, and usage errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { FixedClock } from '../../core/clock.js';
import { ciliumKprFixtureYaml, traceFixtureYaml } from '../../dataplane/trace/trace-fixtures.js';
import { clusterFromYaml, find, REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';
import { UsageError } from './load.js';
import { runTrace, type TraceArgs } from './trace.js';

const GOLDEN = fileURLToPath(new URL('../../../../src/frontends/cli/testdata/trace/', import.meta.url));
const DEMO = `${REPO_ROOT}examples/demo`;

async function trace(args: Omit<TraceArgs, 'filename'> & { filename?: string[] }, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (s: string) => (stdout += s), stderr: (s: string) => (stderr += s), readStdin: async () => stdin, clock: new FixedClock(TEST_NOW) };
  const code = await runTrace({ filename: [DEMO], ...args }, io);
  return { code, stdout, stderr };
}

const fx = (cni: string, mode: string, proxyMode = 'iptables') => ({ filename: ['-'], stdin: traceFixtureYaml(cni, mode, proxyMode) });
const kprFx = (mode: 'vxlan' | 'native') => ({ filename: ['-'], stdin: ciliumKprFixtureYaml(mode) });
const fixture = clusterFromYaml(traceFixtureYaml('flannel', 'vxlan'));
const kpr = clusterFromYaml(ciliumKprFixtureYaml('vxlan'));
const kprNodePort = String(find(kpr, 'Service', 'default', 'np').spec.ports[0].nodePort);
const kprNode1 = find(kpr, 'Node', undefined, 'node-1').status.addresses[0].address as string;
const nodePort = String(find(fixture, 'Service', 'default', 'np').spec.ports[0].nodePort);
const node1 = find(fixture, 'Node', undefined, 'node-1').status.addresses[0].address as string;
const lbIP = find(fixture, 'Service', 'default', 'lb').status.loadBalancer.ingress[0].ip as string;
const nearIP = find(fixture, 'Pod', 'default', 'near').status.podIP as string;
const farIP = find(fixture, 'Pod', 'default', 'far').status.podIP as string;

const cases: { golden: string; args: Omit<TraceArgs, 'filename'>; input?: { filename: string[]; stdin: string }; code: number }[] = [
  { golden: 'demo-debug-my-api.txt', args: { from: 'deploy/debug', target: 'http://my-api/' }, code: 0 },
  { golden: 'demo-frontend-backend-health.txt', args: { from: 'deploy/frontend', target: 'http://backend:8080/health', namespace: 'production' }, code: 0 },
  { golden: 'demo-monitoring-backend-denied.txt', args: { from: 'production/deploy/monitoring', target: 'http://backend:8080/health' }, code: 1 },
  { golden: 'demo-headless.txt', args: { from: 'deploy/debug', target: 'my-statefulset-headless', port: '80' }, code: 0 },
  { golden: 'demo-pod1-localhost.txt', args: { from: 'pod1', target: 'http://127.0.0.1/' }, code: 0 },
  { golden: 'same-node.txt', args: { from: 'client', target: 'http://near/' }, input: fx('flannel', 'vxlan'), code: 0 },
  { golden: 'cross-node-flannel-vxlan.txt', args: { from: 'client', target: 'far:80' }, input: fx('flannel', 'vxlan'), code: 0 },
  { golden: 'cross-node-calico-bgp.txt', args: { from: 'client', target: 'far:80' }, input: fx('calico', 'bgp'), code: 0 },
  { golden: 'cross-node-calico-ipip.txt', args: { from: 'client', target: 'far:80' }, input: fx('calico', 'ipip'), code: 0 },
  { golden: 'cross-node-calico-vxlan.txt', args: { from: 'client', target: 'far:80' }, input: fx('calico', 'vxlan'), code: 0 },
  { golden: 'cross-node-cilium-vxlan.txt', args: { from: 'client', target: 'far:80' }, input: fx('cilium', 'vxlan'), code: 0 },
  { golden: 'cross-node-aws-vpc-cni.txt', args: { from: 'client', target: 'far:80' }, input: fx('aws-vpc-cni', 'native'), code: 0 },
  { golden: 'nftables-rules.txt', args: { from: 'client', target: 'far:80' }, input: fx('flannel', 'vxlan', 'nftables'), code: 0 },
  { golden: 'ipvs-rules.txt', args: { from: 'client', target: 'far:80' }, input: fx('flannel', 'vxlan', 'ipvs'), code: 0 },
  { golden: 'no-endpoints.txt', args: { from: 'client', target: 'nobody:80' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'no-endpoints-nftables.txt', args: { from: 'client', target: 'nobody:80' }, input: fx('flannel', 'vxlan', 'nftables'), code: 1 },
  { golden: 'wrong-target-port.txt', args: { from: 'client', target: 'wrong-port:80' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'nothing-listening.txt', args: { from: 'client', target: nearIP, port: '9999' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'service-without-the-port.txt', args: { from: 'client', target: 'near.default.svc.cluster.local', port: '9999' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'external-name.txt', args: { from: 'client', target: 'http://ext/' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'nodeport-from-external.txt', args: { from: 'external', target: `${node1}:${nodePort}` }, input: fx('flannel', 'vxlan'), code: 0 },
  { golden: 'loadbalancer-from-external.txt', args: { from: 'external', target: `http://${lbIP}/` }, input: fx('flannel', 'vxlan'), code: 0 },
  { golden: 'node-resolves-no-cluster-names.txt', args: { from: 'node/node-2', target: 'far', port: '80' }, input: fx('flannel', 'vxlan'), code: 1 },
  { golden: 'node-to-pod.txt', args: { from: 'node/node-2', target: `http://${farIP}:8080/` }, input: fx('flannel', 'vxlan'), code: 0 },
  { golden: 'udp-to-kube-dns.txt', args: { from: 'client', target: '10.96.0.10:53', protocol: 'udp' }, input: fx('calico', 'vxlan'), code: 0 },
  { golden: 'cilium-kpr-same-node.txt', args: { from: 'client', target: 'http://near/' }, input: kprFx('vxlan'), code: 0 },
  { golden: 'cilium-kpr-cross-node-native.txt', args: { from: 'client', target: 'far:80' }, input: kprFx('native'), code: 0 },
  { golden: 'cilium-kpr-nodeport-from-external.txt', args: { from: 'external', target: `${kprNode1}:${kprNodePort}` }, input: kprFx('vxlan'), code: 0 },
  { golden: 'cilium-kpr-no-endpoints.txt', args: { from: 'client', target: 'nobody:80' }, input: kprFx('vxlan'), code: 1 },
];

for (const c of cases)
  test(`trace ${c.args.from} ${c.args.target} matches ${c.golden} and exits ${c.code}`, async () => {
    const r = await trace({ ...c.args, ...(c.input ? { filename: c.input.filename } : {}) }, c.input?.stdin);
    assert.equal(r.stderr, '');
    assertGolden(`${GOLDEN}${c.golden}`, r.stdout);
    assert.equal(r.code, c.code);
    assert.match(r.stdout.trimEnd().split('\n').pop()!, c.code === 0 ? /^verdict: CONNECTED/ : /^verdict: (REFUSED|DROPPED|UNREACHABLE|NOT RESOLVED)/);
  });

test('trace -o json is the same report as a stable document', async () => {
  const r = await trace({ from: 'production/deploy/monitoring', target: 'backend', port: '8080', output: 'json' });
  assertGolden(`${GOLDEN}demo-monitoring-backend-denied.json`, r.stdout);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc), ['from', 'target', 'hops', 'verdict']);
  assert.deepEqual([doc.verdict.result, doc.verdict.reason, doc.verdict.connected], ['timeout', 'POLICY_DENIED', false]);
  assert.equal(doc.hops[0].stage, 'dns');
  assert.equal(r.code, 1);
});

const usage = [
  { name: 'an unknown protocol', args: { from: 'client', target: 'far', protocol: 'ICMP' }, message: /--protocol "ICMP"/ },
  { name: 'a URL over UDP', args: { from: 'client', target: 'http://far/', protocol: 'udp' }, message: /a URL is reached over TCP, not UDP/ },
  { name: 'a --port contradicting the target', args: { from: 'client', target: 'far:80', port: '81' }, message: /--port 81 contradicts the port 80 of TARGET/ },
  { name: 'a pod that does not exist', args: { from: 'ghost', target: 'far' }, message: /FROM "ghost": Pod default\/ghost not found/ },
  { name: 'a node that does not exist', args: { from: 'node/node-9', target: 'far' }, message: /node "node-9" not found/ },
  { name: 'no port and no Service to take it from', args: { from: 'client', target: '10.244.0.99' }, message: /no port given/ },
  { name: 'a target that is no name', args: { from: 'client', target: 'a..b' }, message: /has an empty label/ },
  { name: 'a pod-CIDR address no pod has', args: { from: '10.244.0.250', target: 'far' }, message: /FROM "10\.244\.0\.250": no running pod has this address/ },
  { name: 'an entry node for a source inside the cluster', args: { from: 'client', target: 'far', entryNode: 'node-1' }, message: /--entry-node: only an external source/ },
];

for (const u of usage)
  test(`trace: ${u.name} is a usage error`, async () => {
    const input = fx('flannel', 'vxlan');
    await assert.rejects(trace({ ...u.args, filename: input.filename }, input.stdin), (e: Error) => e instanceof UsageError && u.message.test(e.message));
  });

// `flatnet get` on the demo cluster: golden tables for every kind, and kubectl's behaviour at the edges.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runCli } from '../../testing/cli.js';
import { assertGolden } from '../../testing/golden.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const GOLDEN = join(REPO_ROOT, 'src/frontends/cli/testdata/demo');

const goldenCases = [
  { name: 'pods-all-wide', args: ['pods', '-A', '-o', 'wide'] },
  { name: 'services-all-wide', args: ['svc', '-A', '-o', 'wide'] },
  { name: 'nodes-wide', args: ['nodes', '-o', 'wide'] },
  { name: 'namespaces', args: ['ns'] },
  { name: 'endpoints-all', args: ['endpoints', '-A'] },
  { name: 'endpointslices-all', args: ['endpointslices', '-A'] },
  { name: 'workloads-all-wide', args: ['deploy,rs,sts,ds', '-A', '-o', 'wide'] },
  { name: 'ingress-netpol-all', args: ['ingress,ingressclass,netpol', '-A'] },
  { name: 'ingress', args: ['ingress'] },
  { name: 'kube-dns-pods', args: ['pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns'] },
  { name: 'kube-dns-service', args: ['svc', 'kube-dns', '-n', 'kube-system'] },
  { name: 'my-api-service-yaml', args: ['svc', 'my-api', '-o', 'yaml'] },
  { name: 'pods-name', args: ['pods', '-o', 'name'] },
  { name: 'all', args: ['all'] },
];

for (const tc of goldenCases) {
  test(`get ${tc.args.join(' ')} on the demo matches its golden file`, async () => {
    const r = await runCli(['get', ...tc.args, '-f', DEMO]);
    assert.equal(r.code, 0, r.stderr);
    assertGolden(join(GOLDEN, `${tc.name}.txt`), r.stdout);
  });
}

test('the demo has the shape the introductions state', async () => {
  const pods = JSON.parse((await runCli(['get', 'pods', '-A', '-o', 'json', '-f', DEMO])).stdout).items;
  const nodes = JSON.parse((await runCli(['get', 'nodes', '-o', 'json', '-f', DEMO])).stdout).items;
  const cidr = new Map(nodes.map((n: any) => [n.metadata.name, n.spec.podCIDR]));
  assert.deepEqual([...cidr.entries()], [['control-plane', '10.244.0.0/24'], ['node-1', '10.244.1.0/24'], ['node-2', '10.244.2.0/24']]);
  for (const p of pods) {
    if (p.spec.hostNetwork) continue;
    const prefix = (cidr.get(p.spec.nodeName) as string).replace(/0\/24$/, '');
    assert.ok(p.status.podIP.startsWith(prefix), `${p.metadata.name} ${p.status.podIP} in ${cidr.get(p.spec.nodeName)}`);
    assert.equal(p.status.podIP, p.status.podIPs[0].ip);
  }
  const myApi = pods.filter((p: any) => p.metadata.labels.app === 'my-api');
  assert.deepEqual(myApi.map((p: any) => p.spec.nodeName).sort(), ['node-1', 'node-2'], 'two replicas, one per worker');
  const cm = JSON.parse((await runCli(['get', 'cm', 'kube-proxy', '-n', 'kube-system', '-o', 'json', '-f', DEMO])).stdout);
  assert.match(cm.data['config.conf'], /^mode: "iptables"$/m);
  const pod1 = pods.find((p: any) => p.metadata.name === 'pod1');
  assert.deepEqual(pod1.spec.containers.map((c: any) => c.name), ['container1', 'container2', 'nginx']);
});

test("the demo Ingress's ADDRESS is the LB IP of the ingress-nginx controller Service (--publish-service)", async () => {
  const svc = JSON.parse((await runCli(['get', 'svc', 'ingress-nginx-controller', '-n', 'ingress-nginx', '-o', 'json', '-f', DEMO])).stdout);
  const lbIP = svc.status.loadBalancer.ingress[0].ip;
  assert.match(lbIP, /^127\.1\.0\.\d+$/, 'an address from the demo loadBalancerPool');
  const table = (await runCli(['get', 'ingress', 'app-ingress', '-f', DEMO])).stdout.split('\n');
  const header = table[0];
  assert.equal(table[1].slice(header.indexOf('ADDRESS')).split(/\s+/)[0], lbIP);
});

test('output is byte-identical across runs', async () => {
  const a = await runCli(['get', 'all', '-A', '-o', 'yaml', '-f', DEMO]);
  const b = await runCli(['get', 'all', '-A', '-o', 'yaml', '-f', DEMO]);
  assert.equal(a.stdout, b.stdout);
  assert.ok(a.stdout.length > 10000);
});

const edgeCases = [
  { name: 'an empty namespace says so on stderr and exits 0', args: ['get', 'pods', '-n', 'nosuch'], code: 0, stdout: '', stderr: 'No resources found in nosuch namespace.\n' },
  { name: 'a missing object is kubectl\'s NotFound and exits 1', args: ['get', 'pod', 'nope'], code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' },
  { name: 'a missing grouped object names the group', args: ['get', 'deploy', 'nope'], code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' },
  { name: 'an unknown resource type is a usage error', args: ['get', 'widgets'], code: 2, stdout: '', stderr: 'error: the server doesn\'t have a resource type "widgets"\n' },
  { name: 'an unknown output format is a usage error', args: ['get', 'pods', '-o', 'xml'], code: 2, stdout: '', stderr: 'error: unable to match a printer suitable for the output format "xml", allowed formats are: wide,yaml,json,name\n' },
];

for (const tc of edgeCases) {
  test(tc.name, async () => {
    const r = await runCli([...tc.args, '-f', DEMO]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [tc.code, tc.stdout, tc.stderr]);
  });
}

test('no -f is a usage error naming the flag', async () => {
  const r = await runCli(['get', 'pods']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no input: give manifests with -f PATH/);
});

test('manifests can come from stdin', async () => {
  const yaml = readFileSync(join(DEMO, 'cache.yaml'), 'utf8');
  const r = await runCli(['get', 'svc', '-n', 'cache', '-f', '-'], yaml);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^redis\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+6379\/TCP\s+0s$/m);
});

test('bad input reports every error with file, document, object, field and rule, exits 2 and prints nothing else', async () => {
  const bad = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 70000, protocol: TCPX}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: Web_App}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: c, image: nginx}]}
`;
  const r = await runCli(['get', 'pods', '-f', '-'], bad);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.includes('<stdin> doc 1: Service default/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'), r.stderr);
  assert.ok(lines.some((l) => l.startsWith('<stdin> doc 1: Service default/web: spec.ports[0].protocol: Unsupported value: "TCPX"')), r.stderr);
  assert.ok(lines.some((l) => l.startsWith('<stdin> doc 2: Deployment default/Web_App: metadata.name: Invalid value: "Web_App"')), r.stderr);
  assert.ok(lines.some((l) => l.startsWith('<stdin> doc 2: Deployment default/Web_App: spec.template.metadata.labels: Invalid value')), r.stderr);
  assert.match(lines[lines.length - 1], /^\d+ error\(s\) in the input$/);
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});

test('malformed YAML names the file, document and line', async () => {
  const r = await runCli(['get', 'pods', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^<stdin> doc 1 \(line \d+\): YAML syntax error/m);
});

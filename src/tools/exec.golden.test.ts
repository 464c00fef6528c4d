// Golden transcripts of the seed walkthroughs' `kubectl exec` commands, run as `flatnet exec` on examples/demo with a
// fixed clock, plus the facts each transcript must show whatever the golden file says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FixedClock } from '../core/clock.js';
import { runExec, type ExecArgs } from '../frontends/cli/exec.js';
import { REPO_ROOT, TEST_NOW } from '../testing/cluster.js';
import { assertGolden } from '../testing/golden.js';
import { demoCluster, podNamed } from './exec-fixtures.js';

const DEMO = join(REPO_ROOT, 'examples', 'demo');
const GOLDEN = join(REPO_ROOT, 'src', 'tools', 'testdata', 'walkthroughs');

async function flatnetExec(args: Omit<ExecArgs, 'filename'>): Promise<{ stdout: string; stderr: string; code: number; transcript: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runExec({ ...args, filename: [DEMO] }, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), readStdin: async () => '', clock: new FixedClock(TEST_NOW) });
  const cmd = ['flatnet exec', ...(args.namespace ? ['-n', args.namespace] : []), args.pod, ...(args.container ? ['-c', args.container] : []), '--', ...args.argv].join(' ');
  return { stdout, stderr, code, transcript: `$ ${cmd}\n--- stdout\n${stdout}--- stderr\n${stderr}--- exit ${code}\n` };
}

const cluster = demoCluster('');
const pod2IP = podNamed(cluster, 'default', 'pod2').status.podIP as string;
const pod1IP = podNamed(cluster, 'default', 'pod1').status.podIP as string;
const myApiIP = cluster.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'my-api')!.spec.clusterIP as string;
const redisIP = cluster.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'redis')!.spec.clusterIP as string;
const headlessIPs = podNamed(cluster, 'default', 'my-statefulset-0') && ['my-statefulset-0', 'my-statefulset-1'].map((n) => podNamed(cluster, 'default', n).status.podIP as string);

const cases: { name: string; args: Omit<ExecArgs, 'filename'>; check: (r: { stdout: string; stderr: string; code: number }) => void }[] = [
  {
    name: 'nslookup-my-api',
    args: { pod: 'deploy/debug', argv: ['nslookup', 'my-api'] },
    check: (r) => assert.match(r.stdout, new RegExp(`Name:\\tmy-api\\.default\\.svc\\.cluster\\.local\\nAddress: ${myApiIP.replace(/\./g, '\\.')}\\n`)),
  },
  {
    name: 'nslookup-redis-fqdn',
    args: { pod: 'deploy/debug', argv: ['nslookup', 'redis.cache.svc.cluster.local'] },
    check: (r) => assert.ok(r.stdout.includes(`Address: ${redisIP}\n`) && r.code === 0, r.stdout),
  },
  {
    name: 'cat-resolv-conf',
    args: { pod: 'deploy/debug', argv: ['cat', '/etc/resolv.conf'] },
    check: (r) => assert.equal(r.stdout, 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'),
  },
  {
    name: 'nslookup-headless',
    args: { pod: 'deploy/debug', argv: ['nslookup', 'my-statefulset-headless'] },
    check: (r) => {
      const addresses = [...r.stdout.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
      assert.deepEqual([...addresses].sort(), [...headlessIPs].sort(), 'one Address per ready pod, no ClusterIP');
    },
  },
  {
    // busybox ≥ 1.29 asks a dotted name only as is (nslookup.c add_query_with_search): kubernetes.default fails.
    name: 'nslookup-kubernetes-default-busybox',
    args: { pod: 'deploy/debug', argv: ['nslookup', 'kubernetes.default'] },
    check: (r) => assert.ok(r.stdout.includes("** server can't find kubernetes.default: NXDOMAIN") && r.code === 1, r.stdout),
  },
  {
    name: 'curl-frontend-to-backend',
    args: { namespace: 'production', pod: 'deploy/frontend', argv: ['curl', '-s', '--max-time', '3', 'http://backend:8080/health'] },
    check: (r) => assert.deepEqual([r.stdout.trimEnd(), r.code], ['{"status":"ok"}', 0]),
  },
  {
    // -s hides curl's error message (tool_operate.c: printed only when !silent or --show-error); the code stays.
    name: 'curl-monitoring-blocked',
    args: { namespace: 'production', pod: 'deploy/monitoring', argv: ['curl', '-s', '--max-time', '3', 'http://backend:8080/health'] },
    check: (r) => assert.deepEqual([r.stdout, r.code, /command terminated with exit code 28\n$/.test(r.stderr)], ['', 28, true]),
  },
  {
    name: 'curl-monitoring-blocked-show-error',
    args: { namespace: 'production', pod: 'deploy/monitoring', argv: ['curl', '-sS', '--max-time', '3', 'http://backend:8080/health'] },
    check: (r) => assert.match(r.stderr, /^curl: \(28\) Connection timed out after 300\d milliseconds\n/),
  },
  {
    name: 'ip-addr-container1',
    args: { pod: 'pod1', container: 'container1', argv: ['ip', 'addr'] },
    check: (r) => assert.ok(r.stdout.includes(`inet ${pod1IP}/`) && r.stdout.includes('inet 127.0.0.1/8 scope host lo'), r.stdout),
  },
  {
    name: 'ip-addr-container2',
    args: { pod: 'pod1', container: 'container2', argv: ['ip', 'addr'] },
    check: (r) => assert.ok(r.stdout.includes(`inet ${pod1IP}/`) && /\d+: eth0@if\d+:/.test(r.stdout), r.stdout),
  },
  {
    name: 'curl-localhost-sibling-nginx',
    args: { pod: 'pod1', container: 'container1', argv: ['curl', '-s', 'localhost:80'] },
    check: (r) => assert.ok(r.stdout.includes('<title>Welcome to nginx!</title>') && r.code === 0, r.stdout),
  },
  {
    name: 'curl-pod2-verbose',
    args: { pod: 'pod1', container: 'container1', argv: ['curl', '-s', `${pod2IP}:80`, '-vvv'] },
    check: (r) => {
      for (const line of [`* Connected to ${pod2IP} (${pod2IP}) port 80`, '< HTTP/1.1 200 OK\r\n', '< Server: nginx/1.27.0\r\n']) assert.ok(r.stderr.includes(line), `${line} in\n${r.stderr}`);
      assert.ok(r.stdout.includes('<title>Welcome to nginx!</title>'));
    },
  },
];

for (const c of cases)
  test(`walkthrough: ${c.name}`, async () => {
    const r = await flatnetExec(c.args);
    c.check(r);
    assertGolden(join(GOLDEN, `${c.name}.txt`), r.transcript);
  });

test('walkthrough: both sidecar containers see the same eth0, address and MAC (one network namespace)', async () => {
  const a = await flatnetExec({ pod: 'pod1', container: 'container1', argv: ['ip', 'addr'] });
  const b = await flatnetExec({ pod: 'pod1', container: 'container2', argv: ['ip', 'addr'] });
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /link\/ether [0-9a-f:]{17}/);
});

test('exec without -c in a multi-container pod says which container kubectl defaulted to', async () => {
  const r = await flatnetExec({ pod: 'pod1', argv: ['hostname'] });
  assert.deepEqual([r.stdout, r.stderr], ['pod1\n', 'Defaulted container "container1" out of: container1, container2, nginx\n']);
});

test('exec errors carry kubectl\'s wording and exit 1', async () => {
  const cases = [
    { args: { pod: 'nosuch', argv: ['true'] }, want: 'Error from server (NotFound): pods "nosuch" not found\n' },
    { args: { pod: 'deploy/nosuch', argv: ['true'] }, want: 'Error from server (NotFound): deployments.apps "nosuch" not found\n' },
    { args: { pod: 'pod1', container: 'nosuch', argv: ['true'] }, want: 'Error from server (BadRequest): container nosuch is not valid for pod pod1\n' },
  ];
  for (const c of cases) {
    const r = await flatnetExec(c.args);
    assert.deepEqual([r.code, r.stderr, r.stdout], [1, c.want, '']);
  }
});

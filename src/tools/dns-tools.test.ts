// nslookup, dig and host emulations against the real tools: the real ones query flatnet's DNS server on loopback, the
// emulated ones query kube-dns from inside a pod of the same cluster; the outputs must agree once the server address,
// query ID and timings are normalised. Also the busybox vs BIND nslookup search behaviour inside pods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildClusterDns } from '../dns/cluster-dns.js';
import { DnsServer } from '../dns/server.js';
import { demoCluster, execIn, podNamed } from './exec-fixtures.js';

const run = promisify(execFile);
const have = async (cmd: string, args: string[]) => run(cmd, args).then(() => false as const, (e: { code?: unknown }) => (e.code === 'ENOENT' ? `${cmd} is not installed (Debian bind9-dnsutils / busybox)` : false));
const NO_DIG = await have('dig', ['-v']);
const NO_BUSYBOX = await have('busybox', ['true']);

const cluster = demoCluster();
const netshoot = podNamed(cluster, 'default', 'netshoot');
const debug = podNamed(cluster, 'default', 'debug');
const myApiIP = cluster.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'my-api')!.spec.clusterIP as string;

async function real(cmd: string, args: string[]): Promise<{ stdout: string; code: number }> {
  return run(cmd, args).then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
}

/** What differs between a query to 127.0.0.1:PORT and one to 10.96.0.10:53 besides the server: IDs, times, dates. */
function normalize(s: string, server: string, port: number): string {
  return s
    .replace(/^; <<>> DiG .*\n/m, '')
    .replace(/^; \(1 server found\)\n/m, '')
    .replace(/id: \d+/, 'id: ID')
    .replace(/Query time: \d+ msec/, 'Query time: T msec')
    .replace(/^;; WHEN: .*$/m, ';; WHEN: W')
    .split(`${server}#${port}`)
    .join('SERVER#PORT')
    .split(`${server}:${port}`)
    .join('SERVER:PORT')
    .split(`(${server})`)
    .join('(SERVER)')
    .replace(/^(Server|Name):(\s+)\S+$/gm, '$1:$2SERVER');
}

test('dig, host and BIND nslookup in a pod print what the real tools print for the same answers', { skip: NO_DIG }, async (t) => {
  const server = await DnsServer.start(buildClusterDns(cluster.objects, cluster.config), { port: 0 });
  t.after(() => server.close());
  const p = String(server.port);
  const kubeDns = '10.96.0.10';
  const names = ['my-api.default.svc.cluster.local', 'nothere.default.svc.cluster.local', 'my-statefulset-headless.default.svc.cluster.local'];
  const cases = [
    ...names.map((n) => ({ tool: 'dig', real: ['@127.0.0.1', '-p', p, n], emulated: [`@${kubeDns}`, n] })),
    { tool: 'dig', real: ['@127.0.0.1', '-p', p, '+short', 'my-statefulset-headless.default.svc.cluster.local'], emulated: [`@${kubeDns}`, '+short', 'my-statefulset-headless.default.svc.cluster.local'] },
    { tool: 'dig', real: ['@127.0.0.1', '-p', p, '+noall', '+answer', '-t', 'SRV', '_web._tcp.my-statefulset-headless.default.svc.cluster.local'], emulated: [`@${kubeDns}`, '+noall', '+answer', '-t', 'SRV', '_web._tcp.my-statefulset-headless.default.svc.cluster.local'] },
    { tool: 'dig', real: ['@127.0.0.1', '-p', p, '-x', myApiIP], emulated: [`@${kubeDns}`, '-x', myApiIP] },
    ...names.map((n) => ({ tool: 'nslookup', real: [`-port=${p}`, n, '127.0.0.1'], emulated: [n, kubeDns] })),
    { tool: 'nslookup', real: [`-port=${p}`, '-type=srv', '_web._tcp.my-statefulset-headless.default.svc.cluster.local', '127.0.0.1'], emulated: ['-type=srv', '_web._tcp.my-statefulset-headless.default.svc.cluster.local', kubeDns] },
    { tool: 'nslookup', real: [`-port=${p}`, kubeDns, '127.0.0.1'], emulated: [kubeDns, kubeDns] },
    ...names.map((n) => ({ tool: 'host', real: ['-p', p, n, '127.0.0.1'], emulated: [n, kubeDns] })),
    { tool: 'host', real: ['-p', p, myApiIP, '127.0.0.1'], emulated: [myApiIP, kubeDns] },
  ];
  for (const c of cases) {
    const want = await real(c.tool, c.real);
    const got = await execIn(cluster, netshoot, [c.tool, ...c.emulated]);
    const label = `${c.tool} ${c.emulated.join(' ')}`;
    assert.equal(got.exitCode, want.code, label);
    assert.equal(normalize(got.stdout, kubeDns, 53).replace('SERVER#PORT', 'SERVER#53'), normalize(want.stdout, '127.0.0.1', server.port).replace('SERVER#PORT', 'SERVER#53'), label);
  }
});

test('busybox nslookup with a server prints what busybox prints (the same applet source)', { skip: NO_BUSYBOX }, async (t) => {
  const server = await DnsServer.start(buildClusterDns(cluster.objects, cluster.config), { port: 0 });
  t.after(() => server.close());
  for (const n of ['my-api.default.svc.cluster.local', 'nothere.default.svc.cluster.local', 'my-statefulset-headless.default.svc.cluster.local']) {
    const want = await real('busybox', ['nslookup', `-port=${server.port}`, n, '127.0.0.1']);
    const got = await execIn(cluster, debug, ['nslookup', n, '10.96.0.10']);
    assert.equal(got.exitCode, want.code, n);
    assert.equal(normalize(got.stdout, '10.96.0.10', 53), normalize(want.stdout, '127.0.0.1', server.port), n);
  }
});

test('nslookup of a short name: busybox asks every search domain at once, BIND walks the list until one exists', async () => {
  const busybox = await execIn(cluster, debug, ['nslookup', 'my-api']);
  assert.equal(busybox.exitCode, 1, 'busybox exits 1 when any of its queries failed');
  assert.deepEqual([...busybox.stdout.matchAll(/^\*\* server can't find (\S+): NXDOMAIN$/gm)].map((m) => m[1]), ['my-api.svc.cluster.local', 'my-api.cluster.local', 'my-api.svc.cluster.local', 'my-api.cluster.local']);
  const bind = await execIn(cluster, netshoot, ['nslookup', 'my-api']);
  assert.deepEqual([bind.exitCode, bind.stdout], [0, `Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tmy-api.default.svc.cluster.local\nAddress: ${myApiIP}\n\n`]);
  const missing = await execIn(cluster, netshoot, ['nslookup', 'nothere']);
  assert.deepEqual([missing.exitCode, missing.stdout], [1, "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find nothere: NXDOMAIN\n\n"]);
});

test('dig +short, +search and the default no-search lookup from a pod', async () => {
  const cases = [
    { argv: ['dig', '+short', 'my-api.default.svc.cluster.local'], stdout: `${myApiIP}\n` },
    { argv: ['dig', '+short', '+search', 'my-api'], stdout: `${myApiIP}\n` },
    { argv: ['dig', '+short', 'my-api'], stdout: '' },
  ];
  for (const c of cases) {
    const r = await execIn(cluster, netshoot, c.argv);
    assert.deepEqual([r.exitCode, r.stdout], [0, c.stdout], c.argv.join(' '));
  }
  const full = await execIn(cluster, netshoot, ['dig', '+search', 'my-api']);
  assert.match(full.stdout, /^;my-api\.default\.svc\.cluster\.local\. IN\tA$/m);
  assert.match(full.stdout, /^;; SERVER: 10\.96\.0\.10#53\(10\.96\.0\.10\) \(UDP\)$/m);
});

test('DNS tools in a pod whose egress to kube-dns is denied time out as the real ones do', async () => {
  const isolated = demoCluster(`apiVersion: v1
kind: Pod
metadata: {name: shoot, namespace: production, labels: {app: lonely}}
spec: {containers: [{name: s, image: nicolaka/netshoot}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: production}
spec: {podSelector: {matchLabels: {app: lonely}}, policyTypes: [Egress]}
`);
  const shoot = podNamed(isolated, 'production', 'shoot');
  const dig = await execIn(isolated, shoot, ['dig', 'my-api']);
  assert.equal(dig.exitCode, 9);
  assert.match(dig.stdout, /^;; communications error to 10\.96\.0\.10#53: timed out\n/);
  assert.match(dig.stdout, /;; no servers could be reached\n$/);
  const ns = await execIn(isolated, shoot, ['nslookup', 'backend']);
  assert.deepEqual([ns.exitCode, ns.stdout], [1, ';; connection timed out; no servers could be reached\n\n']);
  const curl = await execIn(isolated, shoot, ['curl', '-sS', '--max-time', '3', 'http://backend:8080/']);
  assert.deepEqual([curl.exitCode, curl.stderr], [28, 'curl: (28) Resolving timed out after 3002 milliseconds\n']);
});

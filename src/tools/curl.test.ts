// curl's emulation against the real curl on this machine (7.88.1, the version nginx's Debian image ships): the real
// curl talks over loopback to the simulated nginx of pod2, the emulated one from inside pod1; their outputs must match
// once addresses, ports and timings are normalised. Then the 8.x dialects and exit codes the real curl cannot show here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { FixedClock } from '../core/clock.js';
import type { HttpHeader } from '../dataplane/types.js';
import { SimDataPlane } from '../dataplane/sim/sim-data-plane.js';
import { serializeHttpResponse } from '../dataplane/sim/workloads/http-message.js';
import { TEST_NOW } from '../testing/cluster.js';
import { curlDialect } from './curl-output.js';
import { demoCluster, execIn, EXTRA_YAML, podNamed } from './exec-fixtures.js';

const run = promisify(execFile);
const REAL_CURL = await run('curl', ['--version']).then(
  (r) => (/^curl 7\.88\.1 /.test(r.stdout) ? false : `the comparison needs curl 7.88.1 (Debian bookworm); found ${r.stdout.split('\n')[0]}`),
  () => 'curl is not installed',
);

const cluster = demoCluster();
const pod1 = podNamed(cluster, 'default', 'pod1');
const pod2 = podNamed(cluster, 'default', 'pod2');
const pod2IP = pod2.status.podIP as string;

/** A loopback server answering every request with what the simulated nginx in pod2 answers to it. */
async function simulatedNginx(): Promise<Server> {
  const dp = new SimDataPlane(cluster.objects, cluster.config, { clock: new FixedClock(TEST_NOW) });
  const server = createServer((sock) => {
    let buf = '';
    sock.on('data', async (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line, ...rest] = buf.slice(0, end).split('\r\n');
      buf = buf.slice(end + 4);
      const [method, target, version] = line.split(' ');
      const headers = rest.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()] as HttpHeader);
      const out = dp.connect({ from: { kind: 'external', ip: '127.0.0.1' }, to: { ip: pod2IP, port: 80 }, protocol: 'TCP' });
      if (out.kind !== 'connected' || out.session.kind !== 'http') return sock.destroy();
      sock.write(serializeHttpResponse(await out.session.http({ method, target, version: version as 'HTTP/1.1', headers })));
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function realCurl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run('curl', args).then(
    (r) => ({ stdout: r.stdout, stderr: r.stderr, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );
}

/** Addresses, ports and elapsed times vary between the two runs; the words and layout must not. */
function normalize(s: string, addresses: string[]): string {
  let out = s;
  for (const a of addresses) out = out.split(a).join('ADDR');
  return out
    .replace(/ADDR:\d+/g, 'ADDR:PORT')
    .replace(/port \d+/g, 'port PORT')
    .replace(/after \d+ ms/g, 'after N ms')
    .replace(/(Date|Last-Modified): [^\r\n]*/g, '$1: D');
}

test('curl -v: the emulated exchange prints what the real curl prints against the same server', { skip: REAL_CURL }, async (t) => {
  const server = await simulatedNginx();
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const real = await realCurl(['-s', '-v', `http://127.0.0.1:${port}/`]);
  const emulated = await execIn(cluster, pod1, ['curl', '-s', '-v', `http://${pod2IP}/`], { container: 'nginx' });
  // The real URL names a port, so its Host header carries one; everything else must be identical.
  assert.equal(normalize(emulated.stderr, [pod2IP]), normalize(real.stderr, ['127.0.0.1']).replace('Host: ADDR:PORT', 'Host: ADDR'));
  assert.equal(emulated.stdout, real.stdout);
  assert.match(emulated.stderr, /^\* Connection #0 to host \S+ left intact$/m);
});

test('curl refused, unresolvable, -I, -w and the progress meter match the real curl', { skip: REAL_CURL }, async (t) => {
  const server = await simulatedNginx();
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const closed = await closedPort();
  const nginx = { container: 'nginx' };
  const cases = [
    { name: 'refused, -sS', real: ['-sS', `http://127.0.0.1:${closed}/`], emulated: ['-sS', `http://${pod2IP}:81/`] },
    { name: 'refused, -sv', real: ['-sv', `http://127.0.0.1:${closed}/`], emulated: ['-sv', `http://${pod2IP}:81/`] },
    { name: 'a name nobody resolves', real: ['-sS', 'http://flatnet-no-such-host.invalid/'], emulated: ['-sS', 'http://flatnet-no-such-host.invalid/'] },
    { name: 'HEAD with -I', real: ['-sI', `http://127.0.0.1:${port}/`], emulated: ['-sI', `http://${pod2IP}/`] },
    { name: '-i on a 404', real: ['-si', `http://127.0.0.1:${port}/nope`], emulated: ['-si', `http://${pod2IP}/nope`] },
    { name: '-f on a 404', real: ['-sSf', `http://127.0.0.1:${port}/nope`], emulated: ['-sSf', `http://${pod2IP}/nope`] },
    { name: '-o /dev/null -w', real: ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{content_type} %{num_redirects}\\n', `http://127.0.0.1:${port}/`], emulated: ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{content_type} %{num_redirects}\\n', `http://${pod2IP}/`] },
    { name: 'a POST with -d and -H', real: ['-sv', '-d', 'a=1', '-H', 'X-Test: yes', `http://127.0.0.1:${port}/`], emulated: ['-sv', '-d', 'a=1', '-H', 'X-Test: yes', `http://${pod2IP}/`] },
  ];
  for (const c of cases) {
    const real = await realCurl(c.real);
    const emulated = await execIn(cluster, pod1, ['curl', ...c.emulated], nginx);
    // How many once-a-second meter updates the real curl prints depends on how long this machine took (a slow lookup
    // of .invalid under load adds one); after normalising they are identical, so runs of them count as one.
    const fix = (s: string) =>
      normalize(s, [pod2IP, '127.0.0.1'])
        .replace(/Host: ADDR(:PORT)?/, 'Host: ADDR')
        .replace(/(\r[^\r\n]*)\1+/g, '$1');
    assert.deepEqual([emulated.exitCode, fix(emulated.stdout), fix(emulated.stderr)], [real.code, fix(real.stdout), fix(real.stderr)], c.name);
  }
  // The meter's numbers are timings and speeds: compare its layout with every number blanked.
  const meter = (s: string) => s.replace(/\d+[kMG]?/g, 'N').replace(/ +/g, ' ');
  const real = await realCurl(['-o', '/dev/null', `http://127.0.0.1:${port}/`]);
  const emulated = await execIn(cluster, pod1, ['curl', '-o', '/dev/null', `http://${pod2IP}/`], nginx);
  assert.equal(meter(emulated.stderr), meter(real.stderr));
});

test('curl exit codes: 6 unresolvable, 7 refused, 28 dropped with --max-time, 28 after the kernel\'s SYN timeout', async () => {
  const frontend = podNamed(cluster, 'production', 'frontend');
  const monitoring = podNamed(cluster, 'production', 'monitoring');
  const cases = [
    { pod: frontend, argv: ['curl', '-sS', 'http://nothere:8080/'], code: 6, stderr: /^curl: \(6\) Could not resolve host: nothere\n/ },
    { pod: frontend, argv: ['curl', '-sS', 'http://backend:9999/'], code: 28, stderr: /^curl: \(28\) Failed to connect to backend port 9999 after 127\d{3} ms: Couldn't connect to server\n/ },
    { pod: frontend, argv: ['curl', '-sS', `http://${pod2IP}:81/`], code: 7, stderr: /^curl: \(7\) Failed to connect to [\d.]+ port 81 after \d+ ms: Couldn't connect to server\n/ },
    { pod: monitoring, argv: ['curl', '-sS', '-m', '3', 'http://backend:8080/health'], code: 28, stderr: /^curl: \(28\) Connection timed out after 3002 milliseconds\n/ },
    { pod: monitoring, argv: ['curl', '-sS', '--connect-timeout', '1.5', 'http://backend:8080/health'], code: 28, stderr: /^curl: \(28\) Connection timed out after 1502 milliseconds\n/ },
    { pod: monitoring, argv: ['curl', '-s', 'http://backend:8080/health'], code: 28, stderr: /^$/ },
    { pod: monitoring, argv: ['curl', '--max-time=3', 'http://backend:8080/health'], code: 2, stderr: /^curl: option --max-time=3: is unknown\n/ },
    { pod: monitoring, argv: ['curl', '-sS', 'ftp://backend/'], code: 1, stderr: /^curl: \(1\) Protocol "ftp" not supported\n/ },
  ];
  for (const c of cases) {
    const r = await execIn(cluster, c.pod, c.argv);
    assert.equal(r.exitCode, c.code, c.argv.join(' '));
    assert.match(r.stderr, c.stderr, c.argv.join(' '));
  }
});

test('a server slower than --max-time ends in curl\'s operation timeout, at once', async () => {
  const slow = demoCluster(`${EXTRA_YAML}---\napiVersion: v1\nkind: Pod\nmetadata: {name: slow, annotations: {flatnet.dev/latency: 5s}}\nspec: {containers: [{name: web, image: nginx:1.27}]}\n`);
  const started = Date.now();
  const r = await execIn(slow, podNamed(slow, 'default', 'netshoot'), ['curl', '-sS', '--max-time', '2', `http://${podNamed(slow, 'default', 'slow').status.podIP}/`]);
  assert.ok(Date.now() - started < 2000, 'the simulated wait does not make the test wait');
  assert.deepEqual([r.exitCode, r.stderr], [28, 'curl: (28) Operation timed out after 2002 milliseconds with 0 bytes received\n']);
  const patient = await execIn(slow, podNamed(slow, 'default', 'netshoot'), ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${podNamed(slow, 'default', 'slow').status.podIP}/`]);
  assert.deepEqual([patient.exitCode, patient.stdout], [0, '200']);
});

test('curl 8.x -v lines follow the release that added each (lib/hostip.c, request.c, url.c, conncache.c)', async () => {
  const netshoot = podNamed(cluster, 'default', 'netshoot');
  const r = await execIn(cluster, netshoot, ['curl', '-sv', 'http://my-api/']);
  const ip = cluster.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'my-api')!.spec.clusterIP;
  const info = r.stderr.split('\n').filter((l) => l.startsWith('* '));
  assert.deepEqual(info.slice(0, 6), ['* Host my-api:80 was resolved.', '* IPv6: (none)', `* IPv4: ${ip}`, `*   Trying ${ip}:80...`, `* Connected to my-api (${ip}) port 80`, '* using HTTP/1.x']);
  assert.ok(r.stderr.includes('> User-Agent: curl/8.14.1\r\n> Accept: */*\r\n> \r\n* Request completely sent off\n'), r.stderr);
  const cases = [
    { version: '7.29.0', legacy: true, connectionId: true, resolved: false, sentOff: false, http1: false, closing: false },
    { version: '7.88.1', legacy: false, connectionId: true, resolved: false, sentOff: false, http1: false, closing: false },
    { version: '8.8.0', legacy: false, connectionId: false, resolved: true, sentOff: true, http1: false, closing: false },
    { version: '8.14.1', legacy: false, connectionId: false, resolved: true, sentOff: true, http1: true, closing: true },
  ];
  for (const c of cases) {
    const d = curlDialect(c.version);
    assert.deepEqual([d.legacy, d.connectionIdOnConnect, d.hostResolvedLines, d.requestSentOff, d.usingHttp1, d.lowercaseClosing], [c.legacy, c.connectionId, c.resolved, c.sentOff, c.http1, c.closing], c.version);
  }
});

test('curl -L follows a redirect and reports it in %{num_redirects}', async () => {
  const c = demoCluster(`${EXTRA_YAML}---\napiVersion: v1\nkind: Pod\nmetadata: {name: agn}\nspec: {containers: [{name: a, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec]}]}\n`);
  const ip = podNamed(c, 'default', 'agn').status.podIP;
  const r = await execIn(c, podNamed(c, 'default', 'netshoot'), ['curl', '-sL', '-w', ' %{num_redirects} %{url_effective}', `http://${ip}:8080/redirect?location=/hostname`]);
  assert.deepEqual([r.exitCode, r.stdout], [0, `agn 1 http://${ip}:8080/hostname`]);
});

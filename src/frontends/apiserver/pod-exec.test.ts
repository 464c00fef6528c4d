// The exec/attach/log subresources at the wire, in-process: the channel protocol as a raw WebSocket client sees it
// (subprotocol choice, v4, the exact Status on channel 3), the answers to kubectl's SPDY attempt, pods that cannot be
// streamed into, and an API server started without a runtime (it runs its own data plane, shared by exec and logs).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { FixedClock } from '../../core/clock.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';

let h: ApiHarness;
before(async () => {
  h = await startApiHarness({ paths: [join(REPO_ROOT, 'examples/demo')] }, new FixedClock(TEST_NOW));
});
after(() => h.dispose());

interface Session {
  protocol: string;
  frames: { channel: number; text: string }[];
  closeCode: number;
}

/** Opens an exec WebSocket offering `protocols`, sends `send` once open, and collects every frame until the close. */
function openExec(path: string, protocols: string[], send: Buffer[] = []): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.api.url.replace(/^https/, 'wss')}${path}`, protocols, { headers: { Authorization: `Bearer ${h.api.token}` }, rejectUnauthorized: false });
    const frames: Session['frames'] = [];
    ws.on('open', () => send.forEach((b) => ws.send(b)));
    ws.on('message', (d: Buffer) => frames.push({ channel: d[0], text: d.subarray(1).toString() }));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { statusCode: res.statusCode, body })));
    });
    ws.on('error', reject);
  });
}

const q = (argv: string[], extra = '') => `${argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')}&stdout=true&stderr=true${extra}`;

test('a v5 client gets stdout and stderr on channels 1 and 2, then the kubelet\'s NonZeroExitCode Status on 3, then close 1000', async () => {
  const argv = ['sh', '-c', 'echo out; echo err >&2; exit 3'];
  const s = await openExec(`/api/v1/namespaces/default/pods/pod1/exec?container=container1&${q(argv)}`, ['v5.channel.k8s.io']);
  assert.equal(s.protocol, 'v5.channel.k8s.io');
  assert.deepEqual(s.frames.slice(0, 2), [
    { channel: 1, text: 'out\n' },
    { channel: 2, text: 'err\n' },
  ]);
  assert.deepEqual(JSON.parse(s.frames[2].text), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  assert.deepEqual([s.frames[2].channel, s.frames.length, s.closeCode], [3, 3, 1000]);
});

test('a v4-only client is served v4; stdin over v4 is refused, having no end-of-input signal', async () => {
  const s = await openExec(`/api/v1/namespaces/default/pods/pod2/exec?${q(['hostname'])}`, ['v4.channel.k8s.io']);
  assert.deepEqual([s.protocol, s.frames], ['v4.channel.k8s.io', [{ channel: 1, text: 'pod2\n' }, { channel: 3, text: '{"metadata":{},"status":"Success"}' }]]);
  const i = await openExec(`/api/v1/namespaces/default/pods/pod2/exec?${q(['cat'], '&stdin=true')}`, ['v4.channel.k8s.io']);
  assert.equal(i.frames.length, 1);
  assert.deepEqual([i.frames[0].channel, JSON.parse(i.frames[0].text).reason], [3, 'BadRequest']);
});

test('stdin is read until the v5 CLOSE signal; channel-0 frames split anywhere are joined', async () => {
  const send = [Buffer.from([0, ...Buffer.from('li')]), Buffer.from([0, ...Buffer.from('ne\n')]), Buffer.from([4, ...Buffer.from('{"Width":80,"Height":24}')]), Buffer.from([255, 0])];
  const s = await openExec(`/api/v1/namespaces/default/pods/pod2/exec?${q(['cat'], '&stdin=true')}`, ['v5.channel.k8s.io'], send);
  assert.deepEqual(s.frames, [{ channel: 1, text: 'line\n' }, { channel: 3, text: '{"metadata":{},"status":"Success"}' }]);
});

test('a TTY merges stderr into stdout with CRLF line ends', async () => {
  const s = await openExec(`/api/v1/namespaces/default/pods/pod2/exec?${q(['sh', '-c', 'echo a; echo b >&2'], '&tty=true').replace('&stderr=true', '')}`, ['v5.channel.k8s.io'], [Buffer.from([4, ...Buffer.from('{"Width":80,"Height":24}')])]);
  assert.deepEqual(s.frames.map((f) => [f.channel, f.text]), [[1, 'a\r\n'], [1, 'b\r\n'], [3, '{"metadata":{},"status":"Success"}']]);
});

test('no served subprotocol, an unknown or unnamed container, or no such pod: refused before the upgrade, with kube-apiserver\'s Status', async () => {
  const cases = [
    { path: `/api/v1/namespaces/default/pods/pod2/exec?${q(['true'])}`, protocols: ['v1.channel.k8s.io'], code: 400, message: 'none of the offered WebSocket subprotocols [v1.channel.k8s.io] is served; flatnet serves v5.channel.k8s.io, v4.channel.k8s.io' },
    { path: `/api/v1/namespaces/default/pods/pod1/exec?container=nosuch&${q(['true'])}`, protocols: ['v5.channel.k8s.io'], code: 400, message: 'container nosuch is not valid for pod pod1' },
    { path: `/api/v1/namespaces/default/pods/pod1/exec?${q(['true'])}`, protocols: ['v5.channel.k8s.io'], code: 400, message: 'a container name must be specified for pod pod1, choose one of: [container1 container2 nginx]' },
    { path: `/api/v1/namespaces/default/pods/nosuch/exec?${q(['true'])}`, protocols: ['v5.channel.k8s.io'], code: 404, message: 'pods "nosuch" not found' },
  ];
  for (const c of cases) {
    const err = await openExec(c.path, c.protocols).then(
      () => assert.fail(`${c.path} was accepted`),
      (e: { statusCode: number; body: string }) => e,
    );
    assert.deepEqual([err.statusCode, JSON.parse(err.body).message], [c.code, c.message], c.path);
  }
});

/** kubectl's fallback after a refused WebSocket: POST with `Upgrade: SPDY/3.1`; the status and body of the answer. */
function spdyAttempt(path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.api.url}${path}`, {
      method: 'POST',
      rejectUnauthorized: false,
      headers: { Authorization: `Bearer ${h.api.token}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('the SPDY upgrade was accepted')));
    req.on('error', reject);
    req.end();
  });
}

test('kubectl\'s SPDY attempt gets the same refusal, or a 501 naming the WebSocket protocols that work', async () => {
  const refused = await spdyAttempt(`/api/v1/namespaces/default/pods/pod1/exec?container=nosuch&${q(['true'])}`);
  assert.deepEqual([refused.code, JSON.parse(refused.body).message], [400, 'container nosuch is not valid for pod pod1']);
  const valid = await spdyAttempt(`/api/v1/namespaces/default/pods/pod2/exec?${q(['true'])}`);
  assert.equal(valid.code, 501);
  assert.match(JSON.parse(valid.body).message, /^exec over SPDY is not implemented in flatnet's API server; it serves v5\.channel\.k8s\.io and v4\.channel\.k8s\.io over WebSocket/);
});

test('a pod that is not on a node: exec is refused as kube-apiserver does, and its log is empty', async () => {
  const apply = await h.kubectl(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: nowhere}\nspec: {nodeSelector: {no: such-node}, containers: [{name: c, image: "nginx:1.27"}]}\n' });
  assert.equal(apply.code, 0, apply.stderr);
  const pod = await h.kubectl(['get', 'pod', 'nowhere', '-o', 'jsonpath={.status.phase} {.spec.nodeName}']);
  assert.equal(pod.stdout, 'Pending ');
  const exec = await h.kubectl(['exec', 'nowhere', '--', 'true']);
  assert.deepEqual([exec.code, exec.stderr], [1, 'Error from server (BadRequest): pod nowhere does not have a host assigned\n']);
  const logs = await h.kubectl(['logs', 'nowhere']);
  assert.deepEqual([logs.code, logs.stdout, logs.stderr], [0, '', '']);
});

test('without a runtime from flatnet up, the API server\'s own data plane serves exec and keeps the logs of what it reached', async () => {
  const ip = (await h.kubectl(['get', 'pod', 'pod2', '-o', 'jsonpath={.status.podIP}'])).stdout;
  const curl = await h.kubectl(['exec', 'pod1', '-c', 'container1', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `${ip}/from-the-harness`]);
  assert.deepEqual([curl.code, curl.stdout], [0, '404'], curl.stderr);
  const logs = await h.kubectl(['logs', 'pod2', '--tail=1']);
  assert.match(logs.stdout, /^10\.244\.\d+\.\d+ - - \[23\/Nov\/2026:10:00:00 \+0000\] "GET \/from-the-harness HTTP\/1\.1" 404 153 "-" "curl\/7\.29\.0" "-"\n$/);
});

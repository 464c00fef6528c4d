// The real kubectl port-forward into the demo cluster's simulated pods, over the WebSocket tunnel kubectl uses by
// default and over its plain SPDY fallback: curl through nginx and agnhost, redis over a raw socket, kubelet's error
// for a port nothing listens on; plus the portforward.k8s.io stream rules kubectl never breaks, driven by hand.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { FixedClock } from '../../core/clock.js';
import { SimDataPlane } from '../../dataplane/sim/sim-data-plane.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';
import { freeTcpPort } from '../../testing/ports.js';
import { connectInPod, portForwardHandler } from './port-forward.js';
import { FLAG_FIN, RstStatus, SpdyDecoder, SpdyEncoder, SpdyFrame, SpdyHeaders } from './spdy-framer.js';
import type { SubresourceHandler } from './subresources.js';

const DEMO = join(REPO_ROOT, 'examples/demo');

let h: ApiHarness;
/** The handler the registered one delegates to: serveApi's own (over its live data plane) unless a test swaps it. */
let handler: SubresourceHandler;
/** `<method> <Upgrade header>` of every port-forward upgrade the server received. */
const upgrades: string[] = [];

before(async () => {
  h = await startApiHarness({ paths: [DEMO] }, new FixedClock(TEST_NOW));
  handler = h.api.subresources.get('pods', 'portforward')!;
  h.api.subresources.register('pods', 'portforward', {
    upgrade(ctx, req, socket, head) {
      upgrades.push(`${req.method} ${req.headers.upgrade}`);
      handler.upgrade!(ctx, req, socket, head);
    },
  });
});
after(() => h.dispose());

/** A running `kubectl port-forward` with everything it has printed. */
class PortForward {
  out = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly cacheDir = mkdtempSync(join(tmpdir(), 'flatnet-kubectl-cache-'));

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn('kubectl', ['--kubeconfig', h.api.kubeconfigPath, '--cache-dir', this.cacheDir, 'port-forward', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: h.api.kubeconfigPath, ...env } });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; kubectl printed:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}

/** Runs curl (asynchronously: the API server answers from this process) and collects its output. */
function curl(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-sS', '-m', '10', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    c.stdin.end(stdin);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts kubectl port-forward to `target` `<free local port>:<remote>` and waits until it listens. */
async function forward(target: string[], remote: string, env?: Record<string, string>): Promise<{ pf: PortForward; port: number }> {
  const port = await freeTcpPort();
  const pf = new PortForward([...target, `${port}:${remote}`], env);
  await pf.waitFor(new RegExp(`Forwarding from 127\\.0\\.0\\.1:${port} -> \\d+`));
  return { pf, port };
}

test('kubectl port-forward pod/pod2 serves the nginx welcome page to curl, twice, through the WebSocket tunnel', async () => {
  const before = upgrades.length;
  const { pf, port } = await forward(['pod/pod2'], '80');
  try {
    assert.match(pf.out, new RegExp(`Forwarding from 127\\.0\\.0\\.1:${port} -> 80\\n`));
    for (let i = 0; i < 2; i++) {
      const r = await curl(['-i', `http://127.0.0.1:${port}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\nServer: nginx\/1\.27\.0\r\n/);
      assert.match(r.stdout, /<title>Welcome to nginx!<\/title>/);
    }
    assert.equal(pf.out.split(`Handling connection for ${port}`).length - 1, 2);
    assert.deepEqual(upgrades.slice(before), ['GET websocket']);
  } finally {
    await pf.stop();
  }
});

test('kubectl port-forward svc/my-api resolves to a pod and its targetPort; agnhost sees the client on the pod loopback', async () => {
  const { pf, port } = await forward(['svc/my-api'], '80');
  try {
    assert.match(pf.out, new RegExp(`Forwarding from 127\\.0\\.0\\.1:${port} -> 8080\\n`));
    const host = await curl([`http://127.0.0.1:${port}/hostname`]);
    assert.equal(host.code, 0, host.stderr);
    const pods = h.manager.store.all().filter((o) => o.kind === 'Pod' && o.metadata.labels?.app === 'my-api').map((o) => o.metadata.name);
    assert.ok(pods.includes(host.stdout), `${JSON.stringify(host.stdout)} is not one of ${pods.join(', ')}`);
    // containerd dials localhost:<port> inside the pod's network namespace.
    const client = await curl([`http://127.0.0.1:${port}/clientip`]);
    assert.match(client.stdout, /^127\.0\.0\.1:\d+$/);
  } finally {
    await pf.stop();
  }
});

test('a 300 kB upload crosses the tunnel in many frames and nginx answers it (405 for POST to a static file)', async () => {
  const { pf, port } = await forward(['pod/pod2'], '80');
  try {
    const r = await curl(['-i', '-H', 'Content-Type: application/octet-stream', '--data-binary', '@-', `http://127.0.0.1:${port}/`], 'x'.repeat(300_000));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/1\.1 405 Not Allowed\r\n/);
  } finally {
    await pf.stop();
  }
});

test('redis through kubectl port-forward answers PING with +PONG on a raw socket', async () => {
  const { pf, port } = await forward(['-n', 'cache', 'deployment/redis'], '6379');
  try {
    const socket = connect(port, '127.0.0.1');
    const reply = await new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (d) => {
        got += d;
        if (got.endsWith('\r\n')) resolve(got);
      });
      socket.on('error', reject);
      socket.write('PING\r\n');
    });
    socket.end();
    assert.equal(reply, '+PONG\r\n');
  } finally {
    await pf.stop();
  }
});

test('the plain SPDY upgrade serves the same when kubectl is told not to tunnel (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', async () => {
  const before = upgrades.length;
  const { pf, port } = await forward(['pod/pod2'], '80', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
  try {
    const r = await curl([`http://127.0.0.1:${port}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Welcome to nginx!/);
    assert.deepEqual(upgrades.slice(before), ['POST SPDY/3.1']);
  } finally {
    await pf.stop();
  }
});

test('a port nothing listens on: kubelet\'s error reaches kubectl, which reports it and ends the port-forward', async () => {
  const { pf, port } = await forward(['pod/pod2'], '81');
  try {
    const r = await curl([`http://127.0.0.1:${port}/`]);
    assert.notEqual(r.code, 0);
    assert.equal(await pf.exited, 1);
    const sandbox = '[0-9a-f]{64}';
    assert.match(
      pf.out,
      new RegExp(
        `an error occurred forwarding ${port} -> 81: error forwarding port 81 to pod ${sandbox}, uid : failed to execute portforward in network namespace \\\\"/var/run/netns/cni-[0-9a-f-]{36}\\\\": ` +
          `failed to connect to localhost:81 inside namespace \\\\"${sandbox}\\\\", IPv4: dial tcp4 127.0.0.1:81: connect: connection refused IPv6 dial tcp6 \\[::1\\]:81: connect: connection refused`,
      ),
    );
    assert.match(pf.out, /error: lost connection to pod\n$/);
  } finally {
    await pf.stop();
  }
});

// ---- The stream rules, with a hand-driven SPDY client over the plain upgrade ----

/** A SPDY client session on a plain `Upgrade: SPDY/3.1` connection to pods/<pod>/portforward. */
async function spdyClient(pod = 'pod2'): Promise<{ send(f: SpdyFrame): Promise<void>; next(): Promise<SpdyFrame>; close(): void }> {
  const url = new URL(`${h.api.url}/api/v1/namespaces/default/pods/${pod}/portforward`);
  const socket = await new Promise<Duplex>((resolve, reject) => {
    const req = request(url, { method: 'POST', rejectUnauthorized: false, headers: { Authorization: `Bearer ${h.api.token}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' } });
    req.on('upgrade', (res, s: Socket) => {
      assert.equal(res.headers['x-stream-protocol-version'], 'portforward.k8s.io');
      resolve(s);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
  const enc = new SpdyEncoder();
  const dec = new SpdyDecoder();
  const frames: SpdyFrame[] = [];
  const waiting: ((f: SpdyFrame) => void)[] = [];
  socket.on('data', (c: Buffer) =>
    void dec.push(c).then((fs) => {
      for (const f of fs) {
        const w = waiting.shift();
        if (w) w(f);
        else frames.push(f);
      }
    }),
  );
  return {
    send: async (f) => void socket.write(await enc.encode(f)),
    next: () =>
      new Promise((resolve, reject) => {
        const f = frames.shift();
        if (f) return resolve(f);
        const t = setTimeout(() => reject(new Error('no frame from the server within 5 s')), 5000);
        waiting.push((x) => {
          clearTimeout(t);
          resolve(x);
        });
      }),
    close: () => {
      socket.destroy();
      enc.close();
      dec.close();
    },
  };
}

const syn = (streamId: number, headers: SpdyHeaders): SpdyFrame => ({ type: 'SYN_STREAM', streamId, associatedStreamId: 0, priority: 0, slot: 0, flags: 0, headers });

const rejected: { name: string; headers: SpdyHeaders }[] = [
  { name: 'without a port header', headers: [['streamtype', 'data'], ['requestid', '0']] },
  { name: 'with port 0', headers: [['streamtype', 'data'], ['port', '0'], ['requestid', '0']] },
  { name: 'with a port that is not a uint16', headers: [['streamtype', 'data'], ['port', '70000'], ['requestid', '0']] },
  { name: 'of an unknown streamtype', headers: [['streamtype', 'stdout'], ['port', '80'], ['requestid', '0']] },
];

for (const c of rejected)
  test(`a stream ${c.name} is reset (RST_STREAM CANCEL) as kubelet's httpStreamReceived refuses it`, async () => {
    const client = await spdyClient();
    try {
      await client.send(syn(1, c.headers));
      assert.deepEqual(await client.next(), { type: 'RST_STREAM', streamId: 1, status: RstStatus.CANCEL });
    } finally {
      client.close();
    }
  });

test('PINGs from the client are echoed; data for a stream never opened is answered with INVALID_STREAM', async () => {
  const client = await spdyClient();
  try {
    await client.send({ type: 'PING', id: 1 });
    assert.deepEqual(await client.next(), { type: 'PING', id: 1 });
    await client.send({ type: 'DATA', streamId: 7, flags: 0, data: Buffer.from('x') });
    assert.deepEqual(await client.next(), { type: 'RST_STREAM', streamId: 7, status: RstStatus.INVALID_STREAM });
  } finally {
    client.close();
  }
});

test('a stream pair forwards after SYN_REPLYs; the pod closing its side FINs both streams, and the pair is forgotten once the client FINs', async () => {
  const client = await spdyClient('pod2');
  try {
    await client.send(syn(1, [['streamtype', 'error'], ['port', '80'], ['requestid', '0']]));
    assert.deepEqual(await client.next(), { type: 'SYN_REPLY', streamId: 1, flags: 0, headers: [] });
    await client.send(syn(3, [['streamtype', 'data'], ['port', '80'], ['requestid', '0']]));
    assert.deepEqual(await client.next(), { type: 'SYN_REPLY', streamId: 3, flags: 0, headers: [] });
    await client.send({ type: 'DATA', streamId: 3, flags: 0, data: Buffer.from('GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') });
    let body = '';
    const fins: number[] = [];
    while (fins.length < 2) {
      const f = await client.next();
      assert.equal(f.type, 'DATA');
      if (f.type !== 'DATA') break;
      if (f.streamId === 3) body += f.data.toString();
      else assert.equal(f.data.length, 0, 'nothing is written on the error stream when the forward succeeds');
      if (f.flags & FLAG_FIN) fins.push(f.streamId);
    }
    assert.match(body, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.deepEqual(fins.sort(), [1, 3]);
    // kubectl never resets finished streams: once the client FINs its side too, the server forgets the pair.
    await client.send({ type: 'DATA', streamId: 3, flags: FLAG_FIN, data: Buffer.alloc(0) });
    await client.send({ type: 'DATA', streamId: 3, flags: 0, data: Buffer.from('late') });
    assert.deepEqual(await client.next(), { type: 'RST_STREAM', streamId: 3, status: RstStatus.INVALID_STREAM });
  } finally {
    client.close();
  }
});

test('a pair whose data stream never comes gets "timed out waiting for streams" on its error stream', async () => {
  const saved = handler;
  const clock = new FixedClock(TEST_NOW);
  const dataPlane = new SimDataPlane(h.manager.store.all(), h.manager.cluster!.config, { clock });
  handler = portForwardHandler({ connect: connectInPod(dataPlane), streamCreationTimeoutMs: 50 });
  const client = await spdyClient('pod2');
  handler = saved;
  try {
    await client.send(syn(1, [['streamtype', 'error'], ['port', '80'], ['requestid', '5']]));
    assert.deepEqual(await client.next(), { type: 'SYN_REPLY', streamId: 1, flags: 0, headers: [] });
    const text = await client.next();
    assert.deepEqual(text, { type: 'DATA', streamId: 1, flags: 0, data: Buffer.from('timed out waiting for streams') });
    assert.deepEqual(await client.next(), { type: 'DATA', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) });
  } finally {
    client.close();
  }
});

test('stopping the API server ends an open port-forward at once: kubectl prints "lost connection to pod" and exits 1', async () => {
  const shared = h;
  h = await startApiHarness({ paths: [DEMO] }, new FixedClock(TEST_NOW));
  try {
    const { pf, port } = await forward(['pod/pod2'], '80');
    const r = await curl([`http://127.0.0.1:${port}/`]);
    assert.equal(r.code, 0, r.stderr);
    const started = Date.now();
    await h.stop();
    assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started} ms`);
    assert.equal(await pf.exited, 1);
    assert.match(pf.out, /error: lost connection to pod\n$/);
    await pf.stop();
  } finally {
    await h.dispose();
    h = shared;
  }
});

// Tests of the host listeners for NodePort and LoadBalancer Services: the plan (which ports, where, entering which
// node), the listen-error messages, and real sockets on loopback driven by curl, raw TCP and UDP — first against a
// DataPlane test double that records what it is asked, then end to end through the simulated data plane.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, createServer, Server, Socket } from 'node:net';
import type { KubeObject } from '../core/types.js';
import type { ConnectOutcome, ConnectRequest, DataPlane, HttpRequest, HttpResponse, Session } from '../dataplane/types.js';
import { FixedClock } from '../core/clock.js';
import { SimDataPlane } from '../dataplane/sim/sim-data-plane.js';
import { clusterFromYaml, deploymentYaml, serviceYaml, TEST_NOW } from '../testing/cluster.js';
import { HostPort, listenErrorMessage, planHostPorts, ServiceListeners, serveServiceListeners } from './service-listeners.js';

const CURL_MISSING = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'curl is not installed';

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** NodePorts the system objects of every test cluster already hold: a test must not pick them. */
const SYSTEM_NODE_PORTS = new Set(
  clusterFromYaml('')
    .objects.filter((o) => o.kind === 'Service')
    .flatMap((s) => (s.spec.ports ?? []).map((p: any) => p.nodePort).filter(Boolean)),
);

function canBind(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const tcp = createServer();
    tcp.once('error', () => resolve(false));
    tcp.listen({ port, host: address, exclusive: true }, () => {
      const udp = createSocket('udp4');
      udp.once('error', () => tcp.close(() => resolve(false)));
      udp.bind(port, address, () => udp.close(() => tcp.close(() => resolve(true))));
    });
  });
}

let cursor = (process.pid * 7919) % 2768;
/** A port in the NodePort range free for TCP and UDP on every address given (default 127.0.0.1), not a system NodePort. */
async function freeNodePort(addresses: string[] = ['127.0.0.1']): Promise<number> {
  for (let i = 0; i < 2768; i++) {
    const port = 30000 + (cursor++ % 2768);
    if (SYSTEM_NODE_PORTS.has(port)) continue;
    let free = true;
    for (const a of addresses) if (!(await canBind(port, a))) free = false;
    if (free) return port;
  }
  throw new Error('no free port in 30000-32767 on loopback');
}

interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) =>
    execFile('curl', ['-sS', '--max-time', '3', ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

/** Sends bytes on a raw TCP connection and collects everything until the server closes or `idleMs` passes quietly. */
function rawTcp(port: number, send: string | Buffer, opts: { host?: string; idleMs?: number } = {}): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: opts.host ?? '127.0.0.1' });
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), opts.idleMs ?? 500);
    };
    socket.on('connect', () => {
      socket.write(send);
      arm();
    });
    socket.on('data', (d) => {
      chunks.push(d);
      arm();
    });
    socket.on('end', () => finish(true));
    socket.on('error', reject);
  });
}

function udpExchange(port: number, messages: string[], opts: { host?: string; waitMs?: number } = {}): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString()));
    socket.bind(0, '127.0.0.1', async () => {
      for (const m of messages) {
        socket.send(m, port, opts.host ?? '127.0.0.1');
        await new Promise((r) => setTimeout(r, 50));
      }
      setTimeout(() => socket.close(() => resolve(replies)), opts.waitMs ?? 300);
    });
  });
}

/** Only the test's own Services (default namespace), so system Services (ingress-nginx) open no host ports. */
function testObjects(objects: KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.kind !== 'Service' || o.metadata.namespace === 'default');
}

function nodePortService(name: string, nodePort: number, opts: { selector?: Record<string, string>; protocol?: string; port?: number; targetPort?: number; type?: string; extra?: string } = {}): string {
  const sel = Object.entries(opts.selector ?? { app: name }).map(([k, v]) => `${k}: ${v}`).join(', ');
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  type: ${opts.type ?? 'NodePort'}
  selector: {${sel}}
  ports:
  - port: ${opts.port ?? 80}
    targetPort: ${opts.targetPort ?? opts.port ?? 80}
    nodePort: ${nodePort}
    protocol: ${opts.protocol ?? 'TCP'}
${opts.extra ?? ''}---
`;
}

function nodeIP(objects: KubeObject[], name: string): string {
  return objects.find((o) => o.kind === 'Node' && o.metadata.name === name)!.status.addresses.find((a: any) => a.type === 'InternalIP').address;
}

/** A DataPlane test double: answers each connect with `answer(req)` and records the requests. */
class RecordingDataPlane implements DataPlane {
  readonly requests: ConnectRequest[] = [];
  constructor(public answer: (req: ConnectRequest) => ConnectOutcome) {}
  connect(req: ConnectRequest): ConnectOutcome {
    this.requests.push(req);
    return this.answer(req);
  }
}

function connected(session: Session): ConnectOutcome {
  return {
    kind: 'connected',
    hops: [],
    delivered: { node: 'node-1', conn: { protocol: 'TCP', source: { ip: '172.18.0.2', port: 40000 }, destination: { ip: '10.244.1.5', port: 80 } } },
    session,
  };
}

/** An HTTP session that answers with the request it saw, as JSON, in a response written in an unusual shape. */
function echoHttpSession(seen: HttpRequest[]): Session {
  return {
    kind: 'http',
    async http(req: HttpRequest): Promise<HttpResponse> {
      seen.push(req);
      const body = Buffer.from(JSON.stringify({ method: req.method, target: req.target, headers: req.headers, body: req.body?.toString() ?? null }));
      return { version: req.version, status: 299, reason: 'Fine Thanks', headers: [['x-lower', 'a'], ['Content-Length', String(body.length)], ['X-Dup', '1'], ['X-Dup', '2']], body };
    },
  };
}

async function withListeners(dataPlane: DataPlane, objects: KubeObject[], t: { after(fn: () => Promise<void> | void): void }, opts: { nodePortAddress?: string } = {}) {
  const lines: string[] = [];
  const listeners = new ServiceListeners(dataPlane, { ...opts, log: (s) => lines.push(s) });
  t.after(() => listeners.close());
  await listeners.sync(objects);
  return { listeners, lines };
}

// ---------------------------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------------------------

function summarize(p: HostPort): string {
  return `${p.kind} ${p.service.namespace}/${p.service.name} ${p.ports} on ${p.address}:${p.port} → ${p.to.ip}:${p.to.port}${p.entryNode ? ` via ${p.entryNode}` : ''}${p.hasEndpoints ? '' : ' (no endpoints)'}`;
}

const planCases: { name: string; yaml: string; nodePortAddress?: string; want: string[]; notes?: RegExp[] }[] = [
  {
    name: 'a NodePort listens on 127.0.0.1:<nodePort> and enters the first node at its InternalIP',
    yaml: deploymentYaml('web', 1) + nodePortService('web', 30080),
    want: ['NodePort default/web 80:30080/TCP on 127.0.0.1:30080 → 172.18.0.2:30080 via control-plane'],
  },
  {
    name: 'nodePortAddress moves every NodePort listener',
    yaml: deploymentYaml('web', 1) + nodePortService('web', 30080),
    nodePortAddress: '127.0.0.2',
    want: ['NodePort default/web 80:30080/TCP on 127.0.0.2:30080 → 172.18.0.2:30080 via control-plane'],
  },
  {
    name: 'the first node in cluster order is the entry node, whatever the config calls it',
    yaml: `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: t}
spec:
  nodes: [{name: alpha}, {name: beta}]
---
${deploymentYaml('web', 1)}${nodePortService('web', 30080)}`,
    want: ['NodePort default/web 80:30080/TCP on 127.0.0.1:30080 → 172.18.0.2:30080 via alpha'],
  },
  {
    name: 'a LoadBalancer gets its NodePort and a listener on its loopback LB IP, the LB choosing the node',
    yaml: deploymentYaml('web', 1) + nodePortService('web', 30080, { type: 'LoadBalancer', extra: '  loadBalancerIP: 127.1.0.7\n' }),
    want: ['NodePort default/web 80:30080/TCP on 127.0.0.1:30080 → 172.18.0.2:30080 via control-plane', 'LoadBalancer default/web 80/TCP on 127.1.0.7:80 → 127.1.0.7:80'],
  },
  {
    name: 'a load-balancer IP outside 127.0.0.0/8 is noted and not served',
    yaml: `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: t}
spec: {loadBalancerPool: 192.168.50.0/24}
---
${deploymentYaml('web', 1)}${nodePortService('web', 30080, { type: 'LoadBalancer', extra: '  loadBalancerIP: 192.168.50.9\n' })}`,
    want: ['NodePort default/web 80:30080/TCP on 127.0.0.1:30080 → 172.18.0.2:30080 via control-plane'],
    notes: [/^LoadBalancer: default\/web 80\/TCP on 192\.168\.50\.9 is not served on the host: only loopback \(127\.0\.0\.0\/8\) load-balancer IPs are/],
  },
  {
    name: 'a UDP port gets a UDP listener',
    yaml: deploymentYaml('dns', 1, { port: 53 }) + nodePortService('dns', 30053, { port: 53, protocol: 'UDP' }),
    want: ['NodePort default/dns 53:30053/UDP on 127.0.0.1:30053 → 172.18.0.2:30053 via control-plane'],
  },
  {
    name: 'an SCTP port is noted: Node.js has no SCTP sockets',
    yaml: deploymentYaml('sig', 1, { port: 3868 }) + nodePortService('sig', 30868, { port: 3868, protocol: 'SCTP' }),
    want: [],
    notes: [/^NodePort: default\/sig 3868:30868\/SCTP is not served on the host: Node\.js has no SCTP sockets/],
  },
  {
    name: 'a Service without endpoints is planned without endpoints (nothing will listen: connections are refused)',
    yaml: nodePortService('lonely', 30081, { selector: { app: 'nobody' } }),
    want: ['NodePort default/lonely 80:30081/TCP on 127.0.0.1:30081 → 172.18.0.2:30081 via control-plane (no endpoints)'],
  },
  {
    name: 'ClusterIP, headless and ExternalName Services get no listener',
    yaml:
      deploymentYaml('web', 1) +
      serviceYaml('web') +
      serviceYaml('headless', { selector: { app: 'web' }, extra: '  clusterIP: None\n' }) +
      'apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: default}\nspec: {type: ExternalName, externalName: example.com}\n---\n',
    want: [],
  },
];

for (const c of planCases) {
  test(`plan: ${c.name}`, () => {
    const cluster = clusterFromYaml(c.yaml);
    const plan = planHostPorts(testObjects(cluster.objects), c.nodePortAddress ? { nodePortAddress: c.nodePortAddress } : {});
    assert.deepEqual(plan.ports.map(summarize), c.want);
    assert.equal(plan.notes.length, (c.notes ?? []).length, plan.notes.join('\n'));
    (c.notes ?? []).forEach((re, i) => assert.match(plan.notes[i], re));
  });
}

test('plan: a listener taken by an earlier Service is noted for the later one', () => {
  // Two LB IPs can only coincide through nodePortAddress: a NodePort on the LB IP with the LB's port number.
  const cluster = clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', 30080, { type: 'LoadBalancer', port: 30080, extra: '  loadBalancerIP: 127.1.0.7\n' }));
  const plan = planHostPorts(testObjects(cluster.objects), { nodePortAddress: '127.1.0.7' });
  assert.deepEqual(plan.ports.map(summarize), ['NodePort default/web 30080:30080/TCP on 127.1.0.7:30080 → 172.18.0.2:30080 via control-plane']);
  assert.deepEqual(plan.notes, ["LoadBalancer: default/web 30080/TCP is not served on the host: 127.1.0.7:30080/TCP is already default/web's NodePort 30080:30080/TCP"]);
});

const errorCases: { name: string; kind: 'NodePort' | 'LoadBalancer'; code: string; want: string }[] = [
  {
    name: 'a port in use names the Service, the port and the field to change',
    kind: 'NodePort',
    code: 'EADDRINUSE',
    want: 'NodePort: default/web 80:30080/TCP: cannot listen on 127.0.0.1:30080/TCP: address already in use: another program holds 127.0.0.1:30080/TCP; stop it, or give the Service another spec.ports[0].nodePort, and re-apply; the other Services are still served',
  },
  {
    name: 'a privileged port says how to allow it',
    kind: 'LoadBalancer',
    code: 'EACCES',
    want: 'LoadBalancer: default/web 80/TCP: cannot listen on 127.1.0.7:80/TCP: permission denied: ports below 1024 need privileges; allow them with `sudo sysctl net.ipv4.ip_unprivileged_port_start=0`, or give the Service another spec.ports[0].port; the other Services are still served',
  },
  {
    name: 'a load-balancer address missing from the machine says how to add it',
    kind: 'LoadBalancer',
    code: 'EADDRNOTAVAIL',
    want: 'LoadBalancer: default/web 80/TCP: cannot listen on 127.1.0.7:80/TCP: address not available: 127.1.0.7 is not on this machine (macOS puts only 127.0.0.1 on lo0: `sudo ifconfig lo0 alias 127.1.0.7 up`); the other Services are still served',
  },
];

for (const c of errorCases) {
  test(`listen error: ${c.name}`, () => {
    const hp: HostPort =
      c.kind === 'NodePort'
        ? { key: 'TCP 127.0.0.1:30080', kind: 'NodePort', service: { namespace: 'default', name: 'web' }, portIndex: 0, ports: '80:30080/TCP', protocol: 'TCP', address: '127.0.0.1', port: 30080, to: { ip: '172.18.0.2', port: 30080 }, entryNode: 'control-plane', hasEndpoints: true }
        : { key: 'TCP 127.1.0.7:80', kind: 'LoadBalancer', service: { namespace: 'default', name: 'web' }, portIndex: 0, ports: '80/TCP', protocol: 'TCP', address: '127.1.0.7', port: 80, to: { ip: '127.1.0.7', port: 80 }, hasEndpoints: true };
    assert.equal(listenErrorMessage(hp, c.code, 'irrelevant'), c.want);
  });
}

test('a nodePortAddress that is not an IPv4 address is refused up front', () => {
  assert.throws(() => new ServiceListeners(new RecordingDataPlane(() => assert.fail()), { nodePortAddress: 'localhost', log: () => {} }), /nodePortAddress: invalid value "localhost": must be an IPv4 address/);
});

// ---------------------------------------------------------------------------------------------------------------
// Real sockets, DataPlane test double
// ---------------------------------------------------------------------------------------------------------------

test('curl through a NodePort reaches the data plane as external traffic entering the first node', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const seen: HttpRequest[] = [];
  const dp = new RecordingDataPlane(() => connected(echoHttpSession(seen)));
  const { lines } = await withListeners(dp, objects, t);
  assert.deepEqual(lines, [`NodePort: default/web 80:${port}/TCP on 127.0.0.1:${port}`]);

  const r = await curl(['-i', '-H', 'X-First: 1', '--data-binary', 'payload', `http://127.0.0.1:${port}/path?q=1`]);
  assert.equal(r.code, 0, r.stderr);
  // A loopback client enters from the node network's gateway, as through kind's Docker port mapping.
  assert.deepEqual(dp.requests, [{ from: { kind: 'external', ip: '172.18.0.1' }, to: { ip: nodeIP(objects, 'control-plane'), port }, protocol: 'TCP', entryNode: 'control-plane' }]);
  assert.deepEqual(seen.map((s) => [s.method, s.target, s.version, s.headers.map(([n]) => n), s.body?.toString()]), [
    ['POST', '/path?q=1', 'HTTP/1.1', ['Host', 'User-Agent', 'Accept', 'X-First', 'Content-Length', 'Content-Type'], 'payload'],
  ]);
  assert.match(r.stdout, /^HTTP\/1\.1 299 Fine Thanks\r\nx-lower: a\r\nContent-Length: \d+\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n\{"method":"POST"/);
});

test('a response is written byte for byte: no Date or Connection added, an HTTP/1.0 status line kept', async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const seen: HttpRequest[] = [];
  const { lines } = await withListeners(new RecordingDataPlane(() => connected(echoHttpSession(seen))), objects, t);
  assert.equal(lines.length, 1);
  const r = await rawTcp(port, 'GET /x HTTP/1.0\r\nhost: a\r\n\r\n');
  const body = JSON.stringify({ method: 'GET', target: '/x', headers: [['host', 'a']], body: null });
  assert.equal(r.data.toString(), `HTTP/1.0 299 Fine Thanks\r\nx-lower: a\r\nContent-Length: ${body.length}\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n${body}`);
  assert.equal(r.closed, true, 'an HTTP/1.0 exchange without keep-alive ends with the connection');
});

test('a request node:http cannot parse is answered 400 and closed, without reaching the pod', async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const seen: HttpRequest[] = [];
  await withListeners(new RecordingDataPlane(() => connected(echoHttpSession(seen))), objects, t);
  const r = await rawTcp(port, 'PING\r\n\r\n');
  assert.match(r.data.toString(), /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal(r.closed, true);
  assert.deepEqual(seen, []);
});

test('one data-plane connection per TCP connection: keep-alive requests share the session', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const seen: HttpRequest[] = [];
  const dp = new RecordingDataPlane(() => connected(echoHttpSession(seen)));
  await withListeners(dp, objects, t);
  const r = await curl([`http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(seen.map((s) => s.target), ['/a', '/b']);
  assert.equal(dp.requests.length, 1);
});

test('refused and unreachable reset the connection; a drop is never answered; no endpoints is a refused connect', { skip: CURL_MISSING }, async (t) => {
  const [a, b, c] = [await freeNodePort(), await freeNodePort(), await freeNodePort()];
  const objects = testObjects(
    clusterFromYaml(deploymentYaml('web', 1) + nodePortService('refused', a, { selector: { app: 'web' } }) + nodePortService('dropped', b, { selector: { app: 'web' } }) + nodePortService('empty', c, { selector: { app: 'nobody' } })).objects,
  );
  const dp = new RecordingDataPlane((req) =>
    req.to.port === a ? { kind: 'refused', hops: [], reason: 'PORT_UNREACHABLE', message: 'nothing listens' } : { kind: 'timeout', hops: [], reason: 'POLICY_DENIED', message: 'denied' },
  );
  const { lines, listeners } = await withListeners(dp, objects, t);
  assert.ok(lines.includes(`NodePort: default/empty 80:${c}/TCP has no endpoints: nothing listens on 127.0.0.1:${c}, so connections are refused (kube-proxy REJECTs them)`), lines.join('\n'));
  assert.deepEqual(listeners.status().map((s) => [s.service.name, s.state]), [['dropped', 'listening'], ['empty', 'refusing'], ['refused', 'listening']]);

  // The handshake has happened by the time the data plane is asked, so the best a listener can do is a reset: curl
  // says "Recv failure: Connection reset by peer" (56), or "Couldn't connect" (7) when the reset wins the race with
  // its check of the new connection.
  const reset = await curl([`http://127.0.0.1:${a}/`]);
  assert.ok(reset.code === 56 || reset.code === 7, `curl exit ${reset.code}: ${reset.stderr}`);
  assert.match(reset.stderr, /reset by peer|Couldn't connect/);
  assert.equal((await curl(['--max-time', '1', `http://127.0.0.1:${b}/`])).code, 28);
  const empty = await curl([`http://127.0.0.1:${c}/`]);
  assert.equal(empty.code, 7, empty.stderr);
  assert.deepEqual(dp.requests.map((r) => r.to.port), [a, b], 'a Service without endpoints never reaches the data plane');
});

test('a stream session: greeting first, replies in order, closed when the server says so', async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('db', 1, { port: 6379 }) + nodePortService('db', port, { port: 6379 })).objects);
  const dp = new RecordingDataPlane(() =>
    connected({
      kind: 'stream',
      greeting: { data: Buffer.from('hello\n'), close: false },
      send: async (data) => ({ data: Buffer.from(`got ${data.toString().trim()}\n`), close: data.toString().includes('bye') }),
    }),
  );
  await withListeners(dp, objects, t);
  const r = await rawTcp(port, 'bye\n');
  assert.equal(r.data.toString(), 'hello\ngot bye\n');
  assert.equal(r.closed, true);
});

test('a client that sends and half-closes still gets the stream replies', async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('db', 1, { port: 6379 }) + nodePortService('db', port, { port: 6379 })).objects);
  const dp = new RecordingDataPlane(() => connected({ kind: 'stream', send: async (data) => ({ data: Buffer.from(data.toString().toUpperCase()), close: false }) }));
  await withListeners(dp, objects, t);
  const got = await new Promise<string>((resolve, reject) => {
    let out = '';
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end('ping'));
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.equal(got, 'PING');
});

test('UDP: each client flow is one data-plane connection (conntrack), each datagram gets its reply', async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('dns', 1, { port: 53 }) + nodePortService('dns', port, { port: 53, protocol: 'UDP' })).objects);
  let n = 0;
  const dp = new RecordingDataPlane(() => {
    const id = ++n;
    return connected({ kind: 'datagram', datagram: async (d) => (d.toString() === 'silent' ? undefined : Buffer.from(`${id}:${d}`)) });
  });
  const { lines } = await withListeners(dp, objects, t);
  assert.deepEqual(lines, [`NodePort: default/dns 53:${port}/UDP on 127.0.0.1:${port}`]);
  assert.deepEqual(await udpExchange(port, ['a', 'silent', 'b']), ['1:a', '1:b']);
  assert.deepEqual(await udpExchange(port, ['c']), ['2:c']);
  assert.deepEqual(dp.requests.map((r) => [r.protocol, r.from, r.entryNode]), [
    ['UDP', { kind: 'external', ip: '172.18.0.1' }, 'control-plane'],
    ['UDP', { kind: 'external', ip: '172.18.0.1' }, 'control-plane'],
  ]);
});

test('a port already in use is reported with the Service and port; the other Services are still served', { skip: CURL_MISSING }, async (t) => {
  const [busy, ok] = [await freeNodePort(), await freeNodePort()];
  const squatter = await new Promise<Server>((r) => {
    const s = createServer((c) => c.end('squatter\n'));
    s.listen(busy, '127.0.0.1', () => r(s));
  });
  let squatting = true;
  t.after(() => void (squatting && squatter.close()));
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('taken', busy, { selector: { app: 'web' } }) + nodePortService('web', ok)).objects);
  const seen: HttpRequest[] = [];
  const { lines, listeners } = await withListeners(new RecordingDataPlane(() => connected(echoHttpSession(seen))), objects, t);
  assert.deepEqual(lines, [
    `NodePort: default/taken 80:${busy}/TCP: cannot listen on 127.0.0.1:${busy}/TCP: address already in use: another program holds 127.0.0.1:${busy}/TCP; stop it, or give the Service another spec.ports[0].nodePort, and re-apply; the other Services are still served`,
    `NodePort: default/web 80:${ok}/TCP on 127.0.0.1:${ok}`,
  ]);
  assert.deepEqual(listeners.status().map((s) => [s.service.name, s.state, s.error]), [['taken', 'failed', 'EADDRINUSE'], ['web', 'listening', undefined]]);
  assert.equal((await curl([`http://127.0.0.1:${ok}/`])).code, 0);

  // Said once while it persists; served as soon as the port is free and the next sync comes.
  await listeners.sync(objects);
  assert.equal(lines.length, 2);
  await new Promise<void>((r) => squatter.close(() => r()));
  squatting = false;
  await listeners.sync(objects);
  assert.equal(lines[2], `NodePort: default/taken 80:${busy}/TCP on 127.0.0.1:${busy}`);
  assert.equal((await curl([`http://127.0.0.1:${busy}/`])).code, 0);
});

test('sync after removing a Service closes its listener; its open connection and the unchanged listener keep serving', { skip: CURL_MISSING }, async (t) => {
  const [gone, kept] = [await freeNodePort(), await freeNodePort()];
  const yamlKept = deploymentYaml('web', 1) + nodePortService('web', kept);
  const before = testObjects(clusterFromYaml(yamlKept + nodePortService('gone', gone, { selector: { app: 'web' } })).objects);
  const after = testObjects(clusterFromYaml(yamlKept).objects);
  const seen: HttpRequest[] = [];
  const { lines, listeners } = await withListeners(new RecordingDataPlane(() => connected(echoHttpSession(seen))), before, t);

  // A keep-alive connection opened before the Service goes away.
  const socket = connect({ port: gone, host: '127.0.0.1' });
  await new Promise((r) => socket.once('connect', r));
  const ask = (s: Socket, path: string) =>
    new Promise<string>((resolve) => {
      s.once('data', (d) => resolve(d.toString()));
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
  assert.match(await ask(socket, '/one'), /^HTTP\/1\.1 299 /);

  await listeners.sync(after);
  assert.equal(lines.at(-1), `NodePort: default/gone 80:${gone}/TCP: stopped serving 127.0.0.1:${gone}`);
  assert.equal(lines.filter((l) => l.includes('default/web')).length, 1, 'the unchanged listener is neither restarted nor re-announced');
  assert.equal((await curl([`http://127.0.0.1:${gone}/`])).code, 7);
  assert.equal((await curl([`http://127.0.0.1:${kept}/`])).code, 0);
  assert.match(await ask(socket, '/two'), /^HTTP\/1\.1 299 /);
  socket.destroy();
  assert.deepEqual(listeners.status().map((s) => s.service.name), ['web']);
});

test('a port removed and planned again in quick succession is listened on again', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const { listeners } = await withListeners(new RecordingDataPlane(() => connected(echoHttpSession([]))), [], t);
  // Planned, dropped while its bind is under way, planned again: the second listener waits for the first to let go.
  void listeners.sync(objects);
  for (let i = 0; i < 3; i++) await Promise.resolve(); // the first bind has started and waits for 'listening'
  void listeners.sync([]);
  await listeners.sync(objects);
  assert.deepEqual(listeners.status().map((s) => s.state), ['listening']);
  assert.equal((await curl([`http://127.0.0.1:${port}/`])).code, 0);
});

test('a Service losing its endpoints stops listening (refused) and listens again when they come back', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const up = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const down = testObjects(clusterFromYaml(deploymentYaml('web', 0) + nodePortService('web', port)).objects);
  const seen: HttpRequest[] = [];
  const { lines, listeners } = await withListeners(new RecordingDataPlane(() => connected(echoHttpSession(seen))), up, t);
  await listeners.sync(down);
  assert.equal((await curl([`http://127.0.0.1:${port}/`])).code, 7);
  await listeners.sync(up);
  assert.equal((await curl([`http://127.0.0.1:${port}/`])).code, 0);
  assert.deepEqual(lines, [
    `NodePort: default/web 80:${port}/TCP on 127.0.0.1:${port}`,
    `NodePort: default/web 80:${port}/TCP has no endpoints: nothing listens on 127.0.0.1:${port}, so connections are refused (kube-proxy REJECTs them)`,
    `NodePort: default/web 80:${port}/TCP on 127.0.0.1:${port}`,
  ]);
});

test('serveServiceListeners reads the objects on each sync and coalesces calls in one turn', async (t) => {
  const port = await freeNodePort();
  let objects: KubeObject[] = [];
  let reads = 0;
  const lines: string[] = [];
  const served = serveServiceListeners(
    () => (reads++, objects),
    new RecordingDataPlane(() => connected(echoHttpSession([]))),
    { log: (s) => lines.push(s) },
  );
  t.after(() => served.close());
  await served.sync();
  assert.deepEqual(lines, []);
  objects = testObjects(clusterFromYaml(deploymentYaml('web', 1) + nodePortService('web', port)).objects);
  const before = reads;
  await Promise.all([served.sync(), served.sync(), served.sync()]);
  assert.equal(reads - before, 1);
  assert.deepEqual(lines, [`NodePort: default/web 80:${port}/TCP on 127.0.0.1:${port}`]);
});

test('host clients enter from the gateway of the cluster\'s own node network', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const cluster = clusterFromYaml(`apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: t}
spec: {nodeCIDR: 192.168.100.0/24}
---
${deploymentYaml('web', 1)}${nodePortService('web', port)}`);
  const dp = new RecordingDataPlane(() => connected(echoHttpSession([])));
  const listeners = new ServiceListeners(dp, { log: () => {} });
  t.after(() => listeners.close());
  await listeners.sync(testObjects(cluster.objects), cluster.config);
  assert.equal((await curl([`http://127.0.0.1:${port}/`])).code, 0);
  assert.deepEqual(dp.requests.map((r) => [r.from, r.to.ip]), [[{ kind: 'external', ip: '192.168.100.1' }, '192.168.100.2']]);
});

// ---------------------------------------------------------------------------------------------------------------
// End to end through the simulated data plane
// ---------------------------------------------------------------------------------------------------------------

/** Builds the cluster, a SimDataPlane over it and the listeners; `apply` moves both to new manifests. */
async function simCluster(yaml: string, t: { after(fn: () => Promise<void> | void): void }) {
  let cluster = clusterFromYaml(yaml);
  const dataPlane = new SimDataPlane(cluster.objects, cluster.config, { clock: new FixedClock(TEST_NOW) });
  const outcomes: ConnectOutcome[] = [];
  const recorder: DataPlane = { connect: (req) => (outcomes.push(dataPlane.connect(req)), outcomes.at(-1)!) };
  const lines: string[] = [];
  const listeners = new ServiceListeners(recorder, { log: (s) => lines.push(s) });
  t.after(() => listeners.close());
  await listeners.sync(testObjects(cluster.objects), cluster.config);
  return {
    lines,
    listeners,
    outcomes,
    get cluster() {
      return cluster;
    },
    async apply(next: string) {
      cluster = clusterFromYaml(next, cluster.objects);
      dataPlane.update(cluster.objects, cluster.config);
      await listeners.sync(testObjects(cluster.objects), cluster.config);
    },
  };
}

const agnhost = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: agnhost
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports:
        - {containerPort: 8080}
        - {containerPort: 8081, protocol: UDP}
---
`;

const redis = `apiVersion: v1
kind: Pod
metadata: {name: redis, namespace: default, labels: {app: redis}}
spec:
  containers:
  - name: redis
    image: redis:7.2
    ports: [{containerPort: 6379}]
---
`;

test('e2e: curl through a NodePort gets the nginx welcome page', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const { lines } = await simCluster(deploymentYaml('web', 2) + nodePortService('web', port), t);
  assert.deepEqual(lines, [`NodePort: default/web 80:${port}/TCP on 127.0.0.1:${port}`]);
  const r = await curl(['-i', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^HTTP\/1\.1 200 OK\r\nServer: nginx\/1\.27\.0\r\n/);
  assert.match(r.stdout, /<h1>Welcome to nginx!<\/h1>/);
});

test('e2e: externalTrafficPolicy Local drops at an entry node without endpoints; Cluster answers', { skip: CURL_MISSING }, async (t) => {
  const [local, cluster] = [await freeNodePort(), await freeNodePort()];
  // The pod runs on a worker; the host's NodePort traffic enters the control-plane node, which has no endpoint.
  const sim = await simCluster(
    deploymentYaml('web', 1) + nodePortService('web-local', local, { selector: { app: 'web' }, extra: '  externalTrafficPolicy: Local\n' }) + nodePortService('web-cluster', cluster, { selector: { app: 'web' } }),
    t,
  );
  assert.notEqual(sim.cluster.objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('web-'))!.spec.nodeName, 'control-plane');
  const dropped = await curl(['--max-time', '1', `http://127.0.0.1:${local}/`]);
  assert.equal(dropped.code, 28, dropped.stderr);
  const answered = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${cluster}/`]);
  assert.deepEqual([answered.code, answered.stdout], [0, '200']);
  assert.deepEqual(sim.outcomes.map((o) => [o.kind, o.kind === 'connected' ? o.delivered.conn.source.ip : o.reason]), [
    ['timeout', 'NO_ENDPOINTS'],
    ['connected', nodeIP(sim.cluster.objects, 'control-plane')],
  ]);
});

test('e2e: a LoadBalancer IP in 127.1.0.0/24 answers', { skip: CURL_MISSING }, async (t) => {
  const lbIP = '127.1.0.77';
  const [nodePort, port] = [await freeNodePort(), await freeNodePort([lbIP])];
  const { lines } = await simCluster(deploymentYaml('web', 1) + nodePortService('web', nodePort, { type: 'LoadBalancer', port, targetPort: 80, extra: `  loadBalancerIP: ${lbIP}\n` }), t);
  assert.ok(lines.includes(`LoadBalancer: default/web ${port}/TCP on ${lbIP}:${port}`), lines.join('\n'));
  const r = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://${lbIP}:${port}/`]);
  assert.deepEqual([r.code, r.stdout], [0, '200']);
});

test('e2e: NetworkPolicy sees the entry node as the source of SNATed NodePort traffic', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  const base = deploymentYaml('web', 1) + nodePortService('web', port);
  const policy = (from: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{ipBlock: ${from}}]
---
`;
  const sim = await simCluster(base, t);
  const entryIP = nodeIP(sim.cluster.objects, 'control-plane');
  await sim.apply(base + policy(`{cidr: 172.18.0.0/16, except: [${entryIP}/32]}`));
  const denied = await curl(['--max-time', '1', `http://127.0.0.1:${port}/`]);
  assert.equal(denied.code, 28, denied.stderr);
  await sim.apply(base + policy(`{cidr: ${entryIP}/32}`));
  const allowed = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`]);
  assert.deepEqual([allowed.code, allowed.stdout], [0, '200']);
  assert.deepEqual(sim.outcomes.map((o) => [o.kind, o.kind === 'connected' ? o.delivered.conn.source.ip : o.reason]), [
    ['timeout', 'POLICY_DENIED'],
    ['connected', entryIP],
  ]);
});

test('e2e: a Service without endpoints refuses the connection', { skip: CURL_MISSING }, async (t) => {
  const port = await freeNodePort();
  await simCluster(nodePortService('web', port), t);
  const r = await curl([`http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /Couldn't connect to server|Connection refused/);
});

test('e2e: redis through a NodePort answers PING with +PONG on a raw socket', async (t) => {
  const port = await freeNodePort();
  await simCluster(redis + nodePortService('redis', port, { port: 6379 }), t);
  const r = await rawTcp(port, 'PING\r\n', { idleMs: 300 });
  assert.equal(r.data.toString(), '+PONG\r\n');
});

test('e2e: UDP through a NodePort reaches agnhost netexec, which answers hostname', async (t) => {
  const port = await freeNodePort();
  const sim = await simCluster(agnhost('echo') + nodePortService('echo', port, { port: 8081, protocol: 'UDP' }), t);
  const pod = sim.cluster.objects.find((o) => o.kind === 'Pod' && o.metadata.name.startsWith('echo-'))!;
  assert.deepEqual(await udpExchange(port, ['hostname']), [pod.metadata.name]);
});

test('e2e: removing a Service closes its listener; the others stay', { skip: CURL_MISSING }, async (t) => {
  const [a, b] = [await freeNodePort(), await freeNodePort()];
  const keep = deploymentYaml('web', 1) + nodePortService('web', a);
  const sim = await simCluster(keep + nodePortService('other', b, { selector: { app: 'web' } }), t);
  assert.equal((await curl([`http://127.0.0.1:${b}/`])).code, 0);
  await sim.apply(keep);
  assert.equal((await curl([`http://127.0.0.1:${b}/`])).code, 7);
  assert.equal((await curl([`http://127.0.0.1:${a}/`])).code, 0);
  assert.deepEqual(sim.listeners.status().map((s) => `${s.service.name} ${s.state}`), ['web listening']);
});

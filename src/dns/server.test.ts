// Tests of the DNS server with real clients: `dig` (Debian bind9-dnsutils) and Node's resolver against a server on
// 127.0.0.1 built from a small YAML cluster, plus the responder's rcodes, cache and TCP framing at the socket level.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { clusterFromYaml, deploymentYaml, find } from '../testing/cluster.js';
import { StaticClusterDns } from '../testing/static-cluster-dns.js';
import { buildClusterDns } from './cluster-dns.js';
import { reverseName } from './names.js';
import { DnsListenError, DnsResponder, DnsServer } from './server.js';
import type { Answer, ClusterDns } from './types.js';

const DIG_MISSING = spawnSync('dig', ['-v'], { stdio: 'ignore' }).status === 0 ? false : 'dig is not installed (Debian bind9-dnsutils; .ci/run installs it)';

const YAML = `${deploymentYaml('web', 2, { portName: 'http' })}
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
${deploymentYaml('many', 100)}
apiVersion: v1
kind: Service
metadata: {name: many}
spec: {clusterIP: None, selector: {app: many}, ports: [{name: http, port: 80}]}
`;

const cluster = clusterFromYaml(YAML);
const engine = buildClusterDns(cluster.objects, cluster.config);
const WEB_IP: string = find(cluster, 'Service', 'default', 'web').spec.clusterIP;
const SOA = `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${engine.soa.serial} 7200 1800 86400 5`;

interface DigResult {
  status: string;
  flags: string[];
  /** The EDNS pseudo-section line, e.g. "version: 0, flags: do; udp: 4096", or undefined without OPT. */
  edns?: string;
  transport: string;
  answer: string[];
  authority: string[];
  additional: string[];
}

/** Runs the real dig (asynchronously: the server under test shares this event loop) and parses its output. */
function dig(port: number, args: string[]): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@127.0.0.1`, '-p', String(port), '+time=2', '+tries=1', ...args], (err, stdout) => {
      if (err) return reject(new Error(`dig ${args.join(' ')} failed: ${err.message}\n${stdout}`));
      const r: DigResult = { status: '', flags: [], transport: '', answer: [], authority: [], additional: [] };
      let section: 'answer' | 'authority' | 'additional' | undefined;
      for (const line of stdout.split('\n')) {
        const status = /status: (\w+)/.exec(line);
        if (status) r.status = status[1];
        const flags = /^;; flags: ([^;]*);/.exec(line);
        if (flags) r.flags = flags[1].trim().split(/\s+/);
        const edns = /^; EDNS: (.*)$/.exec(line);
        if (edns) r.edns = edns[1];
        const server = /^;; SERVER: .*\((UDP|TCP)\)$/.exec(line);
        if (server) r.transport = server[1];
        const head = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:$/.exec(line);
        if (head) section = head[1].toLowerCase() as typeof section;
        else if (line.trim() === '') section = undefined;
        else if (section && !line.startsWith(';')) r[section].push(line.trim().split(/\s+/).join(' '));
      }
      resolve(r);
    });
  });
}

interface DigCase {
  name: string;
  args: string[];
  want: Partial<Omit<DigResult, 'flags'>> & { flags?: string[]; noFlags?: string[]; answers?: number };
}

const digCases: DigCase[] = [
  {
    name: 'A for a ClusterIP Service is its address, authoritative, over UDP',
    args: ['web.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', flags: ['qr', 'aa', 'rd'], noFlags: ['ra', 'tc'], transport: 'UDP', answer: [`web.default.svc.cluster.local. 5 IN A ${WEB_IP}`], authority: [] },
  },
  {
    name: 'SRV for a named port gives priority 0, weight 100, the port and the Service name, with its A in additional',
    args: ['_http._tcp.web.default.svc.cluster.local', 'SRV'],
    want: { status: 'NOERROR', answer: ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.'], additional: [`web.default.svc.cluster.local. 5 IN A ${WEB_IP}`] },
  },
  {
    name: 'dig -x of a ClusterIP gives the Service name',
    args: ['-x', WEB_IP],
    want: { status: 'NOERROR', answer: [`${reverseName(WEB_IP)} 5 IN PTR web.default.svc.cluster.local.`] },
  },
  {
    name: 'an unknown Service is NXDOMAIN with the zone SOA in authority',
    args: ['nope.default.svc.cluster.local', 'A'],
    want: { status: 'NXDOMAIN', flags: ['qr', 'aa'], answer: [], authority: [SOA] },
  },
  {
    name: 'AAAA of an IPv4-only Service is NODATA: NOERROR, no answer, SOA',
    args: ['web.default.svc.cluster.local', 'AAAA'],
    want: { status: 'NOERROR', answer: [], authority: [SOA] },
  },
  {
    name: '+tcp gets the same answer over TCP',
    args: ['+tcp', 'web.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', transport: 'TCP', answer: [`web.default.svc.cluster.local. 5 IN A ${WEB_IP}`] },
  },
  {
    name: 'the question case is kept in the answer (CoreDNS: "maintain case of original query")',
    args: ['WeB.DeFaulT.svc.CLUSTER.local', 'A'],
    want: { status: 'NOERROR', answer: [`WeB.DeFaulT.svc.CLUSTER.local. 5 IN A ${WEB_IP}`] },
  },
  {
    name: 'a 100-endpoint headless answer does not fit dig\'s 1232-byte EDNS size: TC over UDP with the records that fit',
    args: ['+ignore', 'many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', flags: ['qr', 'aa', 'tc', 'rd'], transport: 'UDP', answers: 73 },
  },
  {
    name: 'the same headless answer is complete over TCP',
    args: ['+tcp', 'many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', noFlags: ['tc'], transport: 'TCP', answers: 100 },
  },
  {
    name: 'without +ignore dig retries a TC answer over TCP and gets everything',
    args: ['many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', noFlags: ['tc'], transport: 'TCP', answers: 100 },
  },
  {
    name: '+bufsize=4096 lets the whole headless answer through over UDP',
    args: ['+bufsize=4096', 'many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', noFlags: ['tc'], transport: 'UDP', answers: 100 },
  },
  {
    name: '+bufsize=512 truncates at 512 bytes',
    args: ['+ignore', '+bufsize=512', 'many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', flags: ['qr', 'aa', 'tc', 'rd'], answers: 28 },
  },
  {
    name: 'without EDNS the reply has no OPT record and the 512-byte limit applies',
    args: ['+ignore', '+noedns', 'many.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', flags: ['qr', 'aa', 'tc', 'rd'], edns: undefined, answers: 29 },
  },
  {
    name: 'EDNS is echoed: version 0, the DO bit of +dnssec, the server\'s UDP size',
    args: ['+dnssec', 'web.default.svc.cluster.local', 'A'],
    want: { status: 'NOERROR', edns: 'version: 0, flags: do; udp: 4096' },
  },
  {
    name: 'an opcode other than QUERY is NOTIMP',
    args: ['+opcode=status', 'web.default.svc.cluster.local', 'A'],
    want: { status: 'NOTIMP', answer: [] },
  },
];

test('dig against the server: A, SRV, PTR, NXDOMAIN, TCP, truncation, EDNS and case', { skip: DIG_MISSING }, async (t) => {
  const server = await DnsServer.start(engine, { host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  for (const c of digCases) {
    const got = await dig(server.port, c.args);
    const w = c.want;
    const where = `${c.name}\n  dig ${c.args.join(' ')}\n  got ${JSON.stringify({ ...got, answer: got.answer.length > 5 ? `${got.answer.length} records` : got.answer })}`;
    if (w.status !== undefined) assert.equal(got.status, w.status, where);
    if (w.transport !== undefined) assert.equal(got.transport, w.transport, where);
    for (const f of w.flags ?? []) assert.ok(got.flags.includes(f), `flag ${f}: ${where}`);
    for (const f of w.noFlags ?? []) assert.ok(!got.flags.includes(f), `no flag ${f}: ${where}`);
    if ('edns' in w) assert.equal(got.edns, w.edns, where);
    else assert.equal(got.edns, 'version: 0, flags:; udp: 4096', where);
    for (const s of ['answer', 'authority', 'additional'] as const) if (w[s] !== undefined) assert.deepEqual(got[s], w[s], where);
    if (w.answers !== undefined) {
      assert.equal(got.answer.length, w.answers, where);
      assert.ok(got.answer.every((a) => /^many\.default\.svc\.cluster\.local\. 5 IN A 10\.244\.\d+\.\d+$/.test(a)), where);
    }
  }
});

test("Node's resolver (c-ares) against the server: resolve4, resolveSrv, reverse, NXDOMAIN, and a TC answer retried over TCP", async (t) => {
  const server = await DnsServer.start(engine, { host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const r = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${server.port}`]);
  assert.deepEqual(await r.resolve4('web.default.svc.cluster.local'), [WEB_IP]);
  assert.deepEqual(await r.resolveSrv('_http._tcp.web.default.svc.cluster.local'), [{ name: 'web.default.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
  assert.deepEqual(await r.reverse(WEB_IP), ['web.default.svc.cluster.local']);
  await assert.rejects(r.resolve4('nope.default.svc.cluster.local'), { code: 'ENOTFOUND' });
  assert.equal((await r.resolve4('many.default.svc.cluster.local')).length, 100);
});

/** Sends raw queries and collects decoded replies, over UDP via the responder or over one TCP connection. */
async function ask(responder: DnsResponder, packet: Buffer, udp = true): Promise<dnsPacket.DecodedPacket & { rcode: string }> {
  const r = responder.respond(packet, udp);
  const reply = r instanceof Promise ? await r : r;
  assert.ok(reply, 'a reply');
  return dnsPacket.decode(reply) as dnsPacket.DecodedPacket & { rcode: string };
}

function query(name: string, type: string, extra: Partial<dnsPacket.Packet> & { qclass?: number } = {}): Buffer {
  const b = dnsPacket.encode({ type: 'query', id: 77, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as dnsPacket.RecordType }], ...extra });
  if (extra.qclass !== undefined) b.writeUInt16BE(extra.qclass, b.length - 2 - (extra.additionals?.length ? 11 : 0));
  return b;
}

test('the responder answers REFUSED, NOTIMP, BADVERS and SERVFAIL where a server must', async () => {
  const errors: Error[] = [];
  const responder = new DnsResponder(new StaticClusterDns(['web.default.svc.cluster.local. 5 IN A 10.96.0.20'], { failing: ['boom.default.svc.cluster.local'] }), { onError: (e) => errors.push(e) });
  const opt = (version: number) => ({ additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, ednsVersion: version } as any] });
  const cases = [
    { name: 'AXFR is REFUSED: zone transfer is not served', packet: query('cluster.local', 'AXFR'), want: 'REFUSED' },
    { name: 'IXFR is REFUSED', packet: query('cluster.local', 'IXFR'), want: 'REFUSED' },
    { name: 'class CHAOS is REFUSED', packet: query('version.bind', 'TXT', { qclass: 3 }), want: 'REFUSED' },
    { name: 'opcode UPDATE is NOTIMP', packet: query('web.default.svc.cluster.local', 'A', { flags: 5 << 11 }), want: 'NOTIMP' },
    { name: 'EDNS version 1 is BADVERS (rcode 16: 0 in the header, 1 in the OPT)', packet: query('web.default.svc.cluster.local', 'A', opt(1)), want: 'NOERROR ext 1' },
    { name: 'an engine that throws gives SERVFAIL', packet: query('boom.default.svc.cluster.local', 'A'), want: 'SERVFAIL' },
    { name: 'a header followed by garbage is FORMERR', packet: Buffer.concat([query('a', 'A').subarray(0, 12), Buffer.from([0x3f, 1, 2])]), want: 'FORMERR' },
  ];
  for (const c of cases) {
    const d = await ask(responder, c.packet);
    const ext = (d.additionals ?? []).find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    assert.equal(`${d.rcode}${ext?.extendedRcode ? ` ext ${ext.extendedRcode}` : ''}`, c.want, c.name);
    assert.equal(d.id, 77, c.name);
  }
  assert.equal(errors.length, 1);
  assert.deepEqual(await responder.respond(Buffer.from([1, 2, 3]), true), undefined, 'a runt is dropped');
});

test('the cache answers repeats without the engine, setDns empties it at once, and only the model\'s own answers are kept', async () => {
  const first = new StaticClusterDns(['web.default.svc.cluster.local. 5 IN A 10.96.0.20']);
  const responder = new DnsResponder(first);
  const q = (id: number) => query('web.default.svc.cluster.local', 'A', { id });
  assert.deepEqual((await ask(responder, q(1))).answers!.map((a) => (a as dnsPacket.StringAnswer).data), ['10.96.0.20']);
  const hit = responder.respond(q(2), true);
  assert.ok(Buffer.isBuffer(hit), 'a repeated question is answered synchronously');
  assert.equal(dnsPacket.decode(hit).id, 2, 'with its own ID');
  assert.equal(first.questions.length, 1, 'without asking the engine again');
  responder.setDns(new StaticClusterDns(['web.default.svc.cluster.local. 5 IN A 10.96.0.99']));
  assert.deepEqual((await ask(responder, q(3))).answers!.map((a) => (a as dnsPacket.StringAnswer).data), ['10.96.0.99']);

  // A CNAME (an ExternalName, whose target may be chased upstream) is not kept either.
  const external = new StaticClusterDns(['ext.default.svc.cluster.local. 5 IN CNAME www.example.com.']);
  responder.setDns(external);
  await ask(responder, query('ext.default.svc.cluster.local', 'CNAME'));
  await ask(responder, query('ext.default.svc.cluster.local', 'CNAME'));
  assert.equal(external.questions.length, 2);

  // Answers that are not the model's own (forwarded upstream: not authoritative) are never cached.
  let calls = 0;
  const forwarded: ClusterDns = { answer: async (): Promise<Answer> => (calls++, { rcode: 'NOERROR', authoritative: false, answers: [{ name: 'example.com.', type: 'A', ttl: 60, data: '192.0.2.1' }], authority: [], additional: [] }) };
  responder.setDns(forwarded);
  await ask(responder, query('example.com', 'A'));
  await ask(responder, query('example.com', 'A'));
  assert.equal(calls, 2);
});

test('TCP: several length-prefixed queries on one connection, split across writes, each answered; idle connections close', async (t) => {
  const server = await DnsServer.start(engine, { host: '127.0.0.1', port: 0, tcpIdleTimeoutMs: 300 });
  t.after(() => server.close());
  const conn = connect(server.port, '127.0.0.1');
  await new Promise<void>((r) => conn.once('connect', r));
  const replies: dnsPacket.DecodedPacket[] = [];
  let buffered = Buffer.alloc(0);
  conn.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      replies.push(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
      buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
    }
  });
  const closed = new Promise<number>((r) => conn.on('close', () => r(Date.now())));
  const stream = Buffer.concat(
    ['web', 'many', 'nope'].map((s, i) => dnsPacket.streamEncode({ type: 'query', id: 100 + i, questions: [{ name: `${s}.default.svc.cluster.local`, type: 'A' }] })),
  );
  conn.write(stream.subarray(0, 7));
  await new Promise((r) => setTimeout(r, 20));
  conn.write(stream.subarray(7));
  const sent = Date.now();
  const closedAt = await closed;
  assert.deepEqual(
    replies.map((r) => `${r.id} ${(r as any).rcode} ${r.answers!.length} tc=${r.flag_tc}`).sort(),
    ['100 NOERROR 1 tc=false', '101 NOERROR 100 tc=false', '102 NXDOMAIN 0 tc=false'],
  );
  assert.ok(closedAt - sent >= 250 && closedAt - sent < 5000, `closed after ${closedAt - sent} ms idle`);
});

test('start reports an address in use as DnsListenError and leaves nothing open', async (t) => {
  const server = await DnsServer.start(engine, { host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  await assert.rejects(DnsServer.start(engine, { host: '127.0.0.1', port: server.port }), (e: unknown) => e instanceof DnsListenError && e.code === 'EADDRINUSE' && e.transport === 'UDP' && /address already in use/.test(e.message));
  await assert.rejects(DnsServer.start(engine, { host: 'localhost', port: 0 }), /host: invalid value "localhost": must be an IP address/);
});

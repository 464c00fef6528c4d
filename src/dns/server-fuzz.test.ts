// Fuzz tests of the DNS server: random bytes, truncated queries and bit flips, in process and over real UDP and TCP
// sockets; every reply must be a well-formed response, cached replies must equal fresh ones, and the server must
// still answer a valid query afterwards. Seeded, bounded in count and time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { StaticClusterDns } from '../testing/static-cluster-dns.js';
import { DnsResponder, DnsServer } from './server.js';
import { mulberry32 } from '../core/prng.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const BUDGET_MS = 20_000;

const records = [
  'web.default.svc.cluster.local. 5 IN A 10.96.0.20',
  'web.default.svc.cluster.local. 5 IN AAAA fd00::20',
  '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.',
  'dns-version.cluster.local. 28800 IN TXT "1.1.0"',
  ...Array.from({ length: 80 }, (_, i) => `big.default.svc.cluster.local. 5 IN A 10.244.0.${i}`),
];

/** Valid queries of every shape the server handles, the seeds that truncation and bit flips start from. */
function seeds(): Buffer[] {
  const q = (name: string, type: string, extra: Partial<dnsPacket.Packet> = {}, flags = dnsPacket.RECURSION_DESIRED) =>
    dnsPacket.encode({ type: 'query', id: 4242, flags, questions: [{ name, type: type as dnsPacket.RecordType }], ...extra });
  const opt = (size: number, options: dnsPacket.PacketOpt[] = []) => ({ additionals: [{ type: 'OPT', name: '.', udpPayloadSize: size, flags: 0, options } as any] });
  return [
    q('web.default.svc.cluster.local', 'A'),
    q('WEB.default.svc.cluster.local', 'AAAA', opt(1232)),
    q('_http._tcp.web.default.svc.cluster.local', 'SRV', opt(4096, [{ code: 10, data: Buffer.alloc(8, 9) } as any])),
    q('big.default.svc.cluster.local', 'A'),
    q('nope.default.svc.cluster.local', 'A', opt(512)),
    q('dns-version.cluster.local', 'TXT'),
    q('web.default.svc.cluster.local', 'AXFR'),
    q('web.default.svc.cluster.local', 'A', {}, (2 << 11) | dnsPacket.RECURSION_DESIRED),
    q('example.com', 'MX'),
  ];
}

function* fuzzInputs(rand: () => number, count: number): Generator<Buffer> {
  const base = seeds();
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    if (kind === 0) {
      const b = Buffer.alloc(Math.floor(rand() * (rand() < 0.5 ? 40 : 700)));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      yield b;
    } else if (kind === 1) {
      const s = pick(base);
      yield s.subarray(0, Math.floor(rand() * s.length));
    } else if (kind === 2) {
      const b = Buffer.from(pick(base));
      const flips = 1 + Math.floor(rand() * 8);
      for (let j = 0; j < flips; j++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      yield b;
    } else {
      // A plausible header in front of random bytes: one question claimed, QR clear, opcode QUERY.
      const s = pick(base);
      const tail = Buffer.alloc(Math.floor(rand() * 80));
      for (let j = 0; j < tail.length; j++) tail[j] = rand() < 0.7 ? 0x61 + Math.floor(rand() * 26) : Math.floor(rand() * 64);
      yield Buffer.concat([s.subarray(0, 12), tail]);
    }
  }
}

async function settle(r: Buffer | undefined | Promise<Buffer | undefined>): Promise<Buffer | undefined> {
  return r instanceof Promise ? await r : r;
}

function assertResponse(reply: Buffer, request: Buffer): void {
  let d: dnsPacket.DecodedPacket;
  try {
    d = dnsPacket.decode(reply);
  } catch (e) {
    assert.fail(`reply ${reply.toString('hex')} to ${request.toString('hex')} does not decode: ${(e as Error).message}`);
  }
  assert.equal(d.flag_qr, true, `reply to ${request.toString('hex')} has QR set`);
  assert.equal(d.id, request.readUInt16BE(0), `reply to ${request.toString('hex')} echoes the ID`);
}

test('fuzz in process: every reply is a well-formed response and cached replies equal fresh ones', async () => {
  const rand = mulberry32(SEED);
  const errors: Error[] = [];
  const cached = new DnsResponder(new StaticClusterDns(records), { onError: (e) => errors.push(e) });
  const fresh = new DnsResponder(new StaticClusterDns(records), { cacheSuccess: 0, cacheDenial: 0 });
  const deadline = Date.now() + BUDGET_MS / 2;
  let n = 0;
  let replied = 0;
  for (const input of fuzzInputs(rand, 20_000)) {
    if (Date.now() > deadline) break;
    n++;
    for (const udp of [true, false]) {
      const first = await settle(cached.respond(input, udp));
      const again = await settle(cached.respond(input, udp));
      const reference = await settle(fresh.respond(input, udp));
      assert.deepEqual(again, first, `a repeated ${input.toString('hex')} gets the same reply`);
      assert.deepEqual(first, reference, `the cache does not change the reply to ${input.toString('hex')}`);
      if (first) {
        replied++;
        assertResponse(first, input);
        if (udp) assert.ok(first.length <= 4096);
      } else assert.ok(input.length < 12 || (input[2] & 0x80) !== 0, `only runts and responses are dropped: ${input.toString('hex')}`);
    }
  }
  console.log(`fuzz in process: seed ${SEED}, ${n} inputs, ${replied} replies, ${cached.cachedReplies} cached`);
  assert.ok(n >= 1000, `at least 1000 inputs within the budget (got ${n})`);
  assert.deepEqual(errors, []);
});

test('fuzz over sockets: random and broken packets on UDP and TCP, then a valid query still answers', async (t) => {
  const rand = mulberry32(SEED + 1);
  const server = await DnsServer.start(new StaticClusterDns(records), { host: '127.0.0.1', port: 0, tcpIdleTimeoutMs: 2000 });
  t.after(() => server.close());
  const udp = createSocket('udp4');
  t.after(() => udp.close());
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  let udpReplies = 0;
  udp.on('message', (m) => {
    udpReplies++;
    assert.equal(m[2] & 0x80, 0x80, 'every UDP reply is a response');
  });
  const inputs = [...fuzzInputs(rand, 3000)];
  for (let i = 0; i < inputs.length; i++) {
    udp.send(inputs[i], server.port, '127.0.0.1');
    if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // pace, so the socket buffer never overflows
  }
  // TCP: the same inputs, framed, on a few connections; then a frame cut in half and a connection that hangs up.
  for (let c = 0; c < 3; c++) {
    const conn = connect(server.port, '127.0.0.1');
    await new Promise<void>((r, j) => conn.once('connect', r).once('error', j));
    conn.on('error', () => {});
    for (const input of inputs.slice(c * 1000, c * 1000 + 1000)) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(input.length);
      conn.write(Buffer.concat([len, input]));
    }
    conn.write(Buffer.from([0x01, 0x00, 0x12, 0x34]));
    conn.destroy();
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(udpReplies > inputs.length / 2, `${udpReplies} UDP replies to ${inputs.length} datagrams`);

  // Still alive: a valid query over UDP and over TCP.
  const resolver = new (await import('node:dns')).promises.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
  assert.deepEqual(await resolver.resolve4('web.default.svc.cluster.local'), ['10.96.0.20']);
  assert.equal((await resolver.resolve4('big.default.svc.cluster.local')).length, 80, 'a TC answer is retried over TCP and complete');
  console.log(`fuzz over sockets: seed ${SEED + 1}, ${inputs.length} datagrams, ${udpReplies} UDP replies`);
});

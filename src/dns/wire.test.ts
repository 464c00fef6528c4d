// Tests of the DNS wire format: requests decoded and rejected as a server must, replies compressed, truncated and
// carrying EDNS as the RFCs say, checked by decoding them again with dns-packet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { parseRecord } from './zone-text.js';
import type { Answer, ResourceRecord } from './types.js';
import { cacheKey, decodeRequest, encodeError, encodeResponse, MAX_MESSAGE_BYTES, RequestHead } from './wire.js';

const Z = 'svc.cluster.local';

function query(name: string, type: dnsPacket.RecordType = 'A', opts: { id?: number; edns?: { size?: number; do?: boolean; options?: dnsPacket.PacketOpt[] }; flags?: number } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 0x1234,
    flags: opts.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns.size ?? 1232, flags: opts.edns.do ? dnsPacket.DNSSEC_OK : 0, options: opts.edns.options ?? [] } as any] : [],
  });
}

function headOf(buf: Buffer): RequestHead {
  const d = decodeRequest(buf);
  assert.equal(d.kind, 'query', JSON.stringify(d));
  return (d as { head: RequestHead }).head;
}

const answer = (answers: string[], more: { authority?: string[]; additional?: string[]; rcode?: Answer['rcode'] } = {}): Answer => ({
  rcode: more.rcode ?? 'NOERROR',
  authoritative: true,
  answers: answers.map(parseRecord),
  authority: (more.authority ?? []).map(parseRecord),
  additional: (more.additional ?? []).map(parseRecord),
});

const LIMITS = { limit: MAX_MESSAGE_BYTES, serverUdpPayload: 4096 };

/** Zone-file text of a decoded section, for readable assertions. */
function zone(records: dnsPacket.Answer[] | undefined): string[] {
  return (records ?? []).map((r: any) => {
    const d = r.data;
    const data = r.type === 'SRV' ? `${d.priority} ${d.weight} ${d.port} ${d.target}.` : r.type === 'SOA' ? `${d.mname}. ${d.rname}. ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}` : r.type === 'TXT' ? d.map((b: Buffer) => `"${b}"`).join(' ') : /^(CNAME|PTR|NS)$/.test(r.type) ? `${d}.` : d;
    return `${r.name}. ${r.ttl} IN ${r.type} ${data}`;
  });
}

test('decodeRequest drops, rejects or accepts each kind of request', () => {
  const twoQuestions = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] });
  const twoOpts = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 512 } as any, { type: 'OPT', name: '.', udpPayloadSize: 512 } as any] });
  const status = query(`web.default.${Z}`, 'A', { flags: 2 << 11 });
  const unknownType = query(`web.default.${Z}`, 'UNKNOWN_65280' as dnsPacket.RecordType);
  const cases: Array<{ name: string; input: Buffer; want: string }> = [
    { name: 'fewer bytes than a header are dropped', input: Buffer.from([1, 2, 3]), want: 'drop' },
    { name: 'a response is dropped, so that servers never answer each other', input: Buffer.from(query('a').fill(0x80, 2, 3)), want: 'drop' },
    { name: 'a header whose question runs off the end is FORMERR', input: Buffer.concat([query('a').subarray(0, 12), Buffer.from([5, 0x61])]), want: 'reject FORMERR' },
    { name: 'two questions are FORMERR', input: twoQuestions, want: 'reject FORMERR' },
    { name: 'two OPT records are FORMERR (RFC 6891 §6.1.1)', input: twoOpts, want: 'reject FORMERR' },
    { name: 'opcode STATUS is NOTIMP and keeps its question', input: status, want: `reject NOTIMP web.default.${Z} A` },
    { name: 'an unknown type is named as in RFC 3597', input: unknownType, want: `query web.default.${Z} TYPE65280` },
    { name: 'the question keeps its case', input: query(`WeB.Default.${Z}`), want: `query WeB.Default.${Z} A` },
  ];
  for (const c of cases) {
    const d = decodeRequest(c.input);
    const got = d.kind === 'drop' ? 'drop' : `${d.kind}${d.kind === 'reject' ? ` ${d.rcode}` : ''}${d.head.question ? ` ${d.head.question.name} ${d.head.question.type}` : ''}`;
    assert.equal(got, c.want, c.name);
  }
});

test('names in a reply are compressed, except SRV targets (RFC 2782)', () => {
  const q = query(`web.default.${Z}`, 'SRV');
  const a = answer([`web.default.${Z}. 5 IN SRV 0 100 80 web.default.${Z}.`], { additional: [`web.default.${Z}. 5 IN A 10.96.0.20`] });
  const reply = encodeResponse(headOf(q), a, LIMITS);
  // Question at 12; the answer's owner is a pointer to it; the SRV target is spelled out; the additional owner points.
  assert.equal(reply.readUInt16BE(q.length), 0xc00c);
  const srvTarget = reply.indexOf(Buffer.from('\x03web\x07default\x03svc', 'latin1'), q.length);
  assert.ok(srvTarget > q.length, 'the SRV target is written in full');
  assert.equal(reply.readUInt16BE(srvTarget + 31), 0xc00c, 'the additional A record points at the question');
  const uncompressed = dnsPacket.encodingLength({ questions: [{ name: `web.default.${Z}`, type: 'SRV' }], answers: [{ name: `web.default.${Z}`, type: 'SRV', data: { port: 80, target: `web.default.${Z}` } }], additionals: [{ name: `web.default.${Z}`, type: 'A', data: '10.96.0.20' }] });
  assert.ok(reply.length < uncompressed - 50, `${reply.length} bytes compressed vs ${uncompressed} uncompressed`);
  const d = dnsPacket.decode(reply);
  assert.deepEqual(zone(d.answers), [`web.default.${Z}. 5 IN SRV 0 100 80 web.default.${Z}.`]);
  assert.deepEqual(zone(d.additionals), [`web.default.${Z}. 5 IN A 10.96.0.20`]);
});

test('every record type of the engine survives encoding, in the case it was given', () => {
  const records = [
    `WeB.default.${Z}. 5 IN A 10.96.0.20`,
    `web.default.${Z}. 5 IN AAAA fd00::20`,
    `v4mapped.default.${Z}. 5 IN AAAA ::ffff:10.0.0.1`,
    `ext.default.${Z}. 5 IN CNAME www.example.com.`,
    `20.0.96.10.in-addr.arpa. 5 IN PTR web.default.${Z}.`,
    `cluster.local. 5 IN NS ns.dns.cluster.local.`,
    `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5`,
    `dns-version.cluster.local. 28800 IN TXT "1.1.0"`,
    `_http._tcp.web.default.${Z}. 5 IN SRV 0 50 8080 10-244-1-5.web.default.${Z}.`,
  ];
  const reply = encodeResponse(headOf(query(`WeB.default.${Z}`)), answer(records), LIMITS);
  assert.deepEqual(zone(dnsPacket.decode(reply).answers), records.map((r) => r.replace('v4mapped.default.svc.cluster.local. 5 IN AAAA ::ffff:10.0.0.1', 'v4mapped.default.svc.cluster.local. 5 IN AAAA ::ffff:a00:1')));
});

test('a UDP reply larger than the limit keeps the records that fit and sets TC', () => {
  const many = Array.from({ length: 60 }, (_, i) => `big.default.${Z}. 5 IN A 10.244.0.${i}`);
  const cases = [
    { name: 'without EDNS the limit is 512 bytes', edns: undefined, limit: 512, wantTC: true, wantAnswers: 29 },
    { name: 'EDNS raises the limit to the advertised size', edns: { size: 1232 }, limit: 1232, wantTC: false, wantAnswers: 60 },
    { name: 'a small EDNS size still truncates, and the OPT record stays', edns: { size: 600 }, limit: 600, wantTC: true, wantAnswers: 33 },
    { name: 'TCP takes everything', edns: undefined, limit: MAX_MESSAGE_BYTES, wantTC: false, wantAnswers: 60 },
  ];
  for (const c of cases) {
    const reply = encodeResponse(headOf(query(`big.default.${Z}`, 'A', { edns: c.edns })), answer(many, { authority: [] }), { limit: c.limit, serverUdpPayload: 4096 });
    const d = dnsPacket.decode(reply);
    assert.ok(reply.length <= c.limit, `${c.name}: ${reply.length} bytes`);
    assert.equal(d.flag_tc, c.wantTC, c.name);
    assert.equal(d.answers!.length, c.wantAnswers, c.name);
    assert.equal(d.additionals!.filter((a) => a.type === 'OPT').length, c.edns ? 1 : 0, c.name);
  }
});

test('additional records that do not fit are dropped without TC (RFC 2181 §9)', () => {
  const extra = Array.from({ length: 60 }, (_, i) => `t${i}.web.default.${Z}. 5 IN A 10.244.0.${i}`);
  const reply = encodeResponse(headOf(query(`web.default.${Z}`, 'SRV')), answer([`web.default.${Z}. 5 IN SRV 0 100 80 web.default.${Z}.`], { additional: extra }), { limit: 512, serverUdpPayload: 4096 });
  const d = dnsPacket.decode(reply);
  assert.equal(d.flag_tc, false);
  assert.equal(d.answers!.length, 1);
  assert.ok(d.additionals!.length > 0 && d.additionals!.length < 60);
});

test('EDNS: the OPT record is echoed with the server size and the DO bit; BADVERS uses the extended rcode', () => {
  const a = answer([`web.default.${Z}. 5 IN A 10.96.0.20`]);
  const cases = [
    { name: 'no OPT in, no OPT out', edns: undefined, want: undefined },
    { name: 'OPT in, OPT out with the server size', edns: { size: 1232 }, want: { udpPayloadSize: 4096, flag_do: false } },
    { name: 'DO is copied (RFC 3225)', edns: { size: 4096, do: true }, want: { udpPayloadSize: 4096, flag_do: true } },
    { name: 'options such as a client cookie are accepted and not echoed', edns: { size: 1232, options: [{ code: 10, data: Buffer.alloc(8, 7) } as any] }, want: { udpPayloadSize: 4096, flag_do: false } },
  ];
  for (const c of cases) {
    const d = dnsPacket.decode(encodeResponse(headOf(query(`web.default.${Z}`, 'A', { edns: c.edns })), a, LIMITS));
    const opt = d.additionals!.find((x) => x.type === 'OPT') as dnsPacket.OptAnswer | undefined;
    assert.deepEqual(opt && { udpPayloadSize: opt.udpPayloadSize, flag_do: opt.flag_do }, c.want, c.name);
    if (opt) assert.deepEqual(opt.options, [], c.name);
  }
  const badvers = encodeError(headOf(query(`web.default.${Z}`, 'A', { edns: { size: 1232 } })), 'BADVERS', 4096);
  const d = dnsPacket.decode(badvers);
  assert.equal(badvers.readUInt16BE(2) & 0xf, 0);
  assert.equal((d.additionals![0] as dnsPacket.OptAnswer).extendedRcode, 1); // 16 >> 4
});

test('the reply header echoes ID, opcode, RD and CD, sets QR and AA, and never RA', () => {
  const q = query(`web.default.${Z}`, 'A', { id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED });
  const d = dnsPacket.decode(encodeResponse(headOf(q), answer([`web.default.${Z}. 5 IN A 10.96.0.20`]), LIMITS)) as dnsPacket.DecodedPacket & { rcode: string };
  assert.deepEqual([d.id, d.flag_qr, d.flag_aa, d.flag_rd, d.flag_cd, d.flag_ra, d.flag_tc, d.rcode], [0xbeef, true, true, true, true, false, false, 'NOERROR']);
  const nx = dnsPacket.decode(encodeResponse(headOf(q), answer([], { rcode: 'NXDOMAIN', authority: ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5'] }), LIMITS)) as dnsPacket.DecodedPacket & { rcode: string };
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.deepEqual(zone(nx.authorities), ['cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5']);
});

test('cacheKey holds everything a reply depends on except the ID, and refuses what it cannot read cheaply', () => {
  const key = (b: Buffer) => cacheKey(b, 512, 4096);
  const base = key(query(`web.default.${Z}`))!;
  assert.ok(base);
  assert.equal(key(query(`web.default.${Z}`, 'A', { id: 99 })), base, 'the ID is not in the key');
  const different = [
    query(`WEB.default.${Z}`),
    query(`web.default.${Z}`, 'AAAA'),
    query(`web.default.${Z}`, 'A', { flags: 0 }),
    query(`web.default.${Z}`, 'A', { flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED }),
    query(`web.default.${Z}`, 'A', { edns: { size: 1232 } }),
    query(`web.default.${Z}`, 'A', { edns: { size: 4096 } }),
    query(`web.default.${Z}`, 'A', { edns: { size: 1232, do: true } }),
  ].map(key);
  assert.equal(new Set([base, ...different]).size, 8);
  assert.equal(key(query(`web.default.${Z}`, 'A', { edns: { size: 1232, options: [{ code: 10, data: Buffer.alloc(8, 1) } as any] } })), different[4], 'EDNS options are not in the key');
  assert.equal(cacheKey(query(`web.default.${Z}`, 'A', { edns: { size: 9000 } }), 65535, 4096), cacheKey(query(`web.default.${Z}`, 'A', { edns: { size: 1232 } }), 65535, 4096), 'over TCP the size does not matter');
  const compressed = Buffer.from(query('a'));
  const refused = [
    Buffer.concat([query(`web.default.${Z}`), Buffer.from([0])]),
    dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a', type: 'A' }, { name: 'b', type: 'A' }] }),
    Buffer.from([...compressed.subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]),
    query(`web.default.${Z}`, 'A', { flags: 2 << 11 }),
  ];
  for (const b of refused) assert.equal(key(b), undefined);
});

const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => `${l.join('.')}.cluster.local.`);
const record: fc.Arbitrary<ResourceRecord> = fc.oneof(
  fc.record({ name, type: fc.constant('A' as const), ttl: fc.nat(3600), data: fc.ipV4() }),
  fc.record({ name, type: fc.constant('CNAME' as const), ttl: fc.nat(3600), data: name }),
  fc.record({ name, type: fc.constant('PTR' as const), ttl: fc.nat(3600), data: name }),
  fc.record({ name, type: fc.constant('SRV' as const), ttl: fc.nat(3600), data: fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target: name }) }),
  fc.record({ name, type: fc.constant('TXT' as const), ttl: fc.nat(3600), data: fc.array(fc.stringMatching(/^[ -~]{0,300}$/), { minLength: 1, maxLength: 3 }) }),
);

test('property: whatever the engine answers decodes back to the same records, and truncation keeps whole records', () => {
  fc.assert(
    fc.property(name, fc.array(record, { maxLength: 40 }), fc.array(record, { maxLength: 5 }), fc.constantFrom(512, 1232, MAX_MESSAGE_BYTES), (qname, answers, additional, limit) => {
      const reply = encodeResponse(headOf(query(qname)), { rcode: 'NOERROR', authoritative: true, answers, authority: [], additional }, { limit, serverUdpPayload: 4096 });
      assert.ok(reply.length <= limit);
      const d = dnsPacket.decode(reply);
      const back = [...(d.answers ?? []), ...(d.additionals ?? [])];
      const sent = [...answers, ...additional].slice(0, back.length);
      const norm = (r: any) => {
        const data = r.type === 'TXT' ? Buffer.concat((Array.isArray(r.data) ? r.data : [r.data]).map((s: Buffer | string) => Buffer.from(s))).toString('latin1') : r.type === 'SRV' ? { ...r.data, target: r.data.target.replace(/\.$/, '') } : typeof r.data === 'string' ? r.data.replace(/\.$/, '') : r.data;
        return { name: r.name.replace(/\.$/, ''), type: r.type, ttl: r.ttl, data };
      };
      assert.deepEqual(back.map(norm), sent.map(norm));
      assert.equal(d.flag_tc, (d.answers ?? []).length < answers.length);
    }),
    { numRuns: 300 },
  );
});

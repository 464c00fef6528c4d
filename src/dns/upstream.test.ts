// The UDP forwarder against a real local DNS responder: answers and rcodes pass through, silence and closed ports
// become SERVFAIL, and a ClusterConfig with spec.dns.upstream forwards outside names through it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { resolveClusterConfig } from '../core/cluster-config.js';
import { buildClusterDns } from './cluster-dns.js';
import { question, runDnsCases } from '../testing/dns-cases.js';
import { udpUpstream } from './upstream.js';

/** A DNS responder on 127.0.0.1 with a few canned answers; `silent.test` is never answered. */
async function responder(): Promise<{ port: number; asked: string[]; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const { name, type } = q.questions![0];
    asked.push(`${name} ${type} rd=${q.flag_rd}`);
    if (name === 'silent.test') return;
    const answers: dnsPacket.Answer[] = [];
    let rcode = 'NOERROR';
    if (name === 'www.example.test' && type === 'A')
      answers.push({ name, type: 'CNAME', ttl: 300, data: 'example.test' }, { name: 'example.test', type: 'A', ttl: 300, data: '192.0.2.1' });
    else if (name === 'example.test' && type === 'TXT') answers.push({ name, type: 'TXT', ttl: 60, data: ['v=spf1 -all'] });
    else if (name === 'example.test' && type === 'MX') answers.push({ name, type: 'MX', ttl: 60, data: { preference: 10, exchange: 'mail.example.test' } });
    else if (name !== 'example.test') rcode = 'NXDOMAIN';
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcode === 'NXDOMAIN' ? 3 : 0),
      questions: q.questions,
      answers,
      authorities: rcode === 'NXDOMAIN' ? [{ name: 'test', type: 'SOA', ttl: 60, data: { mname: 'ns.test', rname: 'admin.test', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }] : [],
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, asked, close: () => socket.close() };
}

test('the forwarder passes answers, rcodes and authority through, asking with RD set', async () => {
  const r = await responder();
  try {
    const up = udpUpstream('127.0.0.1', r.port, { timeoutMs: 2000 });
    const a = await up.lookup(question('www.example.test. A'));
    assert.equal(a.rcode, 'NOERROR');
    assert.deepEqual(a.answers, [
      { name: 'www.example.test.', type: 'CNAME', ttl: 300, data: 'example.test.' },
      { name: 'example.test.', type: 'A', ttl: 300, data: '192.0.2.1' },
    ]);
    assert.deepEqual((await up.lookup(question('example.test TXT'))).answers, [{ name: 'example.test.', type: 'TXT', ttl: 60, data: ['v=spf1 -all'] }]);
    assert.deepEqual((await up.lookup(question('example.test MX'))).answers, [], 'types flatnet does not carry are left out');
    const nx = await up.lookup(question('missing.test. A'));
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.authority[0].type, 'SOA');
    assert.deepEqual(r.asked, ['www.example.test A rd=true', 'example.test TXT rd=true', 'example.test MX rd=true', 'missing.test A rd=true']);
  } finally {
    r.close();
  }
});

test('no reply within the timeout, or a closed port, is SERVFAIL', async () => {
  const r = await responder();
  try {
    const started = Date.now();
    assert.equal((await udpUpstream('127.0.0.1', r.port, { timeoutMs: 100 }).lookup(question('silent.test. A'))).rcode, 'SERVFAIL');
    assert.ok(Date.now() - started < 1000);
  } finally {
    r.close();
  }
  const closed = await responder();
  closed.close();
  assert.equal((await udpUpstream('127.0.0.1', closed.port, { timeoutMs: 300 }).lookup(question('example.test. A'))).rcode, 'SERVFAIL');
  assert.throws(() => udpUpstream('127.0.0.1', 53, { timeoutMs: 0 }), /timeoutMs must be a positive number/);
});

test('spec.dns.upstream forwards names outside the cluster and externalNames', async () => {
  const r = await responder();
  try {
    const spec = { dns: { upstream: `127.0.0.1:${r.port}`, externalNames: { 'api.example.test': '203.0.113.10' } } };
    const config = resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'u' }, spec }).config!;
    const dns = buildClusterDns([], config, { serial: 1 });
    assert.equal(dns.upstream?.address, `127.0.0.1:${r.port}`);
    await runDnsCases(dns, [
      { name: 'forwarded', q: 'www.example.test. A', rcode: 'NOERROR', answer: ['www.example.test. 300 IN CNAME example.test.', 'example.test. 300 IN A 192.0.2.1'] },
      { name: 'externalNames answer first', q: 'api.example.test. A', rcode: 'NOERROR', answer: ['api.example.test. 5 IN A 203.0.113.10'] },
    ]);
    assert.deepEqual(r.asked, ['www.example.test A rd=true']);
  } finally {
    r.close();
  }
});

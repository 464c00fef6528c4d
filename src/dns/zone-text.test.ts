// The canonical zone-file text of records, its parser, and the name helpers the engine builds on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromReverse, canonicalIP, dashedIP, labelsBelow, reverseName } from './names.js';
import type { ResourceRecord } from './types.js';
import { canonicalRecordText, formatRecord, parseRecord, ZoneTextError } from './zone-text.js';

const records: { text: string; rr: ResourceRecord }[] = [
  { text: 'my-api.default.svc.cluster.local.\t5\tIN\tA\t10.96.45.123', rr: { name: 'my-api.default.svc.cluster.local.', type: 'A', ttl: 5, data: '10.96.45.123' } },
  { text: 'svc6.testns.svc.cluster.local.\t5\tIN\tAAAA\t1234:abcd::1', rr: { name: 'svc6.testns.svc.cluster.local.', type: 'AAAA', ttl: 5, data: '1234:abcd::1' } },
  { text: 'external.testns.svc.cluster.local.\t5\tIN\tCNAME\text.interwebs.test.', rr: { name: 'external.testns.svc.cluster.local.', type: 'CNAME', ttl: 5, data: 'ext.interwebs.test.' } },
  { text: '_http._tcp.svc1.testns.svc.cluster.local.\t5\tIN\tSRV\t0 100 80 svc1.testns.svc.cluster.local.', rr: { name: '_http._tcp.svc1.testns.svc.cluster.local.', type: 'SRV', ttl: 5, data: { priority: 0, weight: 100, port: 80, target: 'svc1.testns.svc.cluster.local.' } } },
  { text: 'dns-version.cluster.local.\t28800\tIN\tTXT\t"1.1.0"', rr: { name: 'dns-version.cluster.local.', type: 'TXT', ttl: 28800, data: ['1.1.0'] } },
  { text: 't.example.\t5\tIN\tTXT\t"say \\"hi\\"" "a\\\\b"', rr: { name: 't.example.', type: 'TXT', ttl: 5, data: ['say "hi"', 'a\\b'] } },
  {
    text: 'cluster.local.\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 5',
    rr: { name: 'cluster.local.', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local.', rname: 'hostmaster.cluster.local.', serial: 1499347823, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } },
  },
];

for (const { text, rr } of records)
  test(`zone-file text round-trips: ${rr.type} ${rr.name}`, () => {
    assert.equal(formatRecord(rr), text);
    assert.deepEqual(parseRecord(text), rr);
  });

test('expected answers may use any spacing and leave out the class', () => {
  assert.equal(canonicalRecordText('svc1.testns.svc.cluster.local.  5   IN A    10.0.0.1'), 'svc1.testns.svc.cluster.local.\t5\tIN\tA\t10.0.0.1');
  assert.equal(canonicalRecordText('1.0.3.10.in-addr.arpa. 14 PTR kubernetes.default.svc.cluster.local.'), '1.0.3.10.in-addr.arpa.\t14\tIN\tPTR\tkubernetes.default.svc.cluster.local.');
  assert.throws(() => parseRecord('svc1 A 10.0.0.1'), ZoneTextError);
  assert.throws(() => parseRecord('x. 5 IN MX 10 mail.x.'), /type MX is not one flatnet answers with/);
  assert.throws(() => parseRecord('x. 5 IN SRV 0 100 http x.'), /"http" is not a number/);
});

test('reverse names, dashed labels and canonical addresses follow the spec and CoreDNS', () => {
  assert.equal(reverseName('10.3.0.1'), '1.0.3.10.in-addr.arpa.');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.');
  assert.equal(addressFromReverse('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.'), '2001:db8::1');
  assert.equal(addressFromReverse('1.0.3.10.in-addr.arpa.'), '10.3.0.1');
  assert.equal(addressFromReverse('0.3.10.in-addr.arpa.'), undefined, 'a partial name is a zone, not an address');
  assert.deepEqual([dashedIP('172.0.0.2'), dashedIP('5678:abcd::1'), dashedIP('1234::')], ['172-0-0-2', '5678-abcd--1', '1234--0']);
  assert.deepEqual([canonicalIP('1234:ABCD:0:0:0:0:0:0001'), canonicalIP('10.0.0.1'), canonicalIP('10.0.0.256'), canonicalIP('1:2:3:4:5:6:7:8:9')], ['1234:abcd::1', '10.0.0.1', undefined, undefined]);
  assert.deepEqual(labelsBelow('svc1.testns.svc.cluster.local.', 'cluster.local.'), ['svc1', 'testns', 'svc']);
  assert.deepEqual(labelsBelow('cluster.local.', 'cluster.local.'), []);
});

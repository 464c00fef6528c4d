// ClusterConfig spec.dns: its defaults, every validation error at once in the house wording, and the coredns
// ConfigMap's Corefile stating what the cluster DNS really does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterConfigYaml, clusterFromYaml, inputErrorsOf, find } from '../testing/cluster.js';

const config = (dns: string) => clusterConfigYaml(`  dns:
${dns}`);


test('spec.dns defaults: TTL 5, insecure pod records, no externalNames, no upstream', () => {
  const c = clusterFromYaml('');
  assert.deepEqual(c.config.dns, { ttl: 5, podRecords: 'insecure', externalNames: {} });
  assert.deepEqual(c.config.spec.dns, { ttl: 5, podRecords: 'insecure', externalNames: {} });
});

test('spec.dns resolves names to lowercase without the dot, addresses to lists, and the upstream port to 53', () => {
  const c = clusterFromYaml(config('    ttl: 30\n    podRecords: verified\n    upstream: 192.0.2.53\n    externalNames:\n      API.Example.com.: 203.0.113.10\n      db.example.com: [198.51.100.1, 198.51.100.2]\n      www.example.com: API.example.com'));
  assert.deepEqual(c.config.dns, {
    ttl: 30,
    podRecords: 'verified',
    upstream: { ip: '192.0.2.53', port: 53 },
    externalNames: { 'api.example.com': { addresses: ['203.0.113.10'] }, 'db.example.com': { addresses: ['198.51.100.1', '198.51.100.2'] }, 'www.example.com': { cname: 'api.example.com' } },
  });
  assert.deepEqual(c.config.spec.dns, { ttl: 30, podRecords: 'verified', upstream: '192.0.2.53:53', externalNames: { 'api.example.com': '203.0.113.10', 'db.example.com': ['198.51.100.1', '198.51.100.2'], 'www.example.com': 'api.example.com' } });
});

const errorCases = [
  { name: 'a TTL beyond CoreDNS range', dns: '    ttl: 4000', want: ['spec.dns.ttl: Invalid value: 4000: must be a whole number of seconds between 0 and 3600 (CoreDNS ttl)'] },
  { name: 'an unknown pods mode', dns: '    podRecords: secure', want: ['spec.dns.podRecords: Unsupported value: "secure": supported values: "insecure", "verified", "disabled"'] },
  { name: 'an upstream that is no address', dns: '    upstream: dns.google', want: ['spec.dns.upstream: Invalid value: "dns.google": must be "<IPv4>:<port>" (or an IPv4 address for port 53) of a DNS server to forward other names to'] },
  { name: 'an unknown field', dns: '    forward: 1.1.1.1', want: ['spec.dns.forward: Invalid value: "1.1.1.1": unknown field'] },
  {
    name: 'externalNames inside the cluster domain, pointing into it, with a bad value, or twice',
    dns: '    externalNames:\n      db.svc.cluster.local: 192.0.2.1\n      alias.example.com: db.default.svc.cluster.local\n      bad.example.com: [192.0.2.1, not-an-ip]\n      Dup.example.com: 192.0.2.2\n      dup.example.com: 192.0.2.3',
    want: [
      'spec.dns.externalNames: Invalid value: "db.svc.cluster.local": must be outside spec.clusterDomain "cluster.local": names in the cluster domain come from Services and pods',
      'spec.dns.externalNames["alias.example.com"]: Invalid value: "db.default.svc.cluster.local": must not point into spec.clusterDomain "cluster.local": the resolvers outside the cluster do not know that zone',
      'spec.dns.externalNames["bad.example.com"]: Invalid value: ["192.0.2.1","not-an-ip"]: must be an IPv4 address, a list of IPv4 addresses, or a DNS name to alias (a CNAME target)',
      'spec.dns.externalNames: Duplicate value: "dup.example.com": names are case-insensitive; also "Dup.example.com"',
    ],
  },
  { name: 'a name that is not a DNS name', dns: '    externalNames:\n      "bad name": 192.0.2.1', want: ['spec.dns.externalNames: Invalid value: "bad name": must be a DNS name of labels made of letters, digits, \'-\' and \'_\', such as api.example.com'] },
];

for (const c of errorCases)
  test(`spec.dns rejects ${c.name}, naming the field`, () => {
    assert.deepEqual(inputErrorsOf(config(c.dns)), c.want.map((w) => `test.yaml doc 1: ClusterConfig t: ${w}`));
  });

test('spec.dns must be an object', () => {
  assert.deepEqual(inputErrorsOf('apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: t}\nspec: {dns: fast}\n'), ['test.yaml doc 1: ClusterConfig t: spec.dns: Invalid value: "fast": must be of type object']);
});

test('the coredns Corefile states the TTL, the pods mode, externalNames and where other names go', () => {
  const corefile = (yaml: string) => find(clusterFromYaml(yaml), 'ConfigMap', 'kube-system', 'coredns').data.Corefile as string;
  const plain = corefile('');
  assert.match(plain, /^ {7}pods insecure$/m);
  assert.match(plain, /^ {7}ttl 5$/m);
  assert.match(plain, /# no forward: names outside the cluster and spec\.dns\.externalNames are NXDOMAIN/);
  assert.doesNotMatch(plain, /hosts \{/);
  const set = corefile(config('    ttl: 30\n    podRecords: disabled\n    upstream: 192.0.2.53:5353\n    externalNames:\n      api.example.com: 203.0.113.10\n      www.example.com: api.example.com'));
  assert.match(set, /kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n {7}pods disabled\n {7}fallthrough in-addr\.arpa ip6\.arpa\n {7}ttl 30\n {4}\}/);
  assert.match(set, / {4}hosts \{\n {7}203\.0\.113\.10 api\.example\.com\n {7}# www\.example\.com CNAME api\.example\.com\. \(spec\.dns\.externalNames\)\n {7}ttl 30\n {7}fallthrough\n {4}\}/);
  assert.match(set, / {4}forward \. 192\.0\.2\.53:5353 \{/);
});

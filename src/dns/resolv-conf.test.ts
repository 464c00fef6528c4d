// A pod's resolv.conf for every dnsPolicy, with dnsConfig merged and the kubelet's limits, as the kubelet writes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClusterConfig } from '../core/cluster-config.js';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, deploymentYaml, list } from '../testing/cluster.js';
import { formatResolvConf, parseResolvConf, podResolvConf, resolverSettings } from './resolv-conf.js';

const config = resolveClusterConfig(undefined).config!;
const pod = (namespace: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [], ...spec } });
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

const cases = [
  {
    name: 'ClusterFirst: the cluster DNS, the namespace search list, ndots:5',
    pod: pod('shop', { dnsPolicy: 'ClusterFirst' }),
    policy: 'ClusterFirst',
    want: 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
  },
  { name: 'no dnsPolicy means ClusterFirst', pod: pod('default', {}), policy: 'ClusterFirst', want: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n' },
  { name: 'ClusterFirst on the host network silently acts as Default', pod: pod('kube-system', { dnsPolicy: 'ClusterFirst', hostNetwork: true }), policy: 'Default', want: 'nameserver 172.18.0.1\noptions ndots:0\n' },
  {
    name: 'ClusterFirstWithHostNet keeps the cluster DNS on the host network',
    pod: pod('kube-system', { dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }),
    policy: 'ClusterFirst',
    want: 'search kube-system.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
  },
  { name: "Default: the node's resolv.conf (kind's gateway, Docker's ndots:0)", pod: pod('default', { dnsPolicy: 'Default' }), policy: 'Default', want: 'nameserver 172.18.0.1\noptions ndots:0\n' },
  {
    name: 'None: only what dnsConfig says',
    pod: pod('default', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }),
    policy: 'None',
    want: 'search corp.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n',
  },
  {
    name: 'dnsConfig merges in: nameservers and searches appended without duplicates, options replaced by name',
    pod: pod('shop', {
      dnsPolicy: 'ClusterFirst',
      dnsConfig: { nameservers: ['10.96.0.10', '192.0.2.53'], searches: ['svc.cluster.local', 'corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request-reopen' }] },
    }),
    policy: 'ClusterFirst',
    want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\nnameserver 192.0.2.53\noptions ndots:2 single-request-reopen\n',
  },
  {
    name: 'more than 3 nameservers are cut to 3, with the kubelet warning',
    pod: pod('default', { dnsPolicy: 'ClusterFirst', dnsConfig: { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'] } }),
    policy: 'ClusterFirst',
    want: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\nnameserver 192.0.2.1\nnameserver 192.0.2.2\noptions ndots:5\n',
    warnings: ['Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 192.0.2.1 192.0.2.2'],
  },
  {
    name: 'more than 32 search domains are cut to 32, with the kubelet warning',
    pod: pod('default', { dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.1'], searches: many(40, (i) => `d${i}.example`) } }),
    policy: 'None',
    want: `search ${many(32, (i) => `d${i}.example`).join(' ')}\nnameserver 192.0.2.1\n`,
    warnings: [`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${many(32, (i) => `d${i}.example`).join(' ')}`],
  },
];

for (const c of cases)
  test(`resolv.conf: ${c.name}`, () => {
    const r = podResolvConf(c.pod, { config });
    assert.equal(r.text, c.want);
    assert.equal(r.effectivePolicy, c.policy);
    assert.deepEqual(r.warnings, c.warnings ?? []);
    assert.deepEqual(parseResolvConf(r.text), r.conf, 'the text reads back as the same configuration');
  });

test('pods built by the controllers: workloads get ClusterFirst, kube-proxy falls back to the node, CoreDNS uses Default', () => {
  const c = clusterFromYaml(deploymentYaml('web', 1, { ns: 'default' }));
  const byPrefix = (prefix: string) => list(c, 'Pod').find((p) => p.metadata.name.startsWith(prefix))!;
  assert.equal(podResolvConf(byPrefix('web-'), c).effectivePolicy, 'ClusterFirst');
  const proxy = podResolvConf(byPrefix('kube-proxy-'), c);
  assert.deepEqual([proxy.dnsPolicy, proxy.effectivePolicy], ['ClusterFirst', 'Default']);
  assert.equal(podResolvConf(byPrefix('coredns-'), c).effectivePolicy, 'Default');
});

test('the cluster domain and DNS address come from the ClusterConfig', () => {
  const custom = resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'c' }, spec: { clusterDomain: 'corp.internal', serviceCIDR: '10.100.0.0/16', dnsServiceIP: '10.100.0.53' } }).config!;
  assert.equal(podResolvConf(pod('a', {}), { config: custom }).text, 'search a.svc.corp.internal svc.corp.internal corp.internal\nnameserver 10.100.0.53\noptions ndots:5\n');
});

test('resolver settings: ndots defaults to 1, is capped at 15, and the last one wins; search and domain lines', () => {
  assert.deepEqual(resolverSettings(parseResolvConf('nameserver 10.0.0.1\n')), { ndots: 1, search: [], nameserver: '10.0.0.1' });
  assert.deepEqual(resolverSettings(parseResolvConf('options ndots:3\noptions ndots:40 edns0\nsearch a.example b.example.\n')), { ndots: 15, search: ['a.example', 'b.example'], nameserver: undefined });
  assert.deepEqual(resolverSettings(parseResolvConf('search a.example\ndomain z.example # the last of search/domain wins\n')).search, ['z.example']);
  assert.equal(formatResolvConf({ nameservers: [], search: [], options: [] }), '');
});

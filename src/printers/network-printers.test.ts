// Table-driven tests for the Service, Endpoints, EndpointSlice, Ingress, IngressClass and NetworkPolicy tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../core/types.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
  servicePrinter,
} from './network-printers.js';
import type { ResourcePrinter, TableCell } from './table.js';
import { cellsByName } from './testdata/cells-by-name.js';

const NOW = new Date('2026-01-10T12:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2026-01-10T11:00:00Z' };
const obj = (kind: string, apiVersion: string, fields: any): KubeObject => ({ apiVersion, kind, metadata: { ...meta }, ...fields });
const svc = (spec: any, status: any = {}) => obj('Service', 'v1', { spec: { clusterIPs: ['10.96.0.10'], ...spec }, status });
const ep = (subsets: any) => obj('Endpoints', 'v1', subsets === undefined ? {} : { subsets });
const slice = (fields: any) => obj('EndpointSlice', 'discovery.k8s.io/v1', { addressType: 'IPv4', ...fields });
const ing = (spec: any, status: any = {}) => obj('Ingress', 'networking.k8s.io/v1', { spec, status });
const tcp = (port: number, nodePort?: number) => ({ port, protocol: 'TCP', ...(nodePort ? { nodePort } : {}) });

const cases: { name: string; printer: ResourcePrinter; obj: KubeObject; want: Record<string, TableCell> }[] = [
  {
    name: 'a ClusterIP service prints its first cluster IP, <none> external IP and port/protocol',
    printer: servicePrinter,
    obj: svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.10', 'fd00::10'], ports: [tcp(80)], selector: { app: 'web', tier: 'front' } }),
    want: { Type: 'ClusterIP', 'Cluster-IP': '10.96.0.10', 'External-IP': '<none>', 'Port(s)': '80/TCP', Age: '60m', Selector: 'app=web,tier=front' },
  },
  {
    name: 'a ClusterIP service with externalIPs lists them',
    printer: servicePrinter,
    obj: svc({ type: 'ClusterIP', externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [tcp(80)] }),
    want: { 'External-IP': '1.2.3.4,5.6.7.8' },
  },
  {
    name: 'a headless service prints None as its cluster IP',
    printer: servicePrinter,
    obj: svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [tcp(5432)] }),
    want: { 'Cluster-IP': 'None' },
  },
  {
    name: 'a service without cluster IPs prints <none>',
    printer: servicePrinter,
    obj: svc({ type: 'ClusterIP', clusterIPs: undefined, ports: [tcp(80)] }),
    want: { 'Cluster-IP': '<none>' },
  },
  {
    name: 'a NodePort service prints port:nodePort/protocol for each port, comma-joined',
    printer: servicePrinter,
    obj: svc({ type: 'NodePort', ports: [tcp(80, 30080), { port: 53, nodePort: 30053, protocol: 'UDP' }] }),
    want: { Type: 'NodePort', 'External-IP': '<none>', 'Port(s)': '80:30080/TCP,53:30053/UDP' },
  },
  {
    name: 'a LoadBalancer service without an address is <pending>',
    printer: servicePrinter,
    obj: svc({ type: 'LoadBalancer', ports: [tcp(443, 31443)] }, { loadBalancer: {} }),
    want: { 'External-IP': '<pending>', 'Port(s)': '443:31443/TCP' },
  },
  {
    name: 'a LoadBalancer service prints its ingress IPs and hostnames sorted, unclipped',
    printer: servicePrinter,
    obj: svc({ type: 'LoadBalancer', ports: [tcp(80, 30080)] }, { loadBalancer: { ingress: [{ ip: '172.18.255.201' }, { hostname: 'a-long-hostname.example.com' }, { ip: '172.18.255.200' }] } }),
    want: { 'External-IP': '172.18.255.200,172.18.255.201,a-long-hostname.example.com' },
  },
  {
    name: 'a LoadBalancer service with externalIPs lists the load-balancer addresses first',
    printer: servicePrinter,
    obj: svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'], ports: [tcp(80, 30080)] }, { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } }),
    want: { 'External-IP': '172.18.255.200,9.9.9.9' },
  },
  {
    name: 'a pending LoadBalancer service with externalIPs lists only them',
    printer: servicePrinter,
    obj: svc({ type: 'LoadBalancer', externalIPs: ['9.9.9.9'], ports: [tcp(80, 30080)] }),
    want: { 'External-IP': '9.9.9.9' },
  },
  {
    name: 'an ExternalName service prints the external name, <none> cluster IP and ports',
    printer: servicePrinter,
    obj: svc({ type: 'ExternalName', clusterIPs: undefined, externalName: 'db.example.com' }),
    want: { Type: 'ExternalName', 'Cluster-IP': '<none>', 'External-IP': 'db.example.com', 'Port(s)': '<none>', Selector: '<none>' },
  },
  {
    name: 'a port without a protocol prints as stored',
    printer: servicePrinter,
    obj: svc({ type: 'ClusterIP', ports: [{ port: 80 }] }),
    want: { 'Port(s)': '80/' },
  },
  {
    name: 'endpoints list ip:port for every address and port',
    printer: endpointsPrinter,
    obj: ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }, { port: 443 }] }]),
    want: { Endpoints: '10.0.0.1:80,10.0.0.1:443' },
  },
  {
    name: 'endpoints show the first three then how many more',
    printer: endpointsPrinter,
    obj: ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }, { ip: '10.0.0.5' }], ports: [{ port: 80 }] }]),
    want: { Endpoints: '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...' },
  },
  {
    name: 'the endpoints count spans every subset and port',
    printer: endpointsPrinter,
    obj: ep([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 81 }] },
      { addresses: [{ ip: '10.0.1.1' }], ports: [{ port: 90 }] },
    ]),
    want: { Endpoints: '10.0.0.1:80,10.0.0.2:80,10.0.0.1:81 + 2 more...' },
  },
  {
    name: 'endpoints of a headless service without ports are bare IPs',
    printer: endpointsPrinter,
    obj: ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }]),
    want: { Endpoints: '10.0.0.1,10.0.0.2' },
  },
  {
    name: 'IPv6 endpoints are bracketed',
    printer: endpointsPrinter,
    obj: ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]),
    want: { Endpoints: '[fd00::1]:80' },
  },
  {
    name: 'endpoints without subsets are <none>',
    printer: endpointsPrinter,
    obj: ep(undefined),
    want: { Endpoints: '<none>' },
  },
  {
    name: 'endpoints whose subsets hold only not-ready addresses print an empty cell',
    printer: endpointsPrinter,
    obj: ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]),
    want: { Endpoints: '' },
  },
  {
    name: 'an endpointslice prints its address type, port numbers and addresses',
    printer: endpointSlicePrinter,
    obj: slice({ ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }] }),
    want: { AddressType: 'IPv4', Ports: '80,443', Endpoints: '10.0.0.1,10.0.0.2' },
  },
  {
    name: 'an endpointslice port without a number prints its name, or * without one',
    printer: endpointSlicePrinter,
    obj: slice({ ports: [{ name: 'http' }, {}], endpoints: [] }),
    want: { Ports: 'http,*' },
  },
  {
    name: 'an endpointslice lists at most three ports and endpoints',
    printer: endpointSlicePrinter,
    obj: slice({
      ports: [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }, { port: 5 }],
      endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
    }),
    want: { Ports: '1,2,3 + 2 more...', Endpoints: '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...' },
  },
  {
    name: 'an endpointslice without ports or endpoints prints <unset>',
    printer: endpointSlicePrinter,
    obj: slice({ ports: null, endpoints: [] }),
    want: { Ports: '<unset>', Endpoints: '<unset>' },
  },
  {
    name: 'an ingress without TLS opens port 80',
    printer: ingressPrinter,
    obj: ing({ ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }] }),
    want: { Class: 'nginx', Hosts: 'a.example.com,b.example.com', Address: '', Ports: '80' },
  },
  {
    name: 'an ingress with TLS opens "80, 443"',
    printer: ingressPrinter,
    obj: ing({ tls: [{ hosts: ['a.example.com'] }], rules: [{ host: 'a.example.com' }] }),
    want: { Class: '<none>', Ports: '80, 443' },
  },
  {
    name: 'an ingress whose rules have no host prints *',
    printer: ingressPrinter,
    obj: ing({ defaultBackend: { service: { name: 'web', port: { number: 80 } } }, rules: [{ http: { paths: [] } }] }),
    want: { Hosts: '*' },
  },
  {
    name: 'an ingress lists three hosts then counts every remaining rule',
    printer: ingressPrinter,
    obj: ing({ rules: [{ host: 'a' }, { host: 'b' }, {}, { host: 'c' }, { host: 'd' }, { host: 'e' }] }),
    want: { Hosts: 'a,b,c + 3 more...' },
  },
  {
    name: 'an ingress prints its load-balancer addresses',
    printer: ingressPrinter,
    obj: ing({ rules: [] }, { loadBalancer: { ingress: [{ ip: '172.18.0.3' }, { hostname: 'lb.local' }] } }),
    want: { Address: '172.18.0.3,lb.local' },
  },
  {
    name: 'an ingress class prints Kind.apiGroup/name parameters',
    printer: ingressClassPrinter,
    obj: obj('IngressClass', 'networking.k8s.io/v1', { spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' } } }),
    want: { Controller: 'k8s.io/ingress-nginx', Parameters: 'Params.k8s.example.com/p' },
  },
  {
    name: 'an ingress class without parameters prints <none>',
    printer: ingressClassPrinter,
    obj: obj('IngressClass', 'networking.k8s.io/v1', { spec: { controller: 'example.com/c' } }),
    want: { Parameters: '<none>' },
  },
  {
    name: 'a network policy with an empty pod selector prints <none>',
    printer: networkPolicyPrinter,
    obj: obj('NetworkPolicy', 'networking.k8s.io/v1', { spec: { podSelector: {}, policyTypes: ['Ingress'] } }),
    want: { 'Pod-Selector': '<none>', Age: '60m' },
  },
  {
    name: 'a network policy prints its selector with requirements sorted by key',
    printer: networkPolicyPrinter,
    obj: obj('NetworkPolicy', 'networking.k8s.io/v1', {
      spec: { podSelector: { matchLabels: { tier: 'db' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }, { key: 'canary', operator: 'DoesNotExist' }] } },
    }),
    want: { 'Pod-Selector': 'app in (a,b),!canary,tier=db' },
  },
];

for (const c of cases) {
  test(`network printers: ${c.name}`, () => {
    const got = cellsByName(c.printer, c.obj, NOW);
    for (const [column, want] of Object.entries(c.want)) assert.equal(got[column], want, `column ${column}`);
  });
}

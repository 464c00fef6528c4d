// The flow log's JSON lines for one fixed run of connections on the demo cluster (forwarded, policy-dropped, refused
// over TCP and UDP, no endpoints, no route, NodePort from outside, from a node, HTTP and DNS L7, a connect that
// throws), against testdata/flows.golden.jsonl: byte for byte, whether the flows are read afterwards or followed as
// they are recorded. UPDATE_GOLDEN=1 rewrites the file.

import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FixedClock } from '../core/clock.js';
import type { KubeObject } from '../core/types.js';
import { clusterFromYaml, demoYaml, find, list, TEST_NOW } from '../testing/cluster.js';
import { assertGolden } from '../testing/golden.js';
import { FlowEndpoints, flowJsonLine, FlowLog, flowsFor, RecordingDataPlane } from './flows.js';
import { SimDataPlane } from './sim/sim-data-plane.js';
import type { ConnectRequest, HttpRequest } from './types.js';

const GOLDEN = fileURLToPath(new URL('../../../src/dataplane/testdata/flows.golden.jsonl', import.meta.url));

const EXTRA = `apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: default}
spec:
  selector: {app: nobody}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api-nodeport, namespace: default}
spec:
  type: NodePort
  selector: {app: my-api}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
`;
const demo = clusterFromYaml(`${demoYaml()}\n---\n${EXTRA}`);

function pod(ns: string, prefix: string): KubeObject {
  const p = list(demo, 'Pod', ns).find((x) => x.metadata.name.startsWith(prefix));
  if (!p) throw new Error(`no pod ${ns}/${prefix}*`);
  return p;
}
const from = (p: KubeObject): ConnectRequest['from'] => ({ kind: 'pod', namespace: p.metadata.namespace!, name: p.metadata.name });
const ip = (p: KubeObject): string => p.status.podIP;
const vip = (ns: string, name: string): string => find(demo, 'Service', ns, name).spec.clusterIP;
const get = (host: string | undefined, target: string, method = 'GET'): HttpRequest => ({ method, target, version: 'HTTP/1.1', headers: host ? [['Host', host], ['User-Agent', 'curl/8.5.0']] : [] });

/** The connections, in order, each with the HTTP request to send when it connects. */
function connections(): { req: ConnectRequest; http?: HttpRequest }[] {
  const debug = from(pod('default', 'debug'));
  const node = list(demo, 'Node')[1];
  return [
    { req: { from: from(pod('production', 'frontend')), to: { ip: vip('production', 'backend'), port: 8080 }, protocol: 'TCP' }, http: get('backend:8080', '/health') },
    { req: { from: from(pod('production', 'frontend')), to: { ip: vip('production', 'backend'), port: 8080 }, protocol: 'TCP' }, http: get('backend:8080', '/health', 'HEAD') },
    { req: { from: from(pod('production', 'monitoring')), to: { ip: vip('production', 'backend'), port: 8080 }, protocol: 'TCP' } },
    { req: { from: from(pod('production', 'monitoring')), to: { ip: ip(pod('production', 'backend')), port: 8080 }, protocol: 'TCP' } },
    { req: { from: debug, to: { ip: ip(pod('default', 'pod2')), port: 80 }, protocol: 'TCP' }, http: get(undefined, '/index.html') },
    { req: { from: debug, to: { ip: ip(pod('default', 'pod2')), port: 9999 }, protocol: 'TCP' } },
    { req: { from: debug, to: { ip: ip(pod('default', 'pod2')), port: 9999 }, protocol: 'UDP' } },
    { req: { from: debug, to: { ip: vip('default', 'nobody'), port: 80 }, protocol: 'TCP' } },
    { req: { from: debug, to: { ip: '10.244.99.99', port: 80 }, protocol: 'TCP' } },
    { req: { from: debug, to: { ip: '8.8.8.8', port: 443 }, protocol: 'TCP' } },
    { req: { from: { kind: 'external', ip: '203.0.113.9' }, to: { ip: node.status.addresses[0].address, port: 30080 }, protocol: 'TCP' }, http: get('api.example.com:30080', '/users?page=2') },
    { req: { from: { kind: 'node', name: node.metadata.name }, to: { ip: vip('default', 'my-api'), port: find(demo, 'Service', 'default', 'my-api').spec.ports[0].port }, protocol: 'TCP' } },
    { req: { from: { kind: 'pod', namespace: 'default', name: 'no-such-pod' }, to: { ip: ip(pod('default', 'pod2')), port: 80 }, protocol: 'TCP' } },
  ];
}

/** Runs the connections through a recording data plane; `follow` subscribes before the first one. */
async function run(follow: boolean): Promise<string> {
  const clock = new FixedClock(TEST_NOW);
  const log = new FlowLog();
  const endpoints = new FlowEndpoints(demo.objects);
  const dp = new RecordingDataPlane(new SimDataPlane(demo.objects, demo.config, { clock }), log, { clock, endpoints });
  const followed: string[] = [];
  if (follow) log.subscribe((f) => followed.push(flowJsonLine(f)));
  for (const c of connections()) {
    clock.advance(250);
    let out;
    try {
      out = dp.connect(c.req);
    } catch {
      continue; // recorded as an ERROR flow
    }
    if (c.http && out.kind === 'connected' && out.session.kind === 'http') {
      clock.advance(3);
      await out.session.http(c.http);
    }
  }
  const dnsReq: ConnectRequest = { from: from(pod('default', 'debug')), to: { ip: vip('kube-system', 'kube-dns'), port: 53 }, protocol: 'UDP' };
  const dns = flowsFor(dnsReq, new SimDataPlane(demo.objects, demo.config, { clock }).connect(dnsReq), { time: clock.now(), endpoints }, { type: 'RESPONSE', dns: { query: 'my-api.default.svc.cluster.local.', ips: [vip('default', 'my-api')], rcode: 0, qtypes: ['A'], rrtypes: ['A'] } });
  return (follow ? followed.join('') : log.toJsonLines()) + dns.map(flowJsonLine).join('');
}

test('the flows of a fixed run read from the log are the golden JSON lines', async () => assertGolden(GOLDEN, await run(false)));

test('the same flows followed as they are recorded are the same JSON lines', async () => assertGolden(GOLDEN, await run(true)));

// One connection traced across every layer: the source's DNS lookup, kube-proxy's Service rules (named as the node's
// rendered ruleset names them) or Cilium's BPF service maps, NAT, the CNI route, NetworkPolicy, the listening socket,
// the reply un-NAT'ed, and for an HTTP URL the response. `flatnet trace` prints it; the API server can serve the same report.
//
// @example
// const report = await traceConnection(cluster, { from: { kind: 'pod', namespace: 'production', name: 'monitoring-x' },
//   host: 'backend', port: 8080, protocol: 'TCP', http: { scheme: 'http', path: '/health', host: 'backend:8080' } }, { clock });
// report.verdict; // { result: 'timeout', connected: false, reason: 'POLICY_DENIED', message: 'dropped by NetworkPolicy ingress (…deny-all-ingress)…' }

import { nodeInternalIPOf } from '../../core/objects.js';
import type { Clock } from '../../core/clock.js';
import type { ClusterConfig } from '../../core/cluster-config.js';
import { describeObject, NotFoundError } from '../../core/errors.js';
import { parseIPv4 } from '../../core/ip.js';
import type { KubeObject } from '../../core/types.js';
import { buildClusterDns } from '../../dns/cluster-dns.js';
import { CONNTRACK_MAP, REVERSE_NAT_MAP, REVERSE_SK_MAP } from '../../proxy/backends/cilium/index.js';
import { buildProxyModel, type ProxyModel } from '../../proxy/model.js';
import { SimDataPlane } from '../sim/sim-data-plane.js';
import type { ConnectOutcome, ConnectionSource, Endpoint, Protocol } from '../types.js';
import { dnsStep } from './dns-step.js';
import { serviceRules } from './proxy-rules.js';
import type { TraceHop, TraceReport, TraceRequest, TraceVerdict } from './trace-types.js';

/** A request the trace cannot follow as given (no port, a source that does not exist): the CLI's usage error. */
export class TraceInputError extends Error {}

export interface TraceCluster {
  objects: KubeObject[];
  config: ClusterConfig;
}

export interface TraceOptions {
  clock: Clock;
  /** Passed to the emulated workloads (flatnet.dev/latency); default: real timers. */
  sleep?: (ms: number) => Promise<void>;
}

type Connected = Extract<ConnectOutcome, { kind: 'connected' }>;

function describeSource(from: ConnectionSource, objects: readonly KubeObject[]): TraceReport['from'] {
  if (from.kind === 'external') return { kind: 'external', name: 'external client', ip: from.ip };
  if (from.kind === 'node') {
    const node = objects.find((o) => o.kind === 'Node' && o.metadata.name === from.name);
    if (!node) throw new NotFoundError('nodes', from.name);
    const ip = nodeInternalIPOf(node);
    return { kind: 'node', name: `node ${from.name}`, ...(ip ? { ip } : {}) };
  }
  const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === from.namespace && o.metadata.name === from.name);
  if (!pod) throw new NotFoundError('pods', `${from.namespace}/${from.name}`);
  const ip = pod.status?.podIP as string | undefined;
  return { kind: 'pod', name: `pod ${from.namespace}/${from.name}`, ...(ip ? { ip } : {}) };
}

/** The port of the Service owning `ip` when it has exactly one of the protocol (a trace to `my-api` means its port). */
function onlyServicePort(objects: readonly KubeObject[], ip: string, protocol: Protocol): { port?: number; note: string } {
  const svc = objects.find((o) => o.kind === 'Service' && (o.spec?.clusterIP === ip || (o.spec?.externalIPs ?? []).includes(ip) || (o.status?.loadBalancer?.ingress ?? []).some((i: { ip?: string }) => i?.ip === ip)));
  if (!svc) return { note: `${ip} belongs to no Service, so there is no port to assume` };
  const ports = ((svc.spec?.ports ?? []) as { port: number; protocol?: string }[]).filter((p) => (p.protocol ?? 'TCP') === protocol);
  const name = describeObject('Service', svc.metadata.namespace, svc.metadata.name);
  if (ports.length === 1) return { port: ports[0].port, note: `port ${ports[0].port}: the only ${protocol} port of ${name}` };
  return { note: `${name} has ${ports.length} ${protocol} ports (${ports.map((p) => p.port).join(', ') || 'none'})` };
}

/** Adds the rendered rules' names to each Service hop (and says when a seed cannot apply). */
function withRules(hops: TraceHop[], model: () => ProxyModel, config: ClusterConfig, seeded: boolean): TraceHop[] {
  return hops.map((h) => {
    if (!h.service) return h;
    const r = serviceRules(model(), config, h.service);
    const notes = [...(h.details ?? []), ...('note' in r ? [r.note] : [])];
    if (seeded && h.service.proxyMode === 'ipvs' && h.service.verdict === 'dnat') notes.push("IPVS's rr scheduler takes real servers in turn, so --seed does not change its choice");
    return { ...h, ...(notes.length ? { details: notes } : {}), ...(r.rules.length ? { rules: r.rules } : {}) };
  });
}

const ep = (e: Endpoint) => `${e.ip}:${e.port}`;

/**
 * The reply: from the accepting socket back to the client, each NAT undone in reverse order by what made it —
 * netfilter conntrack for kube-proxy and portmap, Cilium's own BPF conntrack and reverse-NAT maps for its NodePort
 * path. socket-LB translated no packet: there is nothing to undo on the wire, and its reverse map gives the client's
 * getpeername() and recvmsg() the service address.
 */
function replyHop(out: Connected): TraceHop {
  const { conn } = out.delivered;
  const natHops = out.hops.filter((h) => h.nat);
  const wire = natHops.filter((h) => h.nat!.datapath !== 'socket-lb');
  const socket = natHops.find((h) => h.nat!.datapath === 'socket-lb')?.nat;
  let from = { ...conn.destination };
  let to = { ...conn.source };
  const undone: string[] = [];
  for (const n of wire.map((h) => h.nat!).reverse()) {
    if (n.snat) {
      undone.push(`un-SNATs the destination ${n.after.source} → ${n.before.source}`);
      to = { ip: n.before.source, port: to.port };
    }
    undone.push(`un-DNATs the source ${ep(n.after.destination)} → ${ep(n.before.destination)}`);
    from = { ...n.before.destination };
  }
  const at = out.delivered.pod ? `pod ${out.delivered.pod.namespace}/${out.delivered.pod.name}` : `node ${out.delivered.node}`;
  const nodes = [...new Set(wire.map((h) => h.at))].join(', ');
  const engine = wire.some((h) => h.nat!.datapath === 'ebpf') ? `Cilium's BPF conntrack (${CONNTRACK_MAP}) and reverse NAT (${REVERSE_NAT_MAP})` : 'conntrack';
  const head = `reply ${ep(conn.destination)} → ${ep(conn.source)}`;
  let summary: string;
  if (undone.length) summary = `${head}; ${engine} on ${nodes} ${undone.join(' and ')}: the client sees ${ep(from)} → ${ep(to)}`;
  else if (socket)
    summary = `${head}: socket-LB connected the client's socket to ${ep(socket.after.destination)}, so no packet was translated and there is nothing to undo on the wire; ${REVERSE_SK_MAP} gives getpeername() and recvmsg() the service address ${ep(socket.before.destination)}`;
  else summary = `${head}: no NAT to undo, the client sees the address it dialled`;
  const objects = [...new Set(natHops.flatMap((h) => h.objects))];
  return { stage: 'reply', at, summary, objects };
}

/** The HTTP exchange on a connected session: a GET and the status it gets. */
async function httpHop(out: Connected, http: NonNullable<TraceRequest['http']>, protocol: Protocol): Promise<{ hop: TraceHop; status?: { status: number; reason: string } }> {
  const at = out.hops[out.hops.length - 1].at;
  const objects = out.hops[out.hops.length - 1].objects;
  if (http.scheme === 'https') return { hop: { stage: 'http', at, summary: 'https: TLS is not emulated by trace, so no request is sent; the connection above is what the TLS handshake would use', objects } };
  if (out.session.kind !== 'http') return { hop: { stage: 'http', at, summary: `GET ${http.path}: the listener speaks ${out.session.kind === 'stream' ? 'a TCP stream protocol' : `${protocol} datagrams`}, not HTTP, so no HTTP response comes back`, objects } };
  const res = await out.session.http({ method: 'GET', target: http.path, version: 'HTTP/1.1', headers: [['Host', http.host], ['User-Agent', 'flatnet-trace'], ['Accept', '*/*']] });
  const summary = `GET ${http.path} (Host: ${http.host}) → ${res.version} ${res.status} ${res.reason} (${res.body.length} bytes)`;
  return { hop: { stage: 'http', at, summary, objects }, status: { status: res.status, reason: res.reason } };
}

/**
 * A Service connection refused at the pod: the Service's targetPort leads where nothing listens. Says so on the
 * deliver hop and names the Service there too, since its spec.ports[].targetPort is what to fix (or the program).
 */
function explainTargetPort(hops: TraceHop[], out: Exclude<ConnectOutcome, Connected>): TraceHop[] {
  const svc = hops.find((h) => h.service?.endpoint)?.service;
  const last = hops[hops.length - 1];
  if (out.reason !== 'PORT_UNREACHABLE' || !svc || last.stage !== 'deliver') return hops;
  const name = describeObject('Service', svc.namespace, svc.name);
  const targetPort = svc.endpoint!.slice(svc.endpoint!.lastIndexOf(':') + 1);
  const note = `${name} sends port ${svc.port}/${svc.protocol} to targetPort ${targetPort} (endpoint ${svc.endpoint}), where nothing listens: its spec.ports targetPort and the port the program listens on disagree`;
  return [...hops.slice(0, -1), { ...last, details: [...(last.details ?? []), note], objects: [...new Set([...last.objects, name])] }];
}

function failedVerdict(out: Exclude<ConnectOutcome, Connected>): TraceVerdict {
  return { result: out.kind, connected: false, reason: out.reason, message: out.message };
}

/**
 * Traces one connection: resolves the target name as the source would (a failed lookup ends the trace), connects
 * through a fresh simulated data plane (so the endpoint taken is the first in rule order, or the seed's draw), names
 * each Service hop's rules from the node's rendered ruleset, and follows the reply and the HTTP exchange.
 * Throws TraceInputError when no port is given and none can be assumed; NotFoundError for an unknown source.
 */
export async function traceConnection(cluster: TraceCluster, req: TraceRequest, opts: TraceOptions): Promise<TraceReport> {
  const { objects, config } = cluster;
  const from = { ...describeSource(req.from, objects), ...(req.via ? { via: req.via } : {}) };
  const dataPlane = new SimDataPlane(objects, config, { clock: opts.clock, ...(opts.sleep ? { sleep: opts.sleep } : {}), ...(req.seed !== undefined ? { seed: req.seed } : {}) });
  const url = req.http ? `${req.http.scheme}://${req.http.host}${req.http.path}` : undefined;
  const target: TraceReport['target'] = { host: req.host, protocol: req.protocol, ...(url ? { url } : {}) };
  const hops: TraceHop[] = [];
  let ip = req.host;
  if (parseIPv4(req.host) === undefined) {
    const pod = req.from.kind === 'pod' ? objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === (req.from as { namespace: string }).namespace && o.metadata.name === (req.from as { name: string }).name) : undefined;
    const dns = buildClusterDns(objects, config);
    const step = await dnsStep({ name: req.host, from: req.from, ...(pod ? { pod } : {}), objects, config, dns, dataPlane, library: req.library ?? 'glibc' });
    hops.push(step.hop);
    if (!step.resolved) {
      const verdict: TraceVerdict = step.outcome && step.outcome.kind !== 'connected' ? { ...failedVerdict(step.outcome), message: step.message } : { result: 'not-resolved', connected: false, reason: step.reason, message: step.message };
      return { from, target: { ...target, ...(req.port !== undefined ? { port: req.port } : {}) }, hops, verdict };
    }
    ip = step.addresses[0];
  }
  let port = req.port;
  let portNote: string | undefined;
  if (port === undefined) {
    const guess = onlyServicePort(objects, ip, req.protocol);
    if (guess.port === undefined) throw new TraceInputError(`${req.host}: no port given (--port, HOST:PORT or a URL) and none to assume: ${guess.note}`);
    [port, portNote] = [guess.port, guess.note];
  }
  Object.assign(target, { ip, port });
  const out = dataPlane.connect({ from: req.from, to: { ip, port }, protocol: req.protocol, ...(req.entryNode ? { entryNode: req.entryNode } : {}) });
  let model: ProxyModel | undefined;
  const pathHops = withRules(out.hops, () => (model ??= buildProxyModel(objects, config)), config, req.seed !== undefined);
  if (portNote && pathHops[0]) pathHops[0] = { ...pathHops[0], details: [...(pathHops[0].details ?? []), portNote] };
  hops.push(...pathHops);
  if (out.kind !== 'connected') return { from, target, hops: explainTargetPort(hops, out), verdict: failedVerdict(out) };
  hops.push(replyHop(out));
  const who = out.delivered.pod ? `pod ${out.delivered.pod.namespace}/${out.delivered.pod.name}` : `node ${out.delivered.node}`;
  const verdict: TraceVerdict = { result: 'connected', connected: true, message: `${req.protocol} ${ip}:${port} accepted by ${who} on ${ep(out.delivered.conn.destination)}` };
  if (req.http) {
    const h = await httpHop(out, req.http, req.protocol);
    hops.push(h.hop);
    if (h.status) verdict.http = h.status;
  }
  return { from, target, hops, verdict };
}

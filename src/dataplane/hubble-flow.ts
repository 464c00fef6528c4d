// One connection's flows in Hubble's vocabulary (observer.Flow field names, verdicts and drop reasons): the first
// packet's flow, the destination's refusal, L7 flows for HTTP and DNS exchanges, an ERROR flow for a connect that
// threw, and the GetFlowsResponse JSON line, each from the request, the outcome, the time and the endpoints.

import { relativeTo, type FlowEndpoint, type FlowParties, type FlowParty } from './flow-endpoints.js';
import type { ConnectOutcome, ConnectRequest, DeliveredTo, DropReason, Hop, HttpRequest, HttpResponse, Protocol } from './types.js';

export type FlowVerdict = 'FORWARDED' | 'DROPPED' | 'ERROR';

/** A policy as flow.proto's `message Policy` names it. */
export interface FlowPolicy {
  name: string;
  namespace: string;
  kind: 'NetworkPolicy';
}

/** L7 details: flow.proto's `Layer7` with its `http` or `dns` record. */
export interface FlowL7 {
  type: 'REQUEST' | 'RESPONSE';
  latency_ns?: number;
  http?: { code?: number; method: string; url: string; protocol: string };
  dns?: { query: string; ips?: string[]; rcode?: number; cnames?: string[]; qtypes?: string[]; rrtypes?: string[] };
}

type L4Ports = { source_port?: number; destination_port?: number };

/** One flow, with observer.Flow's JSON field names (protojson: enums as strings, zero values left out). */
export interface Flow {
  time: string;
  verdict: FlowVerdict;
  /** Deprecated numeric form of drop_reason_desc, kept for older readers. */
  drop_reason?: number;
  IP: { source: string; destination: string; ipVersion: 'IPv4' };
  l4?: { TCP?: L4Ports & { flags?: Record<string, true> } } | { UDP?: L4Ports } | { SCTP?: L4Ports } | { ICMPv4?: { type: number; code: number } };
  source: FlowEndpoint;
  destination: FlowEndpoint;
  Type: 'L3_L4' | 'L7';
  node_name?: string;
  l7?: FlowL7;
  is_reply?: boolean;
  source_service?: { name: string; namespace: string };
  destination_service?: { name: string; namespace: string };
  traffic_direction: 'INGRESS' | 'EGRESS';
  drop_reason_desc?: string;
  /** What happened, in one sentence (flow.proto's deprecated free-text Summary). */
  Summary: string;
  egress_allowed_by?: FlowPolicy[];
  ingress_allowed_by?: FlowPolicy[];
  egress_denied_by?: FlowPolicy[];
  ingress_denied_by?: FlowPolicy[];
}

/**
 * flatnet's drop reasons in Hubble's DropReason enum (api/v1/flow/flow.proto, shared with bpf/lib/common.h):
 * POLICY_DENIED 133, SERVICE_BACKEND_NOT_FOUND 158 (a Service without usable endpoints), FIB_LOOKUP_FAILED 169 (no
 * route), DENIED_BY_LB_SRC_RANGE_CHECK 177 (loadBalancerSourceRanges). PORT_UNREACHABLE is no drop: the SYN is
 * forwarded and the destination answers with a RST (or ICMP port unreachable), recorded as a reply flow.
 */
const HUBBLE_DROP: Record<Exclude<DropReason, 'PORT_UNREACHABLE'>, [string, number]> = {
  POLICY_DENIED: ['POLICY_DENIED', 133],
  NO_ENDPOINTS: ['SERVICE_BACKEND_NOT_FOUND', 158],
  NO_ROUTE: ['FIB_LOOKUP_FAILED', 169],
  SOURCE_RANGE_DENIED: ['DENIED_BY_LB_SRC_RANGE_CHECK', 177],
};

/** What building a flow needs besides the request and the outcome. */
export interface FlowContext {
  time: Date;
  /** Who the addresses are (a FlowEndpoints, or one of its snapshots). */
  endpoints: FlowParties;
}

/** The last instant timestamp wrote, and what: the flows of one millisecond share the text. */
const lastStamp = { ms: NaN, text: '' };

/** protojson's Timestamp: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits. */
function timestamp(d: Date): string {
  const ms = d.getTime();
  if (ms !== lastStamp.ms) {
    const s = d.toISOString();
    lastStamp.text = s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
    lastStamp.ms = ms;
  }
  return lastStamp.text;
}

// Flows are built field by field, in the order their JSON lists them: object spreads with fields added or replaced
// cost microseconds each in V8, and a subscribed log (--flows, a follower) builds every flow as it is recorded.

function l4(protocol: Protocol, sourcePort: number | undefined, destinationPort: number, flags?: string[]): Flow['l4'] {
  const ports: L4Ports = {};
  if (sourcePort) ports.source_port = sourcePort;
  ports.destination_port = destinationPort;
  if (protocol !== 'TCP') return protocol === 'UDP' ? { UDP: ports } : { SCTP: ports };
  const tcp: L4Ports & { flags?: Record<string, true> } = ports;
  if (flags) {
    const set: Record<string, true> = {};
    for (const f of flags) set[f] = true;
    tcp.flags = set;
  }
  return { TCP: tcp };
}

function policyRefs(names: readonly string[]): FlowPolicy[] {
  return [...new Set(names)].sort().map((k) => ({ name: k.slice(k.indexOf('/') + 1), namespace: k.slice(0, k.indexOf('/')), kind: 'NetworkPolicy' }));
}

/** The `*_allowed_by` / `*_denied_by` fields of the policy hop: the allowing rules' policies, or the isolating ones. */
function policyFields(hop: Hop | undefined): Partial<Flow> {
  const p = hop?.policy;
  if (!p || !p.enforced) return {};
  const out: Partial<Flow> = {};
  for (const [dir, d] of [['egress', p.egress], ['ingress', p.ingress]] as const) {
    if (!d.isolated) continue;
    if (d.allowed) out[`${dir}_allowed_by`] = policyRefs(d.allowedBy.map((r) => r.slice(0, r.indexOf(' '))));
    else out[`${dir}_denied_by`] = policyRefs(d.policies);
  }
  return out;
}

function sourceParty(req: ConnectRequest, endpoints: FlowParties): FlowParty {
  const f = req.from;
  if (f.kind === 'external') return endpoints.address(f.ip);
  if (f.kind === 'node') return endpoints.node(f.name);
  return endpoints.pod(f.namespace, f.name) ?? { endpoint: { namespace: f.namespace, labels: [], pod_name: f.name }, ip: '' };
}

/** A connection that got no further than some step of its path. */
export type Failure = Exclude<ConnectOutcome, { kind: 'connected' }>;

/** What a connection's flows are built from: its outcome, a connected one without the session. */
export type RecordedOutcome = Failure | { kind: 'connected'; hops: Hop[]; delivered: DeliveredTo };

/** Where the connection was headed after any DNAT: the delivered socket, else the NAT hop's target, else the dialled address. */
function destinationOf(req: ConnectRequest, outcome: RecordedOutcome): { ip: string; port: number } {
  if (outcome.kind === 'connected') return outcome.delivered.conn.destination;
  const nat = [...outcome.hops].reverse().find((h) => h.nat)?.nat;
  return nat ? nat.after.destination : req.to;
}

/**
 * The flows of one connection attempt: the first packet's flow (FORWARDED, or DROPPED with Hubble's drop reason),
 * and for a connection the destination refused, the reply carrying the refusal (TCP RST, or ICMP port unreachable).
 * `l7` (a DNS answer, an HTTP exchange the caller saw) adds an L7 flow to a connected one.
 */
export function flowsFor(req: ConnectRequest, outcome: ConnectOutcome, ctx: FlowContext, l7?: FlowL7): Flow[] {
  const first = connectionFlow(req, outcome, ctx);
  if (outcome.kind === 'connected') return l7 ? [first, l7Flow(first, l7, ctx.time, l7Summary(l7))] : [first];
  return refusedByDestination(outcome) ? [first, refusalReply(req, outcome, first)] : [first];
}

/** Whether the destination itself refused (nothing listens): its refusal comes back as a reply flow. */
export function refusedByDestination(outcome: RecordedOutcome): outcome is Extract<ConnectOutcome, { kind: 'refused' }> {
  return outcome.kind === 'refused' && outcome.reason === 'PORT_UNREACHABLE';
}

/** The flow of a connection's first packet: FORWARDED, or DROPPED with Hubble's drop reason. */
export function connectionFlow(req: ConnectRequest, outcome: RecordedOutcome, ctx: FlowContext): Flow {
  const src = sourceParty(req, ctx.endpoints);
  const dst = destinationOf(req, outcome);
  const dstParty = outcome.kind === 'connected' && outcome.delivered.pod ? (ctx.endpoints.pod(outcome.delivered.pod.namespace, outcome.delivered.pod.name) ?? ctx.endpoints.address(dst.ip)) : ctx.endpoints.address(dst.ip);
  const policyHop = outcome.hops.find((h) => h.stage === 'policy');
  const svc = outcome.hops.find((h) => h.service)?.service;
  const ingressDenied = policyHop?.policy && !policyHop.policy.ingress.allowed;
  const fromPod = req.from.kind === 'pod' && src.endpoint.pod_name !== undefined;
  const direction: Flow['traffic_direction'] = fromPod && !ingressDenied ? 'EGRESS' : 'INGRESS';
  const node = outcome.kind === 'connected' ? outcome.delivered.node : direction === 'EGRESS' ? src.node : (dstParty.node ?? svc?.node ?? src.node);
  const sourcePort = outcome.kind === 'connected' ? outcome.delivered.conn.source.port : undefined;
  const drop = outcome.kind === 'connected' || outcome.reason === 'PORT_UNREACHABLE' ? undefined : HUBBLE_DROP[outcome.reason];
  const first = { time: timestamp(ctx.time), verdict: drop ? 'DROPPED' : 'FORWARDED' } as Flow;
  if (drop) first.drop_reason = drop[1];
  first.IP = { source: src.ip, destination: dst.ip, ipVersion: 'IPv4' };
  first.l4 = l4(req.protocol, sourcePort, dst.port, ['SYN']);
  first.source = relativeTo(src, node);
  first.destination = relativeTo(dstParty, node);
  first.Type = 'L3_L4';
  if (node) first.node_name = node;
  first.is_reply = false;
  if (svc) first.destination_service = { name: svc.name, namespace: svc.namespace };
  first.traffic_direction = direction;
  if (drop) first.drop_reason_desc = drop[0];
  first.Summary = outcome.kind === 'connected' ? `${req.protocol} connection accepted` : `${outcome.reason}: ${outcome.message}`;
  return Object.assign(first, policyFields(policyHop));
}

/** The refusal coming back from the destination: a RST for TCP, ICMP port unreachable (type 3, code 3) otherwise. */
export function refusalReply(req: ConnectRequest, outcome: Extract<ConnectOutcome, { kind: 'refused' }>, first: Flow): Flow {
  const reply: Flow = Object.assign({}, first);
  reply.IP = { source: first.IP.destination, destination: first.IP.source, ipVersion: 'IPv4' };
  reply.l4 = req.protocol === 'TCP' ? { TCP: { source_port: destinationOf(req, outcome).port, flags: { RST: true, ACK: true } } } : { ICMPv4: { type: 3, code: 3 } };
  reply.source = first.destination;
  reply.destination = first.source;
  reply.is_reply = true;
  swapServices(reply, first);
  reply.Summary = outcome.message;
  return reply;
}

/** Hubble's one-line summary of an L7 record: `DNS Answer "x." TTL: … (Proxy x. A)`-like, kept short. */
function l7Summary(l7: FlowL7): string {
  if (l7.dns) return `DNS ${l7.type === 'RESPONSE' ? 'Answer' : 'Query'} ${l7.dns.query}${l7.dns.ips?.length ? ` ${l7.dns.ips.join(',')}` : ''}`;
  if (l7.http) return `HTTP ${l7.type === 'RESPONSE' ? `${l7.http.code} ` : ''}${l7.http.method} ${l7.http.url}`;
  return 'L7';
}

/** A reply comes from the Service the request went to: the request's destination_service becomes source_service. */
function swapServices(reply: Flow, request: Flow): void {
  reply.source_service = request.destination_service;
  reply.destination_service = request.source_service;
}

/** The ports of an L4 section, swapped for the reply direction. */
function swapped(l: Flow['l4']): Flow['l4'] {
  if (!l) return l;
  const key = Object.keys(l)[0];
  if (key === 'ICMPv4') return l;
  const v = (l as Record<string, L4Ports>)[key];
  const ports: L4Ports = {};
  if (v.destination_port) ports.source_port = v.destination_port;
  if (v.source_port) ports.destination_port = v.source_port;
  return { [key]: ports } as Flow['l4'];
}

/**
 * An L7 flow on a recorded connection (Hubble's `Type: L7`): a REQUEST goes the connection's way, a RESPONSE comes
 * back from the server, addresses, ports and services swapped.
 */
export function l7Flow(l3: Flow, l7: FlowL7, time: Date, summary: string): Flow {
  const f: Flow = Object.assign({}, l3);
  f.time = timestamp(time);
  f.verdict = 'FORWARDED';
  f.Type = 'L7';
  f.l7 = l7;
  f.is_reply = l7.type === 'RESPONSE';
  f.Summary = summary;
  if (l7.type === 'REQUEST') return f;
  f.IP = { source: l3.IP.destination, destination: l3.IP.source, ipVersion: 'IPv4' };
  f.source = l3.destination;
  f.destination = l3.source;
  swapServices(f, l3);
  f.l4 = swapped(l3.l4);
  return f;
}

/** The L7 flow of one HTTP exchange on a connection: the response, from the server back to the client (Hubble's shape). */
export function httpResponseFlow(l3: Flow, req: HttpRequest, res: HttpResponse, latencyNs: number, time: Date): Flow {
  return exchangeFlow(l3, exchangeOf(req, res), latencyNs, time);
}

/** What an HTTP exchange's L7 flow says about it (kept instead of the messages, whose bodies may be large). */
export interface HttpExchangeFacts {
  /** The request's Host header, if it had one. */
  host: string | undefined;
  method: string;
  target: string;
  status: number;
  version: HttpResponse['version'];
}

/** The request's first Host header. */
export function hostOf(req: HttpRequest): string | undefined {
  for (const [k, v] of req.headers) if (k.length === 4 && k.toLowerCase() === 'host') return v;
  return undefined;
}

function exchangeOf(req: HttpRequest, res: HttpResponse): HttpExchangeFacts {
  return { host: hostOf(req), method: req.method, target: req.target, status: res.status, version: res.version };
}

export function exchangeFlow(l3: Flow, x: HttpExchangeFacts, latencyNs: number, time: Date): Flow {
  const url = `http://${x.host ?? l3.IP.destination}${x.target}`;
  const l7: FlowL7 = { type: 'RESPONSE' };
  if (latencyNs > 0) l7.latency_ns = latencyNs;
  l7.http = { code: x.status, method: x.method, url, protocol: x.version };
  return l7Flow(l3, l7, time, `${x.version} ${x.status} ${latencyNs / 1e6}ms (${x.method} ${url})`);
}

/** The ERROR flow of a connect that threw: what is known of the source and the destination, and the error. */
export function errorFlow(req: ConnectRequest, e: Error, time: Date, endpoints: FlowParties): Flow {
  let src: FlowParty;
  try {
    src = sourceParty(req, endpoints);
  } catch {
    src = { endpoint: { labels: [] }, ip: '' };
  }
  const dst = endpoints.address(req.to.ip);
  return {
    time: timestamp(time),
    verdict: 'ERROR',
    IP: { source: src.ip, destination: req.to.ip, ipVersion: 'IPv4' },
    l4: l4(req.protocol, undefined, req.to.port),
    source: src.endpoint,
    destination: dst.endpoint,
    Type: 'L3_L4',
    ...(src.node ? { node_name: src.node } : {}),
    traffic_direction: req.from.kind === 'pod' ? 'EGRESS' : 'INGRESS',
    Summary: e.message,
  };
}

/** One flow as a GetFlowsResponse JSON line: `{"flow":{…},"node_name":"…","time":"…"}` and a newline. */
export function flowJsonLine(f: Flow): string {
  return `${JSON.stringify({ flow: f, ...(f.node_name ? { node_name: f.node_name } : {}), time: f.time })}\n`;
}

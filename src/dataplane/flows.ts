// The flow log: every simulated connection as a flow in Hubble's vocabulary (observer.Flow field names, verdicts and
// drop reasons), kept in a bounded ring buffer and exported as JSON lines; and RecordingDataPlane, the decorator that
// records every connection (and every HTTP response) a DataPlane makes.
//
// @example
// const flows = new FlowLog({ capacity: 10_000 });
// const endpoints = new FlowEndpoints(cluster.objects);
// const dp = new RecordingDataPlane(new SimDataPlane(cluster.objects, cluster.config, { clock }), flows, { clock, endpoints });
// dp.connect({ from: { kind: 'pod', namespace: 'production', name: 'monitoring-x' }, to: { ip: '10.105.239.203', port: 8080 }, protocol: 'TCP' });
// flows.toJsonLines(); // {"flow":{"time":"…","verdict":"DROPPED","drop_reason":133,…,"drop_reason_desc":"POLICY_DENIED",…},"node_name":"node-1","time":"…"}

import type { Clock } from '../core/clock.js';
import { FlowEndpoints, relativeTo, type FlowEndpoint, type FlowParty } from './flow-endpoints.js';
import type { ConnectOutcome, ConnectRequest, DataPlane, DropReason, Hop, HttpRequest, HttpResponse, Protocol, Session } from './types.js';

export type { FlowEndpoint } from './flow-endpoints.js';
export { FlowEndpoints } from './flow-endpoints.js';

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
  endpoints: FlowEndpoints;
}

/** protojson's Timestamp: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

function l4(protocol: Protocol, sourcePort: number | undefined, destinationPort: number, flags?: string[]): Flow['l4'] {
  const ports: L4Ports = { ...(sourcePort ? { source_port: sourcePort } : {}), destination_port: destinationPort };
  if (protocol === 'TCP') return { TCP: { ...ports, ...(flags ? { flags: Object.fromEntries(flags.map((f) => [f, true as const])) } : {}) } };
  return protocol === 'UDP' ? { UDP: ports } : { SCTP: ports };
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

function sourceParty(req: ConnectRequest, endpoints: FlowEndpoints): FlowParty {
  const f = req.from;
  if (f.kind === 'external') return endpoints.address(f.ip);
  if (f.kind === 'node') return endpoints.node(f.name);
  return endpoints.pod(f.namespace, f.name) ?? { endpoint: { namespace: f.namespace, labels: [], pod_name: f.name }, ip: '' };
}

/** Where the connection was headed after any DNAT: the delivered socket, else the NAT hop's target, else the dialled address. */
function destinationOf(req: ConnectRequest, outcome: ConnectOutcome): { ip: string; port: number } {
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
  const first: Flow = {
    time: timestamp(ctx.time),
    verdict: drop ? 'DROPPED' : 'FORWARDED',
    ...(drop ? { drop_reason: drop[1] } : {}),
    IP: { source: src.ip, destination: dst.ip, ipVersion: 'IPv4' },
    l4: l4(req.protocol, sourcePort, dst.port, ['SYN']),
    source: relativeTo(src, node),
    destination: relativeTo(dstParty, node),
    Type: 'L3_L4',
    ...(node ? { node_name: node } : {}),
    is_reply: false,
    ...(svc ? { destination_service: { name: svc.name, namespace: svc.namespace } } : {}),
    traffic_direction: direction,
    ...(drop ? { drop_reason_desc: drop[0] } : {}),
    Summary: outcome.kind === 'connected' ? `${req.protocol} connection accepted` : `${outcome.reason}: ${outcome.message}`,
    ...policyFields(policyHop),
  };
  if (outcome.kind === 'connected') return l7 ? [first, l7Flow(first, l7, ctx.time, l7Summary(l7))] : [first];
  if (outcome.kind !== 'refused' || outcome.reason !== 'PORT_UNREACHABLE') return [first];
  // The refusal comes back from the destination: a RST for TCP, ICMP port unreachable (type 3, code 3) otherwise.
  const reply: Flow = {
    ...first,
    IP: { source: dst.ip, destination: src.ip, ipVersion: 'IPv4' },
    l4: req.protocol === 'TCP' ? { TCP: { source_port: dst.port, flags: { RST: true, ACK: true } } } : { ICMPv4: { type: 3, code: 3 } },
    source: first.destination,
    destination: first.source,
    is_reply: true,
    ...replyServices(first),
    Summary: outcome.message,
  };
  return [first, reply];
}

/** Hubble's one-line summary of an L7 record: `DNS Answer "x." TTL: … (Proxy x. A)`-like, kept short. */
function l7Summary(l7: FlowL7): string {
  if (l7.dns) return `DNS ${l7.type === 'RESPONSE' ? 'Answer' : 'Query'} ${l7.dns.query}${l7.dns.ips?.length ? ` ${l7.dns.ips.join(',')}` : ''}`;
  if (l7.http) return `HTTP ${l7.type === 'RESPONSE' ? `${l7.http.code} ` : ''}${l7.http.method} ${l7.http.url}`;
  return 'L7';
}

/** A reply comes from the Service the request went to: destination_service becomes source_service. */
function replyServices(f: Flow): Pick<Flow, 'source_service' | 'destination_service'> {
  return { source_service: f.destination_service, destination_service: f.source_service };
}

/** The ports of an L4 section, swapped for the reply direction. */
function swapped(l: Flow['l4']): Flow['l4'] {
  if (!l) return l;
  const [[key, v]] = Object.entries(l) as [string, L4Ports][];
  if (key === 'ICMPv4') return l;
  return { [key]: { ...(v.destination_port ? { source_port: v.destination_port } : {}), ...(v.source_port ? { destination_port: v.source_port } : {}) } } as Flow['l4'];
}

/**
 * An L7 flow on a recorded connection (Hubble's `Type: L7`): a REQUEST goes the connection's way, a RESPONSE comes
 * back from the server, addresses, ports and services swapped.
 */
export function l7Flow(l3: Flow, l7: FlowL7, time: Date, summary: string): Flow {
  const base: Flow = { ...l3, time: timestamp(time), verdict: 'FORWARDED', Type: 'L7', l7, is_reply: l7.type === 'RESPONSE', Summary: summary };
  if (l7.type === 'REQUEST') return base;
  return { ...base, IP: { source: l3.IP.destination, destination: l3.IP.source, ipVersion: 'IPv4' }, source: l3.destination, destination: l3.source, ...replyServices(l3), l4: swapped(l3.l4) };
}

/** The L7 flow of one HTTP exchange on a connection: the response, from the server back to the client (Hubble's shape). */
export function httpResponseFlow(l3: Flow, req: HttpRequest, res: HttpResponse, latencyNs: number, time: Date): Flow {
  const host = req.headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? l3.IP.destination;
  const url = `http://${host}${req.target}`;
  const l7: FlowL7 = { type: 'RESPONSE', ...(latencyNs > 0 ? { latency_ns: latencyNs } : {}), http: { code: res.status, method: req.method, url, protocol: res.version } };
  return l7Flow(l3, l7, time, `${res.version} ${res.status} ${latencyNs / 1e6}ms (${req.method} ${url})`);
}

/** A bounded ring buffer of flows, oldest first; when full, each new flow replaces the oldest. */
export class FlowLog {
  readonly capacity: number;
  private readonly ring: Flow[] = [];
  private next = 0;
  private total = 0;
  private readonly listeners = new Set<(f: Flow) => void>();

  /** `capacity` defaults to 10 000, Hubble's own default buffer size is 4095; flatnet keeps more as flows are cheap here. */
  constructor(opts: { capacity?: number } = {}) {
    const c = opts.capacity ?? 10_000;
    if (!Number.isInteger(c) || c < 1) throw new RangeError(`FlowLog: capacity: Invalid value: ${c}: must be a positive integer`);
    this.capacity = c;
  }

  record(flow: Flow): void {
    if (this.ring.length < this.capacity) this.ring.push(flow);
    else this.ring[this.next] = flow;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
    for (const l of this.listeners) l(flow);
  }

  /** The flows kept, oldest first. */
  flows(): Flow[] {
    return this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  /** Flows recorded in all, including those the ring has since overwritten. */
  get recorded(): number {
    return this.total;
  }

  /** Calls `listener` with each new flow (e.g. to append it to a file); returns the function that stops it. */
  subscribe(listener: (f: Flow) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every kept flow as one JSON line each, shaped like `hubble observe -o jsonpb` (observer.GetFlowsResponse). */
  toJsonLines(): string {
    return this.flows().map(flowJsonLine).join('');
  }
}

/** One flow as a GetFlowsResponse JSON line: `{"flow":{…},"node_name":"…","time":"…"}` and a newline. */
export function flowJsonLine(f: Flow): string {
  return `${JSON.stringify({ flow: f, ...(f.node_name ? { node_name: f.node_name } : {}), time: f.time })}\n`;
}

/** Options of RecordingDataPlane. */
export interface RecordingOptions {
  clock: Clock;
  /** Who the addresses are; update it with the cluster (FlowEndpoints.update). */
  endpoints: FlowEndpoints;
}

/**
 * A DataPlane that records into a FlowLog every connection the wrapped one makes, and for HTTP sessions each
 * response once its exchange completes (an L7 flow). A connect that throws is recorded as an ERROR flow and rethrown.
 */
export class RecordingDataPlane implements DataPlane {
  constructor(
    readonly inner: DataPlane,
    readonly log: FlowLog,
    private readonly opts: RecordingOptions,
  ) {}

  connect(req: ConnectRequest): ConnectOutcome {
    let outcome: ConnectOutcome;
    try {
      outcome = this.inner.connect(req);
    } catch (e) {
      this.log.record(this.errorFlow(req, e as Error));
      throw e;
    }
    const flows = flowsFor(req, outcome, { time: this.opts.clock.now(), endpoints: this.opts.endpoints });
    for (const f of flows) this.log.record(f);
    if (outcome.kind !== 'connected' || outcome.session.kind !== 'http') return outcome;
    return { ...outcome, session: this.recordingHttp(outcome.session, flows[0]) };
  }

  private recordingHttp(session: Extract<Session, { kind: 'http' }>, l3: Flow): Session {
    const clock = this.opts.clock;
    return {
      kind: 'http',
      http: async (req) => {
        const start = clock.now().getTime();
        const res = await session.http(req);
        const end = clock.now();
        this.log.record(httpResponseFlow(l3, req, res, Math.max(0, end.getTime() - start) * 1e6, end));
        return res;
      },
    };
  }

  private errorFlow(req: ConnectRequest, e: Error): Flow {
    let src: FlowParty;
    try {
      src = sourceParty(req, this.opts.endpoints);
    } catch {
      src = { endpoint: { labels: [] }, ip: '' };
    }
    const dst = this.opts.endpoints.address(req.to.ip);
    return {
      time: timestamp(this.opts.clock.now()),
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
}

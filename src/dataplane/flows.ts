// The flow log: every simulated connection as a flow in Hubble's vocabulary (built by hubble-flow.ts), kept in a
// bounded ring buffer and exported as JSON lines; and RecordingDataPlane, the decorator that records every connection
// (and every HTTP response) a DataPlane makes.
//
// @example
// const flows = new FlowLog({ capacity: 10_000 });
// const endpoints = new FlowEndpoints(cluster.objects);
// const dp = new RecordingDataPlane(new SimDataPlane(cluster.objects, cluster.config, { clock }), flows, { clock, endpoints });
// dp.connect({ from: { kind: 'pod', namespace: 'production', name: 'monitoring-x' }, to: { ip: '10.105.239.203', port: 8080 }, protocol: 'TCP' });
// flows.toJsonLines(); // {"flow":{"time":"…","verdict":"DROPPED","drop_reason":133,…,"drop_reason_desc":"POLICY_DENIED",…},"node_name":"node-1","time":"…"}

import type { Clock } from '../core/clock.js';
import type { FlowEndpoints, FlowParties } from './flow-endpoints.js';
import { connectionFlow, errorFlow, exchangeFlow, flowJsonLine, hostOf, refusalReply, refusedByDestination, type Failure, type Flow, type HttpExchangeFacts, type RecordedOutcome } from './hubble-flow.js';
import type { ConnectionSource, ConnectOutcome, ConnectRequest, DataPlane, DeliveredTo, Hop, HttpResponse, ObjectRef, Protocol, Session } from './types.js';

export type { FlowEndpoint, FlowParties } from './flow-endpoints.js';
export { FlowEndpoints } from './flow-endpoints.js';
export type { Flow, FlowContext, FlowL7, FlowPolicy, FlowVerdict } from './hubble-flow.js';
export { flowJsonLine, flowsFor, httpResponseFlow, l7Flow } from './hubble-flow.js';

/**
 * A flow kept unbuilt: what it is made from, fixed when it was recorded. Recording a connection costs one small
 * object; the Flow (and its timestamp text) is built once, when someone reads the log or follows it.
 */
export abstract class PendingFlow {
  abstract build(): Flow;
}

/**
 * A connection's first flow, from the request, the outcome, the time and the endpoints as they were. The log keeps
 * thousands of these for a long time, so a record copies out the few values its flows need instead of holding on to
 * the request and the outcome (whose session holds the program and the connection): less for the garbage collector
 * to copy while the record lives.
 */
class ConnectionRecord extends PendingFlow {
  private flow: Flow | undefined;
  private readonly from: ConnectionSource;
  private readonly toIP: string;
  private readonly toPort: number;
  private readonly protocol: Protocol;
  private readonly entryNode: string | undefined;
  /** A failed connection's outcome, kept whole (it has no session). */
  private readonly failure: Failure | undefined;
  private readonly hops: Hop[];
  private readonly pod: ObjectRef | undefined;
  private readonly node: string;
  private readonly sourceIP: string;
  private readonly sourcePort: number;
  private readonly destinationIP: string;
  private readonly destinationPort: number;

  constructor(
    req: ConnectRequest,
    outcome: ConnectOutcome,
    private readonly time: number,
    private readonly endpoints: FlowParties,
  ) {
    super();
    this.from = req.from;
    this.toIP = req.to.ip;
    this.toPort = req.to.port;
    this.protocol = req.protocol;
    this.entryNode = req.entryNode;
    this.hops = outcome.hops;
    const delivered = outcome.kind === 'connected' ? outcome.delivered : undefined;
    this.failure = outcome.kind === 'connected' ? undefined : outcome;
    this.pod = delivered?.pod;
    this.node = delivered?.node ?? '';
    this.sourceIP = delivered?.conn.source.ip ?? '';
    this.sourcePort = delivered?.conn.source.port ?? 0;
    this.destinationIP = delivered?.conn.destination.ip ?? '';
    this.destinationPort = delivered?.conn.destination.port ?? 0;
  }

  /** The request, as connect was asked it. */
  req(): ConnectRequest {
    const req: ConnectRequest = { from: this.from, to: { ip: this.toIP, port: this.toPort }, protocol: this.protocol };
    if (this.entryNode !== undefined) req.entryNode = this.entryNode;
    return req;
  }

  outcome(): RecordedOutcome {
    if (this.failure) return this.failure;
    const conn = { protocol: this.protocol, source: { ip: this.sourceIP, port: this.sourcePort }, destination: { ip: this.destinationIP, port: this.destinationPort } };
    const delivered: DeliveredTo = { node: this.node, conn };
    if (this.pod) delivered.pod = this.pod;
    return { kind: 'connected', hops: this.hops, delivered };
  }

  build(): Flow {
    this.flow ??= connectionFlow(this.req(), this.outcome(), { time: new Date(this.time), endpoints: this.endpoints });
    return this.flow;
  }
}

/** The destination's refusal of a recorded connection. */
class RefusalRecord extends PendingFlow {
  constructor(
    private readonly connection: ConnectionRecord,
    private readonly outcome: Extract<ConnectOutcome, { kind: 'refused' }>,
  ) {
    super();
  }

  build(): Flow {
    return refusalReply(this.connection.req(), this.outcome, this.connection.build());
  }
}

/** One HTTP exchange on a recorded connection: its facts (not the messages, whose bodies may be large). */
class ExchangeRecord extends PendingFlow implements HttpExchangeFacts {
  constructor(
    private readonly connection: ConnectionRecord,
    readonly host: string | undefined,
    readonly method: string,
    readonly target: string,
    readonly status: number,
    readonly version: HttpResponse['version'],
    private readonly latencyNs: number,
    private readonly end: number,
  ) {
    super();
  }

  build(): Flow {
    return exchangeFlow(this.connection.build(), this, this.latencyNs, new Date(this.end));
  }
}

type Kept = Flow | PendingFlow;

const flowOf = (k: Kept): Flow => (k instanceof PendingFlow ? k.build() : k);

/** A bounded ring buffer of flows, oldest first; when full, each new flow replaces the oldest. */
export class FlowLog {
  readonly capacity: number;
  private readonly ring: Kept[] = [];
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
    this.keep(flow);
    for (const l of this.listeners) l(flow);
  }

  /**
   * Records a flow built only when it is read (flows(), or at once for a subscriber). What it is built from must be
   * fixed when this is called (a FlowEndpoints snapshot, not the live one).
   */
  recordPending(pending: PendingFlow): void {
    if (this.listeners.size > 0) return this.record(pending.build());
    this.keep(pending);
  }

  private keep(k: Kept): void {
    if (this.ring.length < this.capacity) this.ring.push(k);
    else this.ring[this.next] = k;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** The flows kept, oldest first. */
  flows(): Flow[] {
    const n = this.ring.length;
    const start = n < this.capacity ? 0 : this.next;
    const out: Flow[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const j = (start + i) % n;
      const f = flowOf(this.ring[j]);
      this.ring[j] = f;
      out[i] = f;
    }
    return out;
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
      this.log.record(errorFlow(req, e as Error, this.opts.clock.now(), this.opts.endpoints));
      throw e;
    }
    // Built when read, from the endpoints as they are now: a later cluster change does not rewrite the flow.
    const first = new ConnectionRecord(req, outcome, this.opts.clock.now().getTime(), this.opts.endpoints.snapshot());
    this.log.recordPending(first);
    if (refusedByDestination(outcome)) this.log.recordPending(new RefusalRecord(first, outcome));
    if (outcome.kind !== 'connected' || outcome.session.kind !== 'http') return outcome;
    return { ...outcome, session: this.recordingHttp(outcome.session, first) };
  }

  private recordingHttp(session: Extract<Session, { kind: 'http' }>, l3: ConnectionRecord): Session {
    const clock = this.opts.clock;
    return {
      kind: 'http',
      http: async (req) => {
        const start = clock.now().getTime();
        const res = await session.http(req);
        const end = clock.now();
        const latencyNs = Math.max(0, end.getTime() - start) * 1e6;
        this.log.recordPending(new ExchangeRecord(l3, hostOf(req), req.method, req.target, res.status, res.version, latencyNs, end.getTime()));
        return res;
      },
    };
  }
}

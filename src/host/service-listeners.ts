// Real sockets on this machine for NodePort and LoadBalancer Services: one listener per exposed port, each accepted
// connection or datagram handed to the DataPlane as traffic from outside the cluster, and its answer written back.
//
// @example
// const served = serveServiceListeners(() => manager.store.all(), dataPlane, { log: (s) => console.error(s), config: () => manager.cluster!.config });
// await served.sync();           // after every change to the store (and after dataPlane.update)
// // curl http://127.0.0.1:30080/ → the Service's endpoints, through the same proxy model as in-cluster traffic
// await served.close();

import { createSocket, RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, isIPv4, Server as TcpServer, Socket } from 'node:net';
import { ClusterConfig, DEFAULT_CLUSTER_SPEC } from '../core/cluster-config.js';
import { formatIPv4, isLoopbackIPv4, parseCidr } from '../core/ip.js';
import type { KubeObject } from '../core/types.js';
import type { ConnectOutcome, DataPlane, Endpoint, ObjectRef, Session } from '../dataplane/types.js';
import { categorizeEndpoints } from '../proxy/categorize.js';
import { servicePortsOf } from '../proxy/service-ports.js';
import { answerFromSession } from './http-wire.js';

/**
 * Where NodePorts listen unless told otherwise: this machine only, like the rest of flatnet (a kind port mapping's
 * listenAddress defaults to 0.0.0.0; users who follow the kind docs' advice set 127.0.0.1).
 */
export const DEFAULT_NODE_PORT_ADDRESS = '127.0.0.1';

/** A connection the data plane drops is held (read and discarded, never answered) at most this long, then closed. */
export const DEFAULT_DROPPED_CONNECTION_LIMIT_MS = 60_000;

/**
 * How long a UDP flow keeps its endpoint after its last datagram: the kernel's nf_conntrack_udp_timeout (30 s), so
 * a client's datagrams from one source port keep reaching the endpoint conntrack pinned them to.
 */
export const UDP_CONNTRACK_TIMEOUT_MS = 30_000;

export type ExposureKind = 'NodePort' | 'LoadBalancer';

/**
 * The address a connection from this machine carries into the cluster: the node network's gateway (.1 of nodeCIDR,
 * 172.18.0.1 by default). kind publishes ports through Docker, whose docker-proxy (or hairpin DNAT with masquerade)
 * dials the node container from the Docker network's gateway; so kube-proxy on the node sees a client that is not
 * one of its LOCAL addresses. 127.0.0.1 would be (`-m addrtype --src-type LOCAL`), which would turn every host
 * connection into node-local traffic and bypass externalTrafficPolicy Local.
 */
export function hostClientIP(config: Pick<ClusterConfig, 'nodeCIDR'>): string {
  return formatIPv4(config.nodeCIDR.base + 1);
}

const DEFAULT_HOST_CLIENT_IP = hostClientIP({ nodeCIDR: parseCidr(DEFAULT_CLUSTER_SPEC.nodeCIDR)! });

/** One port of a Service that flatnet serves on the host. */
export interface HostPort {
  /** The listener's identity: `TCP 127.0.0.1:30080`. */
  key: string;
  kind: ExposureKind;
  service: ObjectRef;
  /** Index of the port in the Service's spec.ports, for messages that name the field. */
  portIndex: number;
  /** The port as `kubectl get svc` writes it: `80:30080/TCP` for a NodePort, `80/TCP` for a load-balancer port. */
  ports: string;
  protocol: 'TCP' | 'UDP';
  /** The host address and port the listener binds. */
  address: string;
  port: number;
  /** What the connection dials inside the cluster: the entry node's InternalIP and NodePort, or the LB IP and port. */
  to: Endpoint;
  /** The node the packets enter (NodePorts); undefined lets the data plane choose as a load balancer would. */
  entryNode?: string;
  /**
   * Whether the Service port has a usable endpoint anywhere. Without one kube-proxy REJECTs before any other rule
   * (pkg/proxy/iptables/proxier.go: `!hasEndpoints` → externalTrafficFilterTarget REJECT), which a client sees as
   * "connection refused"; a listening socket cannot refuse a handshake, so nothing listens and the kernel refuses.
   */
  hasEndpoints: boolean;
}

/** The ports to serve for a set of cluster objects, and notes about the ones that cannot be served. */
export interface HostPortPlan {
  ports: HostPort[];
  notes: string[];
}

export interface HostPortOptions {
  /** The IPv4 address NodePorts listen on. Default 127.0.0.1. */
  nodePortAddress?: string;
}

function internalIP(node: KubeObject): string | undefined {
  return (node.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP' && isIPv4(a.address))?.address;
}

/**
 * The NodePort and LoadBalancer ports of `objects` as host listeners. NodePorts listen on `nodePortAddress` and
 * enter the first node in cluster order — the node a kind cluster's `extraPortMappings` reach (they are declared on
 * the control-plane node, the first one) — dialling its InternalIP:nodePort. Load-balancer ports listen on the LB IP
 * itself when it is a loopback address (127.0.0.0/8 is all on `lo` on Linux); other LB IPs are noted and skipped.
 */
export function planHostPorts(objects: KubeObject[], opts: HostPortOptions = {}): HostPortPlan {
  const nodePortAddress = opts.nodePortAddress ?? DEFAULT_NODE_PORT_ADDRESS;
  const entry = objects.find((o) => o.kind === 'Node');
  const entryIP = entry && internalIP(entry);
  const slicesOf = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const svcName = o.kind === 'EndpointSlice' ? o.metadata.labels?.['kubernetes.io/service-name'] : undefined;
    if (!svcName) continue;
    const key = `${o.metadata.namespace ?? 'default'}/${svcName}`;
    const list = slicesOf.get(key);
    if (list) list.push(o);
    else slicesOf.set(key, [o]);
  }
  const ports: HostPort[] = [];
  const notes: string[] = [];
  const taken = new Map<string, HostPort>();
  for (const svc of objects) {
    if (svc.kind !== 'Service') continue;
    const service = { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name };
    const id = `${service.namespace}/${service.name}`;
    servicePortsOf(svc, slicesOf.get(id) ?? []).forEach((p, portIndex) => {
      const protocol = p.protocol.toUpperCase() as 'TCP' | 'UDP' | 'SCTP';
      // Node-independent: whether any node has somewhere to send the port's traffic (pkg/proxy/topology.go).
      const hasEndpoints = categorizeEndpoints(p, '').hasAny;
      const add = (hp: Omit<HostPort, 'key' | 'protocol'>): void => {
        const label = `${hp.kind}: ${id} ${hp.ports}`;
        if (protocol === 'SCTP') {
          notes.push(`${label} is not served on the host: Node.js has no SCTP sockets (in-cluster SCTP traffic still works)`);
          return;
        }
        const key = `${protocol} ${hp.address}:${hp.port}`;
        const other = taken.get(key);
        if (other) {
          notes.push(`${label} is not served on the host: ${hp.address}:${hp.port}/${protocol} is already ${other.service.namespace}/${other.service.name}'s ${other.kind} ${other.ports}`);
          return;
        }
        const port: HostPort = { key, protocol, ...hp };
        taken.set(key, port);
        ports.push(port);
      };
      if (p.nodePort) {
        const ports = `${p.port}:${p.nodePort}/${protocol}`;
        if (!entry || !entryIP) notes.push(`NodePort: ${id} ${ports} is not served on the host: the cluster has no node with an InternalIP`);
        else add({ kind: 'NodePort', service, portIndex, ports, address: nodePortAddress, port: p.nodePort, to: { ip: entryIP, port: p.nodePort }, entryNode: entry.metadata.name, hasEndpoints });
      }
      for (const ip of p.loadBalancerIPs) {
        const ports = `${p.port}/${protocol}`;
        if (!isLoopbackIPv4(ip))
          notes.push(`LoadBalancer: ${id} ${ports} on ${ip} is not served on the host: only loopback (127.0.0.0/8) load-balancer IPs are; set the ClusterConfig's loadBalancerPool inside 127.0.0.0/8 (the default is 127.1.0.0/24)`);
        else add({ kind: 'LoadBalancer', service, portIndex, ports, address: ip, port: p.port, to: { ip, port: p.port }, hasEndpoints });
      }
    });
  }
  return { ports, notes };
}

/** The log line for a port that could not be bound: what, where, why, and what to do about it. */
export function listenErrorMessage(hp: HostPort, code: string | undefined, message: string): string {
  const where = `${hp.address}:${hp.port}/${hp.protocol}`;
  const field = `spec.ports[${hp.portIndex}].${hp.kind === 'NodePort' ? 'nodePort' : 'port'}`;
  let why: string;
  switch (code) {
    case 'EADDRINUSE':
      why = `address already in use: another program holds ${where}; stop it, or give the Service another ${field}, and re-apply`;
      break;
    case 'EACCES':
      why = `permission denied: ports below 1024 need privileges; allow them with \`sudo sysctl net.ipv4.ip_unprivileged_port_start=0\`, or give the Service another ${field}`;
      break;
    case 'EADDRNOTAVAIL':
      why =
        hp.kind === 'LoadBalancer'
          ? `address not available: ${hp.address} is not on this machine (macOS puts only 127.0.0.1 on lo0: \`sudo ifconfig lo0 alias ${hp.address} up\`)`
          : `address not available: ${hp.address} is not on this machine; choose another NodePort address`;
      break;
    default:
      why = message;
  }
  return `${hp.kind}: ${hp.service.namespace}/${hp.service.name} ${hp.ports}: cannot listen on ${where}: ${why}; the other Services are still served`;
}


export type ListenerState = 'listening' | 'refusing' | 'failed';

/** What one host listener is doing, for status output and tests. */
export interface ListenerStatus {
  key: string;
  kind: ExposureKind;
  service: ObjectRef;
  ports: string;
  address: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  /** `refusing`: not bound on purpose (no endpoints: connections are refused); `failed`: the bind failed. */
  state: ListenerState | 'starting';
  /** The bind error's code (EADDRINUSE, EACCES, ...) when `failed`. */
  error?: string;
}

export interface ServiceListenersOptions extends HostPortOptions {
  /** Receives one line per listener start, stop, failure and note. */
  log: (line: string) => void;
  /** How long a dropped connection is held before it is closed. Default 60 s. */
  droppedConnectionLimitMs?: number;
  /**
   * Takes over an accepted socket whose connection the data plane delivered to a program that runs on this machine
   * for real (the ingress-nginx controller's TLS port is terminated by the Ingress server). Returns true when it did.
   */
  handoff?: (socket: Socket, outcome: Extract<ConnectOutcome, { kind: 'connected' }>) => boolean;
}

interface UdpFlow {
  session: Extract<Session, { kind: 'datagram' }>;
  timer: NodeJS.Timeout;
}

/** One host address:port/protocol and what it currently serves. */
class HostListener {
  state: ListenerState | 'starting' = 'starting';
  error?: string;
  tcp?: TcpServer;
  udp?: UdpSocket;
  readonly flows = new Map<string, UdpFlow>();
  /** Binds and unbinds run one at a time, in order. */
  queue: Promise<void> = Promise.resolve();
  removed = false;
  /** The label last logged as listening, so a Service taking over a port is logged again. */
  announced?: string;

  constructor(public spec: HostPort) {}

  get label(): string {
    return `${this.spec.kind}: ${this.spec.service.namespace}/${this.spec.service.name} ${this.spec.ports}`;
  }
}

/**
 * Keeps one real listener per exposed Service port in step with the cluster: `sync` opens, re-targets and closes
 * listeners by diff, so unchanged ports stay open and connections already accepted keep being served.
 */
export class ServiceListeners {
  private readonly listeners = new Map<string, HostListener>();
  private readonly connections = new Set<Socket>();
  private readonly sessions = new WeakMap<Socket, { session: Extract<Session, { kind: 'http' }>; label: string }>();
  /**
   * node:http's request parser, never listening: accepted sockets whose session speaks HTTP are handed to it. A
   * request it cannot parse gets its `400 Bad Request` and a close, where the pod's server would write its own 400.
   */
  private readonly http = createHttpServer((req, res) => this.serveHttp(req, res));
  private readonly noted = new Set<string>();
  private readonly retiring = new Map<string, Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly nodePortAddress: string;
  private readonly dropLimitMs: number;
  private readonly handoff: ServiceListenersOptions['handoff'];
  private hostIP = DEFAULT_HOST_CLIENT_IP;
  private closed = false;

  constructor(
    private readonly dataPlane: DataPlane,
    opts: ServiceListenersOptions,
  ) {
    this.log = opts.log;
    this.nodePortAddress = opts.nodePortAddress ?? DEFAULT_NODE_PORT_ADDRESS;
    if (!isIPv4(this.nodePortAddress)) throw new RangeError(`nodePortAddress: invalid value "${this.nodePortAddress}": must be an IPv4 address, such as 127.0.0.1`);
    this.dropLimitMs = opts.droppedConnectionLimitMs ?? DEFAULT_DROPPED_CONNECTION_LIMIT_MS;
    this.handoff = opts.handoff;
  }

  /**
   * Serves exactly the ports of `objects`. Resolves when every listener is bound, deliberately unbound or failed
   * (each failure logged with what to do); never rejects. `config` gives the node network (see hostClientIP);
   * default: the default nodeCIDR.
   */
  sync(objects: KubeObject[], config?: Pick<ClusterConfig, 'nodeCIDR'>): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.hostIP = config ? hostClientIP(config) : DEFAULT_HOST_CLIENT_IP;
    const plan = planHostPorts(objects, { nodePortAddress: this.nodePortAddress });
    for (const note of plan.notes) {
      if (this.noted.has(note)) continue;
      this.noted.add(note);
      this.log(note);
    }
    const wanted = new Map(plan.ports.map((p) => [p.key, p]));
    const work: Promise<void>[] = [];
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      l.removed = true;
      const unbound = this.reconcile(l);
      // A listener for the same address planned again later binds only after this one has let go of it.
      this.retiring.set(key, unbound);
      void unbound.then(() => this.retiring.get(key) === unbound && this.retiring.delete(key));
      work.push(unbound);
    }
    for (const spec of plan.ports) {
      let l = this.listeners.get(spec.key);
      if (l) l.spec = spec;
      else {
        l = new HostListener(spec);
        l.queue = this.retiring.get(spec.key) ?? l.queue;
        this.listeners.set(spec.key, l);
      }
      work.push(this.reconcile(l));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** Every listener flatnet keeps, in the order they were first planned. */
  status(): ListenerStatus[] {
    return [...this.listeners.values()].map((l) => {
      const { key, kind, service, ports, address, port, protocol } = l.spec;
      return { key, kind, service, ports, address, port, protocol, state: l.state, ...(l.error ? { error: l.error } : {}) };
    });
  }

  /** Closes every listener and every connection they accepted. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.listeners.values()];
    this.listeners.clear();
    for (const l of all) l.removed = true;
    for (const s of this.connections) s.destroy();
    await Promise.all(all.map((l) => this.reconcile(l)));
  }

  private reconcile(l: HostListener): Promise<void> {
    l.queue = l.queue.then(() => this.step(l));
    return l.queue;
  }

  private async step(l: HostListener): Promise<void> {
    const want = !l.removed && l.spec.hasEndpoints;
    const bound = l.tcp !== undefined || l.udp !== undefined;
    const where = `${l.spec.address}:${l.spec.port}`;
    if (want && bound) {
      if (l.announced !== l.label) this.log(`${l.label} on ${where}`);
      l.announced = l.label;
      return;
    }
    if (!want && bound) await this.unbind(l);
    if (l.removed) {
      if (l.state === 'listening' || l.state === 'refusing') this.log(`${l.label}: stopped serving ${where}`);
      return;
    }
    if (!want) {
      if (l.state !== 'refusing') this.log(`${l.label} has no endpoints: nothing listens on ${where}, so connections are refused (kube-proxy REJECTs them)`);
      l.state = 'refusing';
      l.announced = undefined;
      return;
    }
    try {
      await this.bind(l);
      l.state = 'listening';
      l.error = undefined;
      l.announced = l.label;
      this.log(`${l.label} on ${where}`);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // Retried on every sync; said once until it changes.
      if (l.state !== 'failed' || l.error !== (err.code ?? err.message)) this.log(listenErrorMessage(l.spec, err.code, err.message));
      l.state = 'failed';
      l.error = err.code ?? err.message;
    }
  }

  private bind(l: HostListener): Promise<void> {
    const { address, port } = l.spec;
    if (l.spec.protocol === 'UDP') {
      return new Promise((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', (e) => {
          socket.close();
          reject(e);
        });
        socket.bind(port, address, () => {
          socket.removeAllListeners('error');
          socket.on('error', (e) => this.log(`${l.label}: UDP socket error: ${e.message}`));
          socket.on('message', (msg, rinfo) => this.datagram(l, socket, msg, rinfo));
          l.udp = socket;
          resolve();
        });
      });
    }
    return new Promise((resolve, reject) => {
      // Half-open: a client that sends its request and then shuts down its side still gets the answers.
      const server = createTcpServer({ allowHalfOpen: true }, (socket) => this.accept(l, socket));
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.removeListener('error', reject);
        server.on('error', (e) => this.log(`${l.label}: listener error: ${e.message}`));
        l.tcp = server;
        resolve();
      });
    });
  }

  /**
   * Stops accepting: the listening socket is closed at once (the port is free again), while connections already
   * accepted keep being served, their sessions being their own. Only `close()` waits for them (it ends them first).
   */
  private async unbind(l: HostListener): Promise<void> {
    const { tcp, udp } = l;
    l.tcp = undefined;
    l.udp = undefined;
    for (const f of l.flows.values()) clearTimeout(f.timer);
    l.flows.clear();
    const tcpClosed = tcp && new Promise<void>((r) => tcp.close(() => r()));
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcpClosed && this.closed) await tcpClosed;
  }

  private accept(l: HostListener, socket: Socket): void {
    const spec = l.spec;
    socket.on('error', () => {}); // a client's reset is the client's business
    if (this.closed) return void socket.destroy();
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
    const remote = socket.remoteAddress;
    if (remote === undefined) return void socket.destroy();
    const ip = this.clientIP(remote);
    let outcome;
    try {
      outcome = this.dataPlane.connect({ from: { kind: 'external', ip }, to: spec.to, protocol: 'TCP', ...(spec.entryNode ? { entryNode: spec.entryNode } : {}) });
    } catch (e) {
      this.log(`${l.label}: error: the data plane failed on a connection from ${remote}: ${(e as Error).message}`);
      return void socket.resetAndDestroy();
    }
    switch (outcome.kind) {
      case 'refused':
      case 'unreachable':
        // The handshake is already done, so a client sees a reset rather than a refused connect (curl exit 56).
        return void socket.resetAndDestroy();
      case 'timeout':
        return this.hold(socket);
      case 'connected': {
        const session = outcome.session;
        if (this.handoff?.(socket, outcome)) return;
        if (session.kind === 'http') {
          this.sessions.set(socket, { session, label: l.label });
          this.http.emit('connection', socket);
        } else if (session.kind === 'stream') this.stream(l, socket, session);
        else {
          this.log(`${l.label}: error: the data plane answered a TCP connection with a ${session.kind} session`);
          socket.resetAndDestroy();
        }
      }
    }
  }

  /** The source address the cluster sees for a client of this machine: loopback clients come from the gateway. */
  private clientIP(remote: string): string {
    return isLoopbackIPv4(remote) ? this.hostIP : remote;
  }

  /** A silently dropped connection: never answered, read and discarded until the client gives up or the bound passes. */
  private hold(socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), this.dropLimitMs);
    timer.unref();
    socket.on('data', () => {});
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
  }

  private stream(l: HostListener, socket: Socket, session: Extract<Session, { kind: 'stream' }>): void {
    let done = false;
    let pending: Promise<void> = Promise.resolve();
    const reply = (r: { data: Buffer; close: boolean }): void => {
      if (done) return;
      if (r.data.length > 0) socket.write(r.data);
      if (r.close) {
        done = true;
        socket.end();
      }
    };
    const failed = (e: unknown): void => {
      this.log(`${l.label}: error: the pod's server failed: ${(e as Error).message}`);
      done = true;
      socket.destroy();
    };
    if (session.greeting) reply(session.greeting);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.then(() => (done ? undefined : session.send(chunk).then(reply))).catch(failed);
    });
    socket.once('end', () => {
      pending = pending.then(() => {
        if (!done) socket.end();
        done = true;
      });
    });
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const conn = this.sessions.get(req.socket as Socket);
    if (!conn) return void req.socket.destroy();
    answerFromSession(req, res, conn.session, (e) => this.log(`${conn.label}: error: the pod's server failed on ${req.method} ${req.url}: ${e.message}`));
  }

  private datagram(l: HostListener, socket: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = l.flows.get(key);
    if (flow) flow.timer.refresh();
    else {
      const spec = l.spec;
      let outcome;
      try {
        outcome = this.dataPlane.connect({ from: { kind: 'external', ip: this.clientIP(rinfo.address) }, to: spec.to, protocol: 'UDP', ...(spec.entryNode ? { entryNode: spec.entryNode } : {}) });
      } catch (e) {
        this.log(`${l.label}: error: the data plane failed on a datagram from ${key}: ${(e as Error).message}`);
        return;
      }
      // Refused, unreachable or dropped: the ICMP error a kernel would send cannot be sent from here; nothing is.
      if (outcome.kind !== 'connected') return;
      if (outcome.session.kind !== 'datagram') {
        this.log(`${l.label}: error: the data plane answered a UDP datagram with a ${outcome.session.kind} session`);
        return;
      }
      const timer = setTimeout(() => l.flows.delete(key), UDP_CONNTRACK_TIMEOUT_MS);
      timer.unref();
      flow = { session: outcome.session, timer };
      l.flows.set(key, flow);
    }
    flow.session.datagram(msg).then(
      (out) => {
        if (out && l.udp === socket) socket.send(out, rinfo.port, rinfo.address);
      },
      (e: Error) => this.log(`${l.label}: error: the pod's server failed on a datagram from ${key}: ${e.message}`),
    );
  }
}

/** What `serveServiceListeners` hands back. */
export interface ServedServiceListeners {
  /** Re-reads the objects and serves their ports; calls in one turn of the event loop are coalesced. Never rejects. */
  sync(): Promise<void>;
  close(): Promise<void>;
  readonly listeners: ServiceListeners;
}

/**
 * Serves the NodePort and LoadBalancer ports of the cluster `objects()` returns, starting now. Call `sync()` after
 * every change (after the data plane has been given the same objects), and `close()` on shutdown. `opts.config`
 * returns the current ClusterConfig, whose nodeCIDR says where host clients come from (see hostClientIP).
 */
export function serveServiceListeners(objects: () => KubeObject[], dataPlane: DataPlane, opts: ServiceListenersOptions & { config?: () => Pick<ClusterConfig, 'nodeCIDR'> }): ServedServiceListeners {
  const listeners = new ServiceListeners(dataPlane, opts);
  let scheduled: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    // A microtask: every store event of one apply arrives in the same turn, and one sync covers them all.
    scheduled ??= Promise.resolve().then(() => {
      scheduled = undefined;
      try {
        return listeners.sync(objects(), opts.config?.());
      } catch (e) {
        opts.log(`Service listeners: error: cannot read the cluster: ${(e as Error).message}; the listeners stay as they were`);
      }
    });
    return scheduled;
  };
  void sync();
  return { sync, close: () => listeners.close(), listeners };
}

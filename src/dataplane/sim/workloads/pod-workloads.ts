// What listens in a pod's network namespace: every container's program bound in spec order (the kernel's
// EADDRINUSE for a second bind), annotation overrides applied, each socket answering through one wrapper that logs.

import type { Clock } from '../../../core/clock.js';
import type { Problem } from '../../../core/errors.js';
import type { Container, KubeObject } from '../../../core/types.js';
import type { ConnectionInfo, HttpRequest, HttpResponse, Protocol } from '../../types.js';
import { HTTP_BODY_ANNOTATION, HTTP_STATUS_ANNOTATION, LATENCY_ANNOTATION, LISTEN_ANNOTATION, parseWorkloadAnnotations, type WorkloadAnnotations } from './annotations.js';
import { echoBinding } from './echo-server.js';
import { goDuration, headerValue, replaceHeader, sniffContentType, statusText, withHeader } from './http-message.js';
import type { Binding, PodIdentity, Program, ProgramContext, StreamReply } from './listener.js';
import { PodLogs } from './pod-logs.js';
import { programForContainer } from './programs.js';

/** Options of workloadsForPod. */
export interface WorkloadOptions {
  /** Stamps Date headers, log lines and `NOW:` answers. */
  clock: Clock;
  /** Waits for flatnet.dev/latency. Default: a real timer. Tests pass one that advances a FixedClock. */
  sleep?: (ms: number) => Promise<void>;
  /** Log lines kept per pod across its containers. Default 1000. */
  logCapacity?: number;
  /**
   * The log of the same pod's previous workloads (same uid; its annotations or IP changed), carried on: its containers
   * did not restart, so what they wrote stays and their start-up lines are not written again.
   */
  logs?: PodLogs;
}

interface ListenerBase {
  container: string;
  image: string;
  /** The program as it names itself: `nginx/1.27.0`. */
  program: string;
  port: number;
  protocol: Protocol;
  /** 0.0.0.0, or 127.0.0.1 for a program bound to loopback only. */
  address: string;
  speaks: string;
  /** `program` when the image and command decided the socket, `annotation` when flatnet.dev/listen did. */
  source: 'program' | 'annotation';
  latencyMs: number;
  /** One sentence: `nginx:latest (nginx/1.27.0) in container nginx serves HTTP on 80/TCP`. */
  describe(): string;
}

export interface HttpListener extends ListenerBase {
  kind: 'http';
  /** Answers one request, after the pod's latency, with the pod's status/body overrides, and logs it. */
  http(req: HttpRequest, conn: ConnectionInfo): Promise<HttpResponse>;
}

/** One accepted connection to a stream listener. */
export interface StreamConnection {
  /** What the server writes on accept, if it speaks first. */
  greeting?: StreamReply;
  send(data: Buffer): Promise<StreamReply>;
}

export interface StreamListener extends ListenerBase {
  kind: 'stream';
  open(conn: ConnectionInfo): StreamConnection;
}

export interface DatagramListener extends ListenerBase {
  kind: 'datagram';
  datagram(data: Buffer, conn: ConnectionInfo): Promise<Buffer | undefined>;
}

/** A socket listening in the pod's network namespace. */
export type Listener = HttpListener | StreamListener | DatagramListener;

/** A socket a container was expected to have but does not, and why (an explanation for "connection refused"). */
export interface NotListening {
  container: string;
  port: number;
  protocol: Protocol;
  reason: string;
}

/** Everything that listens in one pod, its logs, and the problems its annotations had. */
export interface PodWorkloads {
  pod: PodIdentity;
  listeners: Listener[];
  notListening: NotListening[];
  /** Bad flatnet.dev/ annotation values, each naming the pod, the annotation and the value. */
  problems: Problem[];
  logs: PodLogs;
  /** The listener a connection to port/protocol on destinationIp reaches, or why the connection is refused. */
  connect(port: number, protocol?: Protocol, destinationIp?: string): { listener: Listener } | { refused: string };
  /** One line per listener and per missing socket. */
  describe(): string[];
}

/** The identity a pod's programs see: name, namespace, status.podIP, spec.nodeName and the hostname. */
export function podIdentity(pod: KubeObject): PodIdentity {
  const name = pod.metadata.name;
  const hostname = (pod.spec?.hostname as string | undefined) ?? name.slice(0, 63).replace(/[-.]+$/, '');
  return { name, namespace: pod.metadata.namespace ?? 'default', ip: pod.status?.podIP ?? '', node: pod.spec?.nodeName ?? '', hostname };
}

/** Content-Type for an annotated body: JSON if it parses as an object or array, HTML if it looks like HTML, else text. */
function bodyType(body: string): string {
  const t = body.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(t);
      return 'application/json';
    } catch {
      // not JSON: fall through to sniffing
    }
  }
  return sniffContentType(Buffer.from(body));
}

/** Applies flatnet.dev/http-status and flatnet.dev/http-body to a response the program wrote. */
export function applyHttpOverrides(req: HttpRequest, res: HttpResponse, a: WorkloadAnnotations): HttpResponse {
  let out = res;
  if (a.httpStatus !== undefined) out = { ...out, status: a.httpStatus, reason: statusText(a.httpStatus) };
  if (a.httpBody !== undefined) {
    const body = Buffer.from(a.httpBody);
    let headers = out.headers.filter(([n]) => !['etag', 'last-modified', 'accept-ranges'].includes(n.toLowerCase()));
    headers = replaceHeader(headers, 'Content-Length', String(body.length));
    headers = headerValue(headers, 'Content-Type') ? replaceHeader(headers, 'Content-Type', bodyType(a.httpBody)) : withHeader(headers, 'Content-Type', bodyType(a.httpBody));
    out = { ...out, headers, body: req.method === 'HEAD' || out.status === 204 || out.status === 304 ? Buffer.alloc(0) : body };
  }
  return out;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function startTime(pod: KubeObject, clock: Clock): Date {
  const t = Date.parse(pod.status?.startTime ?? '');
  return Number.isNaN(t) ? clock.now() : new Date(t);
}

/** The default container for flatnet.dev/listen entries that name none: the first one running a server. */
function defaultContainer(containers: Container[], programs: Program[]): number {
  const i = programs.findIndex((p) => !p.idle && p.rebind);
  return i < 0 ? 0 : i;
}

/**
 * What listens in a pod: each container's program, bound in spec order in the one network namespace all
 * containers share. A second bind of a port/protocol fails as the kernel's EADDRINUSE would. Declared
 * containerPorts that nothing binds are listed with the reason. Bad annotations become problems, never throws.
 */
export function workloadsForPod(pod: KubeObject, opts: WorkloadOptions): PodWorkloads {
  const { clock } = opts;
  const sleep = opts.sleep ?? realSleep;
  const identity = podIdentity(pod);
  const logs = opts.logs ?? new PodLogs(opts.logCapacity);
  const { annotations, problems } = parseWorkloadAnnotations(pod);
  const startedAt = startTime(pod, clock);
  const containers: Container[] = pod.spec?.containers ?? [];
  const contexts: ProgramContext[] = containers.map((container) => ({
    pod: identity,
    container,
    clock,
    startedAt,
    log: (line, stream = 'stdout') => logs.write(clock.now(), container.name, stream, line),
  }));
  const programs = contexts.map((ctx) => programForContainer(ctx, ctx.container));
  const wanted: { index: number; binding: Binding; source: 'program' | 'annotation' }[] = [];
  if (annotations.listen) {
    const fallback = defaultContainer(containers, programs);
    for (const spec of annotations.listen) {
      const index = spec.container === undefined ? fallback : containers.findIndex((c) => c.name === spec.container);
      const program = programs[index];
      const binding = (!program.idle && program.rebind?.(spec.port, spec.protocol)) || echoBinding(contexts[index], spec.port, spec.protocol);
      wanted.push({ index, binding, source: 'annotation' });
    }
  } else programs.forEach((p, index) => p.bindings.forEach((binding) => wanted.push({ index, binding, source: 'program' })));

  if (!opts.logs) programs.forEach((p, i) => p.startupLogs?.forEach(({ line, stream }) => logs.append({ time: startedAt, container: containers[i].name, stream, line })));
  const listeners: Listener[] = [];
  const notListening: NotListening[] = [];
  const holder = new Map<string, number>();
  for (const { index, binding, source } of wanted) {
    const c = containers[index];
    const key = `${binding.port}/${binding.protocol}`;
    const held = holder.get(key);
    if (held !== undefined) {
      const other = containers[held];
      notListening.push({ container: c.name, port: binding.port, protocol: binding.protocol, reason: `container ${c.name} (${c.image}) cannot bind ${key}: address already in use (EADDRINUSE): container ${other.name} (${other.image}) in the same pod holds it; containers share one network namespace` });
      logs.append({ time: startedAt, container: c.name, stream: 'stderr', line: `bind() to ${binding.address}:${binding.port} failed (98: Address already in use)` });
      continue;
    }
    holder.set(key, index);
    listeners.push(makeListener(c, programs[index].name, binding, source, annotations, sleep, clock, contexts[index]));
  }
  containers.forEach((c, i) => {
    for (const p of c.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (listeners.some((l) => l.port === p.containerPort && l.protocol === protocol)) continue;
      if (notListening.some((n) => n.port === p.containerPort && n.protocol === protocol && n.container === c.name)) continue;
      const prog = programs[i];
      const bound = listeners.filter((l) => l.container === c.name).map((l) => `${l.port}/${l.protocol}`);
      const reason = annotations.listen
        ? `${LISTEN_ANNOTATION} does not list ${p.containerPort}/${protocol}`
        : prog.idle ?? `${prog.name} listens on ${bound.join(', ') || 'nothing'}; containerPort ${p.containerPort}/${protocol} is informational and makes nothing listen`;
      notListening.push({ container: c.name, port: p.containerPort, protocol, reason });
    }
  });
  const podName = `pod ${identity.namespace}/${identity.name}`;
  return {
    pod: identity,
    listeners,
    notListening,
    problems,
    logs,
    connect(port, protocol = 'TCP', destinationIp) {
      const l = listeners.find((x) => x.port === port && x.protocol === protocol);
      if (l && (l.address === '0.0.0.0' || destinationIp === undefined || destinationIp === l.address || (l.address === '127.0.0.1' && destinationIp.startsWith('127.')))) return { listener: l };
      if (l) return { refused: `${l.program} in container ${l.container} listens on ${l.address}:${port}/${protocol} only; ${destinationIp} is not that address` };
      const missing = notListening.find((n) => n.port === port && n.protocol === protocol);
      if (missing) return { refused: `nothing in ${podName} listens on ${port}/${protocol}: ${missing.reason}` };
      const open = listeners.map((x) => `${x.port}/${x.protocol}`);
      return { refused: `nothing in ${podName} listens on ${port}/${protocol} (listening: ${open.join(', ') || 'none'})` };
    },
    describe: () => [...listeners.map((l) => l.describe()), ...notListening.map((n) => `container ${n.container}: nothing on ${n.port}/${n.protocol}: ${n.reason}`)],
  };
}

function makeListener(c: Container, program: string, b: Binding, source: 'program' | 'annotation', a: WorkloadAnnotations, sleep: (ms: number) => Promise<void>, clock: Clock, ctx: ProgramContext): Listener {
  const latencyMs = a.latencyMs;
  const base: ListenerBase = {
    container: c.name,
    image: c.image,
    program,
    port: b.port,
    protocol: b.protocol,
    address: b.address,
    speaks: b.speaks,
    source,
    latencyMs,
    describe() {
      const notes = [
        b.address !== '0.0.0.0' ? `bound to ${b.address} only` : '',
        source === 'annotation' ? `from ${LISTEN_ANNOTATION}` : '',
        latencyMs ? `answers after ${goDuration(latencyMs)} (${LATENCY_ANNOTATION})` : '',
        b.server.kind === 'http' && a.httpStatus !== undefined ? `every response ${a.httpStatus} (${HTTP_STATUS_ANNOTATION})` : '',
        b.server.kind === 'http' && a.httpBody !== undefined ? `body from ${HTTP_BODY_ANNOTATION}` : '',
      ].filter(Boolean);
      return `${c.image} (${program}) in container ${c.name} serves ${b.speaks} on ${b.port}/${b.protocol}${notes.length ? `; ${notes.join('; ')}` : ''}`;
    },
  };
  const wait = () => (latencyMs > 0 ? sleep(latencyMs) : Promise.resolve());
  const server = b.server;
  switch (server.kind) {
    case 'http':
      return {
        ...base,
        kind: 'http',
        async http(req, conn) {
          const start = clock.now();
          if (latencyMs > 0) await sleep(latencyMs);
          const res = applyHttpOverrides(req, await server.serve(req, conn), a);
          const end = clock.now();
          const entry = server.accessLog?.({ req, res, conn, start, end });
          if (entry) ctx.log(entry.line, entry.stream);
          return res;
        },
      };
    case 'stream':
      return {
        ...base,
        kind: 'stream',
        open(conn) {
          const session = server.open(conn);
          return {
            greeting: session.greeting,
            async send(data) {
              await wait();
              return session.receive(data);
            },
          };
        },
      };
    case 'datagram':
      return {
        ...base,
        kind: 'datagram',
        async datagram(data, conn) {
          await wait();
          return server.receive(data, conn);
        },
      };
  }
}

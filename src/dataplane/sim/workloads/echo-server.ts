// The echo server flatnet runs for images it does not know: JSON naming the pod and the request, in the shape of
// the Ingress conformance echoserver (kubernetes-sigs/ingress-controller-conformance images/echoserver/echoserver.go).

import type { Container } from '../../../core/types.js';
import type { ConnectionInfo, HttpRequest, Protocol } from '../../types.js';
import { envValue, portNumber } from './image-ref.js';
import { canonicalHeaderKey, goResponse, headerValue, requestPath } from './http-message.js';
import type { Binding, DatagramServer, HttpServer, Program, ProgramContext } from './listener.js';

/** What the echo server answers: the conformance echoserver's fields, then flatnet's own about the pod and socket. */
export interface EchoReply {
  path: string;
  host: string;
  method: string;
  proto: string;
  /** Request headers by canonical name (Host excluded, as Go's r.Header does), values in order. */
  headers: Record<string, string[]>;
  namespace: string;
  ingress: string;
  service: string;
  pod: string;
  podIP: string;
  node: string;
  container: string;
  containerPort: number;
  /** The client address as the pod sees it (`ip:port`): after any SNAT, so it shows masquerading. */
  clientAddr: string;
}

/** Go's encoding/json escapes <, >, & and the JS line separators even in indented output. */
function goJson(v: unknown): string {
  return JSON.stringify(v, null, 1).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * An HTTP echo server. `conformance` gives the echoserver image's exact behaviour (its /health, its context from
 * NAMESPACE/INGRESS_NAME/SERVICE_NAME/POD_NAME, no flatnet fields); otherwise the pod's identity fills the context.
 */
export function echoHttpServer(ctx: ProgramContext, containerPort: number, conformance = false): HttpServer {
  const env = (n: string) => envValue(ctx.container, n) ?? '';
  return {
    kind: 'http',
    serve(req: HttpRequest, conn: ConnectionInfo) {
      const now = ctx.clock.now();
      if (conformance && requestPath(req) === '/health') return goResponse(req, 200, [], Buffer.from('OK'), now);
      ctx.log(`Echoing back request made to ${req.target} to client (${conn.source.ip}:${conn.source.port})`);
      const headers: Record<string, string[]> = {};
      for (const [n, v] of req.headers) {
        const k = canonicalHeaderKey(n);
        if (k === 'Host') continue;
        (headers[k] ??= []).push(v);
      }
      const sorted = Object.fromEntries(Object.keys(headers).sort().map((k) => [k, headers[k]]));
      const base = { path: req.target, host: headerValue(req.headers, 'Host') ?? '', method: req.method, proto: req.version, headers: sorted };
      const reply = conformance
        ? { ...base, namespace: env('NAMESPACE'), ingress: env('INGRESS_NAME'), service: env('SERVICE_NAME'), pod: env('POD_NAME') }
        : ({
            ...base,
            namespace: ctx.pod.namespace,
            ingress: env('INGRESS_NAME'),
            service: env('SERVICE_NAME'),
            pod: ctx.pod.name,
            podIP: ctx.pod.ip,
            node: ctx.pod.node,
            container: ctx.container.name,
            containerPort,
            clientAddr: `${conn.source.ip}:${conn.source.port}`,
          } satisfies EchoReply);
      return goResponse(req, 200, [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']], Buffer.from(goJson(reply)), now);
    },
  };
}

/** A UDP/SCTP echo: each datagram comes back unchanged. */
export function datagramEchoServer(): DatagramServer {
  return { kind: 'datagram', receive: (data: Buffer) => Buffer.from(data) };
}

/** The generic workload on one port: the HTTP echo for TCP, the datagram echo for UDP and SCTP. */
export function echoBinding(ctx: ProgramContext, port: number, protocol: Protocol): Binding {
  if (protocol === 'TCP') return { port, protocol, address: '0.0.0.0', speaks: 'HTTP (flatnet echo server)', server: echoHttpServer(ctx, port) };
  return { port, protocol, address: '0.0.0.0', speaks: `${protocol} echo`, server: datagramEchoServer() };
}

/** flatnet's echo program for an unknown image: it listens on every declared containerPort. */
export function echoProgram(ctx: ProgramContext, c: Container): Program {
  const bindings = (c.ports ?? []).map((p) => echoBinding(ctx, p.containerPort, p.protocol ?? 'TCP'));
  return {
    name: 'flatnet echo server',
    bindings,
    idle: bindings.length ? undefined : 'the image is not one flatnet knows and the container declares no ports; nothing listens',
    rebind: (port, protocol) => echoBinding(ctx, port, protocol),
  };
}

/** The Ingress conformance echoserver image: HTTP on $HTTP_PORT (default 3000). */
export function conformanceEchoProgram(ctx: ProgramContext, c: Container): Program {
  const port = portNumber(envValue(c, 'HTTP_PORT') ?? '3000');
  if (port === undefined) return { name: 'echoserver', bindings: [], idle: 'echoserver exits: Failed to start listening: $HTTP_PORT is not a valid port' };
  const bind = (p: number): Binding => ({ port: p, protocol: 'TCP', address: '0.0.0.0', speaks: 'HTTP (conformance echoserver)', server: echoHttpServer(ctx, p, true) });
  return { name: 'echoserver', bindings: [bind(port)], rebind: (p, protocol) => (protocol === 'TCP' ? bind(p) : undefined), startupLogs: [{ line: `Starting server, listening on port ${port} (http)`, stream: 'stdout' }] };
}

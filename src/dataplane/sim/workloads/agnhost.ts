// The Kubernetes e2e test image agnhost as the network sees it: `netexec` (HTTP on --http-port, UDP commands on
// --udp-port) and `serve-hostname` (the hostname on --port 9376), per kubernetes test/images/agnhost.

import type { Container } from '../../../core/types.js';
import type { ConnectionInfo, HttpRequest, Protocol } from '../../types.js';
import { containerArgv, parseFlags, portNumber } from './image-ref.js';
import { goResponse, logTime, queryParam, requestPath, statusText } from './http-message.js';
import type { Binding, DatagramServer, HttpServer, Program, ProgramContext, StreamServer } from './listener.js';

/** The image's Dockerfile: ENTRYPOINT ["/agnhost"], CMD ["pause"]. */
const IMAGE = { entrypoint: ['/agnhost'], cmd: ['pause'] };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's time.Now().String() in a UTC container, monotonic reading included: `2026-11-23 10:00:00 +0000 UTC m=+5.000000001`. */
function goNow(now: Date, startedAt: Date): string {
  const frac = now.getUTCMilliseconds() ? `.${pad(now.getUTCMilliseconds(), 3).replace(/0+$/, '')}` : '';
  const mono = Math.max(0, (now.getTime() - startedAt.getTime()) / 1000).toFixed(9);
  return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}${frac} +0000 UTC m=+${mono}`;
}

const addr = (conn: ConnectionInfo) => `${conn.source.ip}:${conn.source.port}`;

/** netexec's HTTP handlers that make sense without a shell or a file system: /, /clientip, /echo, /healthz, /hostname, /redirect. */
export function netexecHttpServer(ctx: ProgramContext): HttpServer {
  const log = (m: string) => ctx.log(`${logTime(ctx.clock.now())} ${m}`, 'stderr');
  return {
    kind: 'http',
    serve(req: HttpRequest, conn: ConnectionInfo) {
      const now = ctx.clock.now();
      const text = (status: number, body: string, headers: [string, string][] = []) => goResponse(req, status, headers, Buffer.from(body), now);
      switch (requestPath(req)) {
        case '/clientip':
          log('GET /clientip');
          return text(200, addr(conn));
        case '/echo': {
          const msg = queryParam(req, 'msg');
          const code = queryParam(req, 'code');
          log(`GET /echo?msg=${msg}&code=${code}`);
          if (code === '') return text(200, msg);
          if (!/^-?\d+$/.test(code)) return text(200, `argument 'code' must be an integer or empty, got ${JSON.stringify(code)}\n`);
          return text(Number(code), msg);
        }
        case '/healthz':
          log('GET /healthz');
          return text(200, '');
        case '/hostname':
          log('GET /hostname');
          return text(200, ctx.pod.hostname);
        case '/hostName':
          log('GET /hostName');
          return text(200, ctx.pod.hostname);
        case '/redirect': {
          const location = queryParam(req, 'location');
          const code = queryParam(req, 'code');
          log(`${req.method} /redirect?msg=${location}&code=${code}`);
          const status = code === '' ? 302 : Number(code);
          // http.Redirect writes a short HTML link for GET and HEAD.
          const body = req.method === 'GET' || req.method === 'HEAD' ? `<a href="${location}">${statusText(status)}</a>.\n\n` : '';
          return text(status, body, [['Location', location], ...(body ? ([['Content-Type', 'text/html; charset=utf-8']] as [string, string][]) : [])]);
        }
        case '/dial':
        case '/shell':
        case '/upload':
        case '/exit':
        case '/shutdown':
          log(`GET ${requestPath(req)}`);
          return text(501, `flatnet: agnhost netexec ${requestPath(req)} is not emulated\n`);
        default:
          log('GET /');
          return text(200, `NOW: ${goNow(now, ctx.startedAt)}`);
      }
    },
  };
}

/** netexec's UDP (and SCTP) command server: `hostname`, `echo <msg>`, `clientip`; anything else gets no answer. */
export function netexecDatagramServer(ctx: ProgramContext, protocol: Protocol): DatagramServer {
  const log = (m: string) => ctx.log(`${logTime(ctx.clock.now())} ${m}`, 'stderr');
  return {
    kind: 'datagram',
    receive(data: Buffer, conn: ConnectionInfo) {
      const received = data.toString('utf8').trim().toLowerCase();
      if (received === 'hostname') {
        log(`Sending ${protocol === 'UDP' ? 'udp' : 'SCTP'} hostName response`);
        return Buffer.from(ctx.pod.hostname);
      }
      if (received.startsWith('echo ')) {
        const msg = received.slice(5);
        log(`Echoing ${msg} to ${protocol} client ${addr(conn)}`);
        return Buffer.from(msg);
      }
      if (received === 'clientip') {
        log(`Sending clientip back to ${protocol} client ${addr(conn)}`);
        return Buffer.from(addr(conn));
      }
      if (received.length > 0) log(`Unknown ${protocol} command received from ${addr(conn)}: ${received}`);
      return undefined;
    },
  };
}

function netexecProgram(ctx: ProgramContext, flags: Map<string, string>): Program {
  const httpPort = portNumber(flags.get('http-port') ?? '8080');
  const udpPort = portNumber(flags.get('udp-port') ?? '8081', true);
  const sctpPort = portNumber(flags.get('sctp-port') ?? '-1', true);
  if (httpPort === undefined || udpPort === undefined || sctpPort === undefined) return { name: 'agnhost netexec', bindings: [], idle: 'agnhost netexec exits: a port flag is not a valid port' };
  const http = netexecHttpServer(ctx);
  const tls = Boolean(flags.get('tls-cert-file'));
  const tcp = (port: number): Binding => ({ port, protocol: 'TCP', address: '0.0.0.0', speaks: tls ? 'HTTPS (served as plain HTTP by flatnet)' : 'HTTP', server: http });
  const dgram = (port: number, protocol: Protocol): Binding => ({ port, protocol, address: '0.0.0.0', speaks: `${protocol} commands (hostname, echo, clientip)`, server: netexecDatagramServer(ctx, protocol) });
  const bindings = [tcp(httpPort)];
  if (udpPort !== -1) bindings.push(dgram(udpPort, 'UDP'));
  if (sctpPort !== -1) bindings.push(dgram(sctpPort, 'SCTP'));
  const t = logTime(ctx.startedAt);
  const startupLogs = [
    ...(udpPort !== -1 ? [`${t} Started UDP server on port  ${udpPort}`] : []),
    ...(sctpPort !== -1 ? [`${t} Started SCTP server`] : []),
    `${t} Started HTTP server on port ${httpPort}`,
  ].map((line) => ({ line, stream: 'stderr' as const }));
  return { name: 'agnhost netexec', bindings, startupLogs, rebind: (port, protocol) => (protocol === 'TCP' ? tcp(port) : dgram(port, protocol)) };
}

function serveHostnameProgram(ctx: ProgramContext, flags: Map<string, string>): Program {
  const name = 'agnhost serve-hostname';
  const on = (f: string, def: boolean) => (flags.has(f) ? flags.get(f) !== 'false' : def);
  const [doTCP, doUDP, doHTTP, doClose] = [on('tcp', false), on('udp', false), on('http', true), on('close', false)];
  if (doHTTP && (doTCP || doUDP)) return { name, bindings: [], idle: "agnhost serve-hostname exits: Can't server TCP/UDP mode and HTTP mode at the same time" };
  const port = portNumber(flags.get('port') ?? '9376');
  if (port === undefined) return { name, bindings: [], idle: 'agnhost serve-hostname exits: --port is not a valid port' };
  const log = (m: string) => ctx.log(`${logTime(ctx.clock.now())} ${m}`, 'stderr');
  const http: HttpServer = {
    kind: 'http',
    serve(req, conn) {
      log(`HTTP request from ${addr(conn)}`);
      return goResponse(req, 200, doClose ? [['Connection', 'close']] : [], Buffer.from(ctx.pod.hostname), ctx.clock.now());
    },
  };
  const tcp: StreamServer = {
    kind: 'stream',
    open(conn) {
      log(`TCP request from ${addr(conn)}`);
      return { greeting: { data: Buffer.from(ctx.pod.hostname), close: true }, receive: () => ({ data: Buffer.alloc(0), close: true }) };
    },
  };
  const udp: DatagramServer = {
    kind: 'datagram',
    receive(_data, conn) {
      log(`UDP request from ${addr(conn)}`);
      return Buffer.from(ctx.pod.hostname);
    },
  };
  const bindings: Binding[] = [];
  if (doHTTP) bindings.push({ port, protocol: 'TCP', address: '0.0.0.0', speaks: 'HTTP', server: http });
  if (doTCP) bindings.push({ port, protocol: 'TCP', address: '0.0.0.0', speaks: 'raw TCP (writes the hostname on accept, then closes)', server: tcp });
  if (doUDP) bindings.push({ port, protocol: 'UDP', address: '0.0.0.0', speaks: 'UDP (the hostname per datagram)', server: udp });
  return { name, bindings, startupLogs: [{ line: `${logTime(ctx.startedAt)} Serving on port ${port}.`, stream: 'stderr' }] };
}

/** The agnhost program for a container: the subcommand decides; `pause` (the image's default) binds nothing. */
export function agnhostProgram(ctx: ProgramContext, c: Container): Program | undefined {
  const argv = containerArgv(c, IMAGE);
  const i = argv.findIndex((a) => !a.startsWith('-') && !/(^|\/)agnhost$/.test(a));
  const sub = i < 0 ? '' : argv[i];
  const { values } = parseFlags(argv.slice(i + 1), ['tcp', 'udp', 'http', 'close']);
  if (sub === 'netexec') return netexecProgram(ctx, values);
  if (sub === 'serve-hostname') return serveHostnameProgram(ctx, values);
  if (sub === 'pause' || sub === '') return { name: 'agnhost pause', bindings: [], idle: 'agnhost pause only waits for a signal; nothing listens' };
  return undefined;
}

// The Ingress proxy on real sockets of this machine: an HTTP listener and an HTTPS listener that picks its certificate
// by SNI, each turning node:http requests into HttpRequests for the IngressProxy and writing its answers back as sent.

import { createServer as createHttpServer, IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../core/clock.js';
import type { HttpResponse } from '../dataplane/types.js';
import { header, nginxPage } from '../ingress/nginx-responses.js';
import type { IngressProxy, IngressRoutes } from '../ingress/proxy.js';
import { flatHeaders, toHttpRequest } from './http-wire.js';
import { IngressCertificates } from './ingress-certificates.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** A listener that could not be opened, and why, in words. */
export interface IngressListenError {
  scheme: 'http' | 'https';
  address: ListenAddress;
  /** The system error code: EADDRINUSE, EACCES, EADDRNOTAVAIL, … */
  code: string;
  /** `address already in use`, `permission denied`, … */
  message: string;
}

export interface IngressServerOptions {
  proxy: IngressProxy;
  /** Where to serve plain HTTP; undefined for none. */
  http?: ListenAddress;
  /** Where to serve HTTPS; undefined for none. */
  https?: ListenAddress;
  clock: Clock;
  /** Certificate warnings (a missing or unusable Secret), each once. */
  warn: (message: string) => void;
  /** An error inside the proxy while answering (the client gets nginx's 500 page). */
  onError?: (e: Error) => void;
}

/** ingress-nginx's proxy-body-size default (client_max_body_size 1m): larger request bodies get 413. */
const MAX_BODY = 1024 * 1024;
/** nginx's keepalive_timeout in ingress-nginx's ConfigMap (keep-alive: 75). */
const KEEP_ALIVE_MS = 75_000;

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
};

/**
 * The Ingress listeners. A listener that cannot open is listed in `failures` and the other one still serves.
 *
 * @example
 *   const server = await IngressServer.start({ proxy, http: { host: '127.0.0.1', port: 8080 }, https: { host: '127.0.0.1', port: 8443 }, clock, warn: console.error });
 *   server.setRoutes(ingressRoutes(objects)); // new requests use the new routes at once
 */
export class IngressServer {
  /** The bound addresses (a port of 0 is replaced by the one the kernel chose). */
  readonly http?: ListenAddress;
  readonly https?: ListenAddress;
  readonly failures: IngressListenError[] = [];
  private readonly servers: HttpServer[] = [];
  private tls: HttpServer | undefined;

  private constructor(
    private readonly opts: IngressServerOptions,
    private readonly certificates: IngressCertificates,
  ) {}

  static async start(opts: IngressServerOptions): Promise<IngressServer> {
    const certificates = await IngressCertificates.create({ warn: opts.warn });
    certificates.update(opts.proxy.routes.certificates);
    const server = new IngressServer(opts, certificates);
    // The TLS server exists even without --ingress-tls: sockets handed over by acceptTls use it.
    server.tls = createHttpsServer({
      ...certificates.defaultCertificate,
      SNICallback: (name, cb) => certificates.contextFor(name).then((ctx) => cb(null, ctx), (e: Error) => cb(e)),
    });
    server.prepare(server.tls, 'https');
    if (opts.https) await server.open(server.tls, 'https', opts.https);
    if (opts.http) {
      const s = createHttpServer();
      server.prepare(s, 'http');
      await server.open(s, 'http', opts.http);
    }
    return server;
  }

  /**
   * Terminates TLS on a socket accepted elsewhere (a LoadBalancer or NodePort listener whose connection the data
   * plane delivered to the controller's https port) and serves it like the --ingress-tls listener does.
   */
  acceptTls(socket: Socket): void {
    this.tls!.emit('connection', socket);
  }

  /** Serves new requests (and TLS handshakes) from `routes`; requests in flight finish on the old ones. */
  setRoutes(routes: IngressRoutes): void {
    this.opts.proxy.setRoutes(routes);
    this.certificates.update(routes.certificates);
  }

  async close(): Promise<void> {
    if (this.tls && !this.servers.includes(this.tls)) this.tls.closeAllConnections();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private prepare(server: HttpServer, scheme: 'http' | 'https'): void {
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.serve(req, res, scheme));
    // nginx checks Content-Length against client_max_body_size before it sends `100 Continue`, so a client that
    // asked with `Expect: 100-continue` gets the 413 without uploading the body.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!tooLarge(req)) res.writeContinue();
      void this.serve(req, res, scheme);
    });
  }

  private async open(server: HttpServer, scheme: 'http' | 'https', address: ListenAddress): Promise<void> {
    const bound = await new Promise<ListenAddress | NodeJS.ErrnoException>((resolve) => {
      server.once('error', resolve);
      server.listen(address.port, address.host, () => {
        server.off('error', resolve);
        resolve({ host: address.host, port: (server.address() as AddressInfo).port });
      });
    });
    if (bound instanceof Error) {
      const code = bound.code ?? 'UNKNOWN';
      this.failures.push({ scheme, address, code, message: LISTEN_ERRORS[code] ?? bound.message });
      return;
    }
    this.servers.push(server);
    (this as { http?: ListenAddress; https?: ListenAddress })[scheme] = bound;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, scheme: 'http' | 'https'): Promise<void> {
    const local = req.socket.localPort ?? 0;
    const client = { ip: unmapped(req.socket.remoteAddress ?? ''), port: req.socket.remotePort ?? 0 };
    let response: HttpResponse;
    try {
      const request = toHttpRequest(req, undefined);
      const length = header(request.headers, 'Content-Length');
      if (Number(length ?? 0) > MAX_BODY) return writeResponse(res, nginxPage(request, 413, this.opts.clock.now()));
      // A request has a body only when it says so (RFC 9112 §6.3): most have none, and need not wait for its end.
      const body = length !== undefined || header(request.headers, 'Transfer-Encoding') !== undefined ? await readBody(req) : undefined;
      if (body && body.length > 0) request.body = body;
      if (body && body.length > MAX_BODY) response = nginxPage(request, 413, this.opts.clock.now());
      // $server_port is this listener's port: ingress-nginx maps its own https port to 443 in X-Forwarded-Port
      // because cluster clients reach it on 443; flatnet's clients reach it on this port, as their Host header says.
      else response = await this.opts.proxy.handle(request, client, scheme, local, { httpsPort: this.https?.port ?? 443 });
    } catch (e) {
      this.opts.onError?.(e as Error);
      response = nginxPage(toHttpRequest(req, undefined), 500, this.opts.clock.now());
    }
    writeResponse(res, response);
  }
}


function tooLarge(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > MAX_BODY;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY + 1) chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** Writes the response exactly as the proxy built it: its status line reason, its headers in order, no Date added. */
function writeResponse(res: ServerResponse, r: HttpResponse): void {
  res.sendDate = false;
  res.writeHead(r.status, r.reason, flatHeaders(r.headers));
  res.end(r.body);
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) as nginx prints it: `127.0.0.1`. */
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

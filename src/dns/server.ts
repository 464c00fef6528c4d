// The cluster DNS server: a thin UDP and TCP wrapper around a ClusterDns, with a cache of encoded replies that is
// emptied whenever the model (and so the ClusterDns) changes.

import { createSocket, RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, Server as TcpServer, Socket as TcpSocket } from 'node:net';
import type { Answer, ClusterDns } from './types.js';
import { cacheKey, CLASS_ANY, CLASS_IN, decodeRequest, encodeError, encodeResponse, MAX_MESSAGE_BYTES, MIN_UDP_PAYLOAD, RequestHead, udpLimit } from './wire.js';

export interface DnsResponderOptions {
  /** The UDP payload size advertised in replies and the cap on any requester's size. Default 4096. */
  maxUdpPayload?: number;
  /**
   * Encoded replies kept for repeated questions, oldest dropped first: positive answers, and denials (NXDOMAIN and
   * NODATA). Defaults 9,984 each, the capacities of CoreDNS's cache plugin (`cache 30` in kubeadm's Corefile).
   */
  cacheSuccess?: number;
  cacheDenial?: number;
  /** Told about internal failures (an engine that throws); the request is answered SERVFAIL. */
  onError?: (error: Error) => void;
}

export interface DnsServerOptions extends DnsResponderOptions {
  /** An IP address to listen on. Default 127.0.0.1. */
  host?: string;
  /** The UDP and TCP port; 0 picks a free one. Default 10053. */
  port?: number;
  /** A TCP connection with no traffic either way for this long is closed (RFC 7766 §6.2.3). Default 10,000 ms. */
  tcpIdleTimeoutMs?: number;
  /** Concurrent TCP connections; more are refused. Default 1,000. */
  maxTcpConnections?: number;
}

/**
 * Encoded replies by cache key, dropping the oldest entry when full (insertion order: a FIFO, cheaper than LRU on the
 * hot path). Replies are kept as latin1 strings, one byte per byte: a small Buffer would pin the whole 8 KB pool
 * slab it was cut from, which with thousands of entries costs far more memory than the replies themselves.
 */
class BoundedCache extends Map<string, string> {
  constructor(
    option: string,
    readonly capacity: number,
  ) {
    super();
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`${option}: invalid value ${capacity}: must be a non-negative integer`);
  }

  override set(key: string, value: string): this {
    if (this.capacity === 0) return this;
    if (this.size >= this.capacity && !this.has(key)) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}

/**
 * Whether a reply may be kept until the model changes: only the model's own authoritative answers. Anything that came
 * from elsewhere (a forwarded name, or an ExternalName's CNAME chased upstream) has a life of its own.
 */
function cacheable(answer: Answer): boolean {
  return answer.authoritative && (answer.rcode === 'NOERROR' || answer.rcode === 'NXDOMAIN') && !answer.answers.some((r) => r.type === 'CNAME');
}

/** The reply to one request: bytes, nothing (the request is dropped), or a promise of either. */
export type Reply = Buffer | undefined | Promise<Buffer | undefined>;

/**
 * Turns request bytes into reply bytes for one ClusterDns. Cache hits are answered synchronously with a copy of the
 * cached reply and the request's ID; misses go through the full decoder and the engine.
 */
export class DnsResponder {
  private dns: ClusterDns;
  private readonly success: BoundedCache;
  private readonly denial: BoundedCache;
  private readonly caching: boolean;
  private generation = 0;
  readonly maxUdpPayload: number;
  private readonly onError: (error: Error) => void;

  constructor(dns: ClusterDns, opts: DnsResponderOptions = {}) {
    this.dns = dns;
    this.maxUdpPayload = opts.maxUdpPayload ?? 4096;
    this.onError = opts.onError ?? (() => {});
    if (!Number.isInteger(this.maxUdpPayload) || this.maxUdpPayload < MIN_UDP_PAYLOAD || this.maxUdpPayload > MAX_MESSAGE_BYTES)
      throw new RangeError(`maxUdpPayload: invalid value ${this.maxUdpPayload}: must be an integer from ${MIN_UDP_PAYLOAD} to ${MAX_MESSAGE_BYTES}`);
    this.success = new BoundedCache('cacheSuccess', opts.cacheSuccess ?? 9984);
    this.denial = new BoundedCache('cacheDenial', opts.cacheDenial ?? 9984);
    this.caching = this.success.capacity + this.denial.capacity > 0;
  }

  /** Answers from `dns` from now on; cached replies of the previous one are dropped, and so are its late answers. */
  setDns(dns: ClusterDns): void {
    this.dns = dns;
    this.generation++;
    this.success.clear();
    this.denial.clear();
  }

  get cachedReplies(): number {
    return this.success.size + this.denial.size;
  }

  /** The reply to `request` received over UDP (`udp` true: the requester's size limit and TC apply) or TCP. */
  respond(request: Buffer, udp: boolean): Reply {
    const key = this.caching ? cacheKey(request, udp ? MIN_UDP_PAYLOAD : MAX_MESSAGE_BYTES, this.maxUdpPayload) : undefined;
    if (key !== undefined) {
      const hit = this.success.get(key) ?? this.denial.get(key);
      if (hit !== undefined) {
        const out = Buffer.from(hit, 'latin1');
        out[0] = request[0];
        out[1] = request[1];
        return out;
      }
    }
    const decoded = decodeRequest(request);
    if (decoded.kind === 'drop') return undefined;
    if (decoded.kind === 'reject') return this.error(decoded.head, decoded.rcode);
    const head = decoded.head;
    if (head.edns && head.edns.version !== 0) return this.error(head, 'BADVERS'); // RFC 6891 §6.1.3
    const q = head.question;
    if (q.type === 'AXFR' || q.type === 'IXFR') return this.error(head, 'REFUSED'); // zone transfer is another plugin's job in CoreDNS
    if (q.qclass !== CLASS_IN && q.qclass !== CLASS_ANY) return this.error(head, 'REFUSED');
    const limit = udp ? udpLimit(head.edns?.udpPayloadSize, this.maxUdpPayload) : MAX_MESSAGE_BYTES;
    const generation = this.generation;
    let pending: Promise<Buffer | undefined>;
    try {
      pending = this.dns.answer({ name: q.name === '.' ? '.' : `${q.name}.`, type: q.type }).then(
        (answer) => {
          const reply = encodeResponse(head, answer, { limit, serverUdpPayload: this.maxUdpPayload });
          if (key !== undefined && generation === this.generation && cacheable(answer))
            (answer.rcode === 'NOERROR' && answer.answers.length > 0 ? this.success : this.denial).set(key, reply.toString('latin1'));
          return reply;
        },
        (e) => this.failed(head, e),
      );
    } catch (e) {
      return this.failed(head, e);
    }
    return pending.catch((e) => this.failed(head, e));
  }

  private error(head: RequestHead, rcode: Parameters<typeof encodeError>[1]): Buffer {
    try {
      return encodeError(head, rcode, this.maxUdpPayload);
    } catch {
      // The question could not be written back (say, a name that is not valid UTF-8 re-encodes longer): reply without it.
      return encodeError({ ...head, question: undefined }, rcode, this.maxUdpPayload);
    }
  }

  private failed(head: RequestHead, e: unknown): Buffer {
    this.onError(e instanceof Error ? e : new Error(String(e)));
    return this.error(head, 'SERVFAIL');
  }
}

/** The address a DnsServer could not listen on, with the system's reason (EADDRINUSE, EACCES, ...). */
export class DnsListenError extends Error {
  override readonly name = 'DnsListenError';

  constructor(
    readonly host: string,
    readonly port: number,
    readonly transport: 'UDP' | 'TCP',
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(`cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port} (${transport}): ${code === 'EADDRINUSE' ? 'address already in use' : cause.message}`, { cause });
  }
}

function listenUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      reject(new DnsListenError(host, port, 'UDP', e.code, e));
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function listenTcp(server: TcpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(new DnsListenError(host, port, 'TCP', e.code, e));
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/**
 * Serves a ClusterDns over UDP and TCP on one address and port. Replies follow setDns() at once; malformed requests
 * are answered FORMERR or dropped, never fatal.
 *
 * @example
 * const server = await DnsServer.start(dns, { port: 0 });
 * // dig @127.0.0.1 -p ${server.port} web.default.svc.cluster.local
 * await server.close();
 */
export class DnsServer {
  readonly responder: DnsResponder;
  private closed = false;
  private readonly connections = new Set<TcpSocket>();

  private constructor(
    responder: DnsResponder,
    private readonly udp: UdpSocket,
    private readonly tcp: TcpServer,
    readonly host: string,
    readonly port: number,
    private readonly onError: (error: Error) => void,
  ) {
    this.responder = responder;
  }

  /** Listens on UDP and TCP; rejects with DnsListenError when the address cannot be used (nothing is left open). */
  static async start(dns: ClusterDns, opts: DnsServerOptions = {}): Promise<DnsServer> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? 10053;
    const idleMs = opts.tcpIdleTimeoutMs ?? 10_000;
    if (isIP(host) === 0) throw new RangeError(`host: invalid value ${JSON.stringify(host)}: must be an IP address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port: invalid value ${port}: must be an integer from 0 to 65535`);
    if (!(idleMs > 0)) throw new RangeError(`tcpIdleTimeoutMs: invalid value ${idleMs}: must be positive`);
    const onError = opts.onError ?? (() => {});
    const responder = new DnsResponder(dns, opts);
    // With port 0 the kernel picks the UDP port; TCP may find that same port taken, so try a few times.
    for (let attempt = 0; ; attempt++) {
      const udp = await listenUdp(host, port);
      const bound = udp.address().port;
      const tcp = createServer({ noDelay: true });
      tcp.maxConnections = opts.maxTcpConnections ?? 1000;
      try {
        await listenTcp(tcp, host, bound);
      } catch (e) {
        udp.close();
        if (port === 0 && attempt < 10 && e instanceof DnsListenError && e.code === 'EADDRINUSE') continue;
        throw e;
      }
      const server = new DnsServer(responder, udp, tcp, host, bound, onError);
      server.serveUdp();
      server.serveTcp(idleMs);
      return server;
    }
  }

  /** Answers from `dns` from now on (see DnsResponder.setDns). */
  setDns(dns: ClusterDns): void {
    this.responder.setDns(dns);
  }

  private serveUdp(): void {
    const send = (reply: Buffer | undefined, rinfo: RemoteInfo) => {
      // No callback: then libuv tries a synchronous send first (uv_udp_try_send), the cheaper path; a failure is
      // emitted as the socket's 'error' event, handled below.
      if (reply !== undefined && !this.closed) this.udp.send(reply, rinfo.port, rinfo.address);
    };
    this.udp.on('message', (msg, rinfo) => {
      let reply: Reply;
      try {
        reply = this.responder.respond(msg, true);
      } catch (e) {
        this.onError(e as Error);
        return;
      }
      if (reply instanceof Promise) reply.then((r) => send(r, rinfo));
      else send(reply, rinfo);
    });
    // Errors on an unconnected UDP socket concern one datagram (an ICMP error, a full buffer): report, keep serving.
    this.udp.on('error', (e) => this.onError(e));
  }

  private serveTcp(idleMs: number): void {
    this.tcp.on('connection', (conn) => this.serveConnection(conn, idleMs));
    this.tcp.on('error', (e) => this.onError(e));
  }

  /** RFC 1035 §4.2.2 / RFC 7766: each message is preceded by its 2-byte length; several may share a connection. */
  private serveConnection(conn: TcpSocket, idleMs: number): void {
    this.connections.add(conn);
    conn.on('close', () => this.connections.delete(conn));
    conn.on('error', () => {}); // a client that resets the connection is not the server's problem
    conn.setTimeout(idleMs, () => conn.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    const write = (reply: Buffer | undefined) => {
      if (reply === undefined || conn.destroyed || this.closed) return;
      const framed = Buffer.allocUnsafe(reply.length + 2);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      if (!conn.write(framed)) conn.pause();
    };
    conn.on('drain', () => conn.resume());
    conn.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < len + 2) break;
        const msg = buffered.subarray(2, len + 2);
        buffered = buffered.subarray(len + 2);
        let reply: Reply;
        try {
          reply = this.responder.respond(msg, false);
        } catch (e) {
          this.onError(e as Error);
          reply = undefined;
        }
        if (reply instanceof Promise) reply.then(write);
        else write(reply);
      }
    });
  }

  /** Stops listening and closes every TCP connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.destroy();
    await Promise.all([new Promise<void>((r) => this.udp.close(() => r())), new Promise<void>((r) => this.tcp.close(() => r()))]);
  }
}

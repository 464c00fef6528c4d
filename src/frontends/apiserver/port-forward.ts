// `kubectl port-forward` into simulated pods: the pods/portforward subresource, over kubectl's WebSocket tunnel or a
// plain SPDY/3.1 upgrade, speaking kubelet's portforward.k8s.io protocol (pkg/kubelet/cri/streaming/portforward/
// httpstream.go) and dialling each forwarded port on the pod's loopback through the data plane, as containerd does
// inside the sandbox's network namespace.

import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { KubeObject } from '../../core/types.js';
import { podNetnsName } from '../../dataplane/sim/layout/link-identity.js';
import type { ConnectOutcome, DataPlane, Session } from '../../dataplane/types.js';
import { ApiError, badRequest } from './status.js';
import { FLAG_FIN, GoAwayStatus, headerValue, RstStatus, SpdyDecoder, SpdyEncoder, SpdyFrame, SpdyProtocolError } from './spdy-framer.js';
import type { SubresourceContext, SubresourceHandler } from './subresources.js';
import { answerFromSession } from '../../host/http-wire.js';

/** The protocol's name (kubelet pkg/kubelet/cri/streaming/portforward constants.go ProtocolV1Name). */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol kubectl tunnels SPDY through (k8s.io/apimachinery/pkg/util/portforward WebsocketsSPDYTunnelingPortForwardV1). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** kubelet's streamCreationTimeout (DefaultStreamCreationTimeout): how long the second stream of a pair may take. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** Data is sent in frames of at most this size (spdystream reads any size; small frames keep both ends interleaved). */
const DATA_FRAME_SIZE = 32 * 1024;

/** Opens a TCP connection to `port` inside `pod`; throws when the pod cannot be dialled into at all. */
export type PodConnector = (pod: KubeObject, port: number) => ConnectOutcome;

export interface PortForwardOptions {
  connect: PodConnector;
  /** Receives one line per failed forward and per rejected stream or session (as kubelet logs them). */
  log?: (line: string) => void;
  /** How long the second stream of a pair may take; default STREAM_CREATION_TIMEOUT_MS. */
  streamCreationTimeoutMs?: number;
}

/**
 * containerd's PortForward dials localhost:<port> inside the sandbox's network namespace
 * (internal/cri/server/sandbox_portforward_linux.go): the pod's loopback, where no NetworkPolicy applies.
 */
export function connectInPod(dataPlane: DataPlane): PodConnector {
  return (pod, port) => dataPlane.connect({ from: { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, to: { ip: '127.0.0.1', port }, protocol: 'TCP' });
}

/**
 * The pods/portforward handler. kubectl 1.30+ first asks for a WebSocket carrying SPDY (`SPDY/3.1+portforward.k8s.io`)
 * and falls back to `POST` with `Upgrade: SPDY/3.1` when that upgrade fails (kubectl-api.md §12.1); both are served.
 *
 * @example
 *   api.subresources.register('pods', 'portforward', portForwardHandler({ connect: connectInPod(dataPlane) }));
 *   // kubectl port-forward pod/pod2 8080:80  →  curl http://127.0.0.1:8080/
 */
export function portForwardHandler(opts: PortForwardOptions): SubresourceHandler & { close(): void } {
  const log = opts.log ?? (() => {});
  const http = new HttpBridge(log);
  const tunnels = new WebSocketTunnels();
  const sessions = new Set<PortForwardSession>();
  return {
    upgrade(ctx: SubresourceContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const pod = ctx.object;
      // kube-apiserver's PortForwardLocation: a pod not yet scheduled has no kubelet to forward to.
      if (!pod.spec?.nodeName) throw badRequest(`pod ${ctx.name} does not have a host assigned`);
      socket.on('error', () => {}); // kubectl going away mid-session is the session's end, not an error
      const start = (transport: Duplex) => {
        const session: PortForwardSession = new PortForwardSession(transport, pod, {
          connect: opts.connect,
          http,
          log,
          streamCreationTimeoutMs: opts.streamCreationTimeoutMs ?? STREAM_CREATION_TIMEOUT_MS,
          onClose: () => sessions.delete(session),
        });
        sessions.add(session);
      };
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      if (upgrade === 'websocket') tunnels.accept(req, socket, head, start);
      else if (upgrade === 'spdy/3.1') start(acceptSpdyUpgrade(req, socket, head));
      else throw badRequest(`unable to upgrade: missing upgrade headers in request: Upgrade: ${JSON.stringify(req.headers.upgrade ?? '')}`);
    },
    /** Drops every open session (the API server is stopping): kubectl reports `lost connection to pod` and exits. */
    close(): void {
      for (const s of sessions) s.destroy();
      sessions.clear();
    },
  };
}

/**
 * kubectl's WebSocket tunnel: binary messages carrying the SPDY bytes, split anywhere (client-go
 * tools/portforward/tunneling_connection.go; served upstream by k8s.io/apiserver/pkg/util/proxy/streamtunnel.go).
 * `ws` refuses the `/` in the subprotocol `SPDY/3.1+portforward.k8s.io` (kubectl-api.md §13 item 3), so the offer is
 * checked here, hidden from `ws`, and named in the 101 it writes.
 */
class WebSocketTunnels {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly offered = new WeakSet<IncomingMessage>();

  constructor() {
    this.server.on('headers', (headers: string[], req: IncomingMessage) => {
      if (this.offered.has(req)) headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL_PROTOCOL}`);
    });
  }

  /** Throws an ApiError (answered as a Status, after which kubectl retries over plain SPDY) when the tunnel is not offered. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, start: (transport: Duplex) => void): void {
    const offered = headerList(req, 'sec-websocket-protocol');
    if (!offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) throw badRequest(`unable to upgrade: the client offers WebSocket subprotocols [${offered.join(' ')}], the server supports [${PORT_FORWARD_TUNNEL_PROTOCOL}]`);
    delete req.headers['sec-websocket-protocol'];
    this.offered.add(req);
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => {});
      start(stream);
    });
  }
}

/**
 * The plain SPDY upgrade (k8s.io/apimachinery/pkg/util/httpstream: Handshake negotiates X-Stream-Protocol-Version,
 * then spdy.responseUpgrader answers 101 with `Upgrade: SPDY/3.1`).
 */
function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Duplex {
  const offered = headerList(req, 'x-stream-protocol-version');
  // httpstream.Handshake: a client that names no protocol gets the legacy behaviour; one that names others is refused.
  if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL))
    throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`, reason: 'Forbidden', code: 403 });
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${offered.length > 0 ? `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n` : ''}\r\n`);
  if (head.length > 0) socket.unshift(head);
  return socket;
}

/** The comma-separated values of a request header that may also be repeated. */
function headerList(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name];
  return (Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** containerd's sandbox id (64 hex digits), derived from the pod's uid: kubelet names the pod by it in errors. */
function sandboxId(pod: KubeObject): string {
  return createHash('sha256').update(`sandbox/${pod.metadata.uid ?? pod.metadata.name}`).digest('hex');
}

/** What kubelet writes on the error stream when the dial fails, with containerd's own message inside. */
function forwardError(pod: KubeObject, port: number, errno: string): string {
  const id = sandboxId(pod);
  const netns = pod.spec?.hostNetwork ? 'host' : `/var/run/netns/${podNetnsName(pod.metadata.uid ?? pod.metadata.name)}`;
  const dial = `failed to connect to localhost:${port} inside namespace "${id}", IPv4: dial tcp4 127.0.0.1:${port}: connect: ${errno} IPv6 dial tcp6 [::1]:${port}: connect: ${errno} `;
  // kubelet's httpStreamHandler.portForward wraps the runtime's error; the CRI streaming server passes no pod uid.
  return `error forwarding port ${port} to pod ${id}, uid : failed to execute portforward in network namespace "${netns}": ${dial}`;
}

interface ForwardStream {
  id: number;
  kind: 'error' | 'data';
  pair: StreamPair;
  /** We have sent FIN (or RST) on it. */
  localClosed: boolean;
  /** The client has sent FIN on it. */
  remoteClosed: boolean;
}

/** The error and data streams of one forwarded connection (kubelet's httpStreamPair), keyed by the requestid header. */
interface StreamPair {
  requestId: string;
  port: number;
  error?: ForwardStream;
  data?: ForwardStream;
  timer?: NodeJS.Timeout;
  /** The connection into the pod once both streams exist. */
  conn?: PodConnection;
  done: boolean;
}

/** One forwarded connection's pod side: client bytes in, client FIN, teardown. */
interface PodConnection {
  data(chunk: Buffer): void;
  end(): void;
  abort(): void;
}

/** One SPDY session (one `kubectl port-forward` process): many stream pairs, one per local connection kubectl accepts. */
class PortForwardSession {
  private readonly decoder = new SpdyDecoder();
  private readonly encoder = new SpdyEncoder();
  private readonly streams = new Map<number, ForwardStream>();
  private readonly pairs = new Map<string, StreamPair>();
  private lastStreamId = 0;
  private goingAway = false;
  private closed = false;
  private readonly label: string;

  private readonly connect: PodConnector;
  private readonly http: HttpBridge;
  private readonly log: (line: string) => void;
  private readonly streamCreationTimeoutMs: number;
  private readonly onClose: () => void;

  constructor(
    private readonly transport: Duplex,
    private readonly pod: KubeObject,
    deps: { connect: PodConnector; http: HttpBridge; log: (line: string) => void; streamCreationTimeoutMs: number; onClose: () => void },
  ) {
    this.connect = deps.connect;
    this.http = deps.http;
    this.log = deps.log;
    this.streamCreationTimeoutMs = deps.streamCreationTimeoutMs;
    this.onClose = deps.onClose;
    this.label = `port-forward ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    transport.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk).then(
        (frames) => frames.forEach((f) => this.frame(f)),
        (e: Error) => this.protocolError(e),
      );
    });
    transport.on('end', () => this.close());
    transport.on('error', () => this.close());
    transport.on('close', () => this.close());
  }

  private send(frame: SpdyFrame): void {
    if (this.closed) return;
    this.encoder.encode(frame).then(
      (bytes) => {
        if (!this.closed && this.transport.writable) this.transport.write(bytes);
      },
      (e: Error) => this.protocolError(e),
    );
  }

  private frame(f: SpdyFrame): void {
    if (this.closed) return;
    switch (f.type) {
      case 'SYN_STREAM':
        return this.synStream(f);
      case 'DATA':
        return this.dataFrame(f.streamId, f.flags, f.data);
      case 'RST_STREAM': {
        const s = this.streams.get(f.streamId);
        if (s) this.teardown(s.pair);
        return;
      }
      case 'PING':
        // Draft §2.6.5: a PING the peer started (odd id from a client) is echoed; our own would have even ids.
        if (f.id % 2 === 1) this.send(f);
        return;
      case 'GOAWAY':
        this.goingAway = true;
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, SYN_REPLY: spdystream sends no flow control kubelet acts on (kubectl-api.md §12.3).
        return;
    }
  }

  private synStream(f: Extract<SpdyFrame, { type: 'SYN_STREAM' }>): void {
    // Draft §2.3.2: stream ids a client opens are odd and increasing; anything else is a session error.
    if (f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) return this.protocolError(new SpdyProtocolError(`SYN_STREAM with stream id ${f.streamId} after ${this.lastStreamId}`));
    this.lastStreamId = f.streamId;
    if (this.goingAway) return this.send({ type: 'RST_STREAM', streamId: f.streamId, status: RstStatus.REFUSED_STREAM });
    const reject = (why: string) => {
      // apimachinery spdy connection.newSpdyStream: a stream the handler refuses is reset (spdystream Reset: CANCEL).
      this.log(`${this.label}: stream ${f.streamId} rejected: ${why}`);
      this.send({ type: 'RST_STREAM', streamId: f.streamId, status: RstStatus.CANCEL });
    };
    // kubelet httpStreamReceived: a port header that parses as a uint16 above 0, and a streamtype of error or data.
    const portText = headerValue(f.headers, 'port') ?? '';
    if (portText === '') return reject('"port" header is required');
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) return reject(`unable to parse "${portText}" as a port`);
    const port = Number(portText);
    if (port < 1) return reject(`port "${portText}" must be > 0`);
    const streamType = headerValue(f.headers, 'streamtype') ?? '';
    if (streamType === '') return reject('"streamType" header is required');
    if (streamType !== 'error' && streamType !== 'data') return reject(`invalid stream type "${streamType}"`);
    this.send({ type: 'SYN_REPLY', streamId: f.streamId, flags: 0, headers: [] });
    // kubelet requestID(): clients older than the requestid header pair streams by consecutive odd ids.
    const requestId = headerValue(f.headers, 'requestid') || String(streamType === 'error' ? f.streamId : f.streamId - 2);
    let pair = this.pairs.get(requestId);
    if (!pair) {
      const created: StreamPair = { requestId, port, done: false };
      pair = created;
      this.pairs.set(requestId, created);
      // kubelet monitorStreamPair prints the message on the error stream and drops the pair; the FIN after it here lets
      // kubectl (which reads the error stream to its end) report it rather than wait.
      created.timer = setTimeout(() => {
        if (created.conn || created.done) return;
        this.log(`${this.label}: request ${requestId}: timed out waiting for streams`);
        this.finish(created, 'timed out waiting for streams');
      }, this.streamCreationTimeoutMs);
      created.timer.unref();
    }
    if (pair[streamType]) {
      // kubelet httpStreamPair.add: the error is reported on the pair's error stream (printError).
      const message = `error processing stream for request ${requestId}: ${streamType} stream already assigned`;
      this.log(`${this.label}: ${message}`);
      this.send({ type: 'RST_STREAM', streamId: f.streamId, status: RstStatus.CANCEL });
      if (pair.error && !pair.error.localClosed) this.writeData(pair.error, Buffer.from(message));
      return;
    }
    const stream: ForwardStream = { id: f.streamId, kind: streamType, pair, localClosed: false, remoteClosed: (f.flags & FLAG_FIN) !== 0 };
    this.streams.set(f.streamId, stream);
    pair[streamType] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      this.forward(pair);
    }
  }

  private dataFrame(streamId: number, flags: number, data: Buffer): void {
    const s = this.streams.get(streamId);
    // Draft §2.2.2: data for a stream that is not open is answered with RST_STREAM INVALID_STREAM.
    if (!s) return this.send({ type: 'RST_STREAM', streamId, status: RstStatus.INVALID_STREAM });
    if (flags & FLAG_FIN) s.remoteClosed = true;
    // The error stream is written by the server only; kubectl half-closes it at once.
    if (s.kind !== 'data') return;
    if (data.length > 0) s.pair.conn?.data(data);
    if (flags & FLAG_FIN) {
      s.pair.conn?.end();
      this.forgetIfClosed(s.pair);
    }
  }

  /** Both streams are there: dial the port in the pod and connect the data stream to what answers. */
  private forward(pair: StreamPair): void {
    let outcome: ConnectOutcome;
    try {
      outcome = this.connect(this.pod, pair.port);
    } catch (e) {
      return this.fail(pair, `error forwarding port ${pair.port} to pod ${sandboxId(this.pod)}, uid : ${(e as Error).message}`);
    }
    switch (outcome.kind) {
      case 'refused':
        return this.fail(pair, forwardError(this.pod, pair.port, 'connection refused'), outcome.message);
      case 'unreachable':
        return this.fail(pair, forwardError(this.pod, pair.port, 'no route to host'), outcome.message);
      case 'timeout':
        // A dial whose SYN is never answered: containerd waits; so does the forwarded connection (its bytes are discarded).
        pair.conn = { data: () => {}, end: () => {}, abort: () => {} };
        return;
      case 'connected':
        pair.conn = this.attach(pair, outcome.session);
    }
  }

  private attach(pair: StreamPair, session: Session): PodConnection {
    const out = {
      write: (chunk: Buffer) => this.writeData(pair.data!, chunk),
      end: () => this.finish(pair),
    };
    switch (session.kind) {
      case 'http':
        return this.http.connection(session, out, this.label);
      case 'stream':
        return streamConnection(session, out, (e) => {
          this.log(`${this.label}: error: the pod's server failed: ${e.message}`);
          this.finish(pair);
        });
      case 'datagram':
        this.log(`${this.label}: error: the data plane answered a TCP connection to port ${pair.port} with a datagram session`);
        this.finish(pair, forwardError(this.pod, pair.port, 'connection refused'));
        return { data: () => {}, end: () => {}, abort: () => {} };
    }
  }

  /** The dial failed: kubelet writes the message on the error stream and closes both streams. kubectl then ends. */
  private fail(pair: StreamPair, message: string, why?: string): void {
    this.log(`${this.label}: ${message}${why ? ` (${why})` : ''}`);
    this.finish(pair, message);
  }

  private writeData(stream: ForwardStream, chunk: Buffer): void {
    if (stream.localClosed) return;
    for (let at = 0; at < chunk.length; at += DATA_FRAME_SIZE) this.send({ type: 'DATA', streamId: stream.id, flags: 0, data: chunk.subarray(at, at + DATA_FRAME_SIZE) });
  }

  /**
   * The forwarded connection is over (kubelet portForward's deferred Close of both streams): an optional error text,
   * then FIN on the error stream and on the data stream. kubectl closes its local connection once both have ended.
   */
  private finish(pair: StreamPair, errorText?: string): void {
    if (pair.done) return;
    pair.done = true;
    clearTimeout(pair.timer);
    for (const s of [pair.error, pair.data]) {
      if (!s || s.localClosed) continue;
      const data = s.kind === 'error' && errorText ? Buffer.from(errorText) : Buffer.alloc(0);
      this.writeData(s, data);
      s.localClosed = true;
      this.send({ type: 'DATA', streamId: s.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    }
    this.forgetIfClosed(pair);
  }

  /**
   * kubectl never resets the streams of a finished connection (its RemoveStreams only drops them from its own map),
   * so a pair is forgotten once both sides have closed its data stream.
   */
  private forgetIfClosed(pair: StreamPair): void {
    if (pair.done && pair.data?.remoteClosed) this.teardown(pair);
  }

  /** The pair is over (reset by the client, finished, or the session ending): drop it and its streams. */
  private teardown(pair: StreamPair): void {
    pair.done = true;
    clearTimeout(pair.timer);
    pair.conn?.abort();
    for (const s of [pair.error, pair.data]) {
      if (!s) continue;
      s.localClosed = true;
      this.streams.delete(s.id);
    }
    this.pairs.delete(pair.requestId);
  }

  private protocolError(e: Error): void {
    if (this.closed) return;
    this.log(`${this.label}: SPDY protocol error: ${e.message}`);
    this.send({ type: 'GOAWAY', lastGoodStreamId: this.lastStreamId, status: GoAwayStatus.PROTOCOL_ERROR });
    // Let the GOAWAY go out before the session ends.
    setImmediate(() => {
      this.close();
    });
  }

  /** Ends the session at once, without waiting for the client. */
  destroy(): void {
    this.close();
    this.transport.destroy();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pair of this.pairs.values()) this.teardown(pair);
    this.decoder.close();
    this.encoder.close();
    this.onClose();
    this.transport.end();
    // A transport whose peer never finishes the close handshake is not kept.
    setTimeout(() => this.transport.destroy(), 1000).unref();
  }
}

/** Where a pod-side connection writes: bytes for the data stream, and its end. */
interface ForwardOutput {
  write(chunk: Buffer): void;
  end(): void;
}

/** A RESP-style stream session (redis): each chunk the client sends is answered in order, as the host listeners do. */
function streamConnection(session: Extract<Session, { kind: 'stream' }>, out: ForwardOutput, failed: (e: Error) => void): PodConnection {
  let done = false;
  let pending: Promise<void> = Promise.resolve();
  const reply = (r: { data: Buffer; close: boolean }): void => {
    if (done) return;
    if (r.data.length > 0) out.write(r.data);
    if (r.close) {
      done = true;
      out.end();
    }
  };
  if (session.greeting) reply(session.greeting);
  return {
    data(chunk) {
      pending = pending
        .then(() => (done ? undefined : session.send(chunk).then(reply)))
        .catch((e: Error) => {
          if (done) return;
          done = true;
          failed(e);
        });
    },
    end() {
      pending = pending.then(() => {
        if (!done) out.end();
        done = true;
      });
    },
    abort() {
      done = true;
    },
  };
}

/**
 * The byte stream of one forwarded connection as node:http's parser sees it: what the client sends is pushed in,
 * what the server writes goes out on the data stream, and the server ending it (Connection: close, or after the
 * client's FIN) ends the forwarded connection.
 */
class ForwardedSocket extends Duplex {
  private ended = false;

  constructor(private readonly out: ForwardOutput) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.out.write(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.close();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.close();
    callback(error);
  }

  private close(): void {
    if (this.ended) return;
    this.ended = true;
    this.out.end();
  }
}

/**
 * node:http's request parser, never listening: each forwarded connection to an HTTP session is handed to it as a
 * Duplex, and each request it parses is answered by the pod's emulated server, byte for byte.
 */
class HttpBridge {
  private readonly sessions = new WeakMap<object, { session: Extract<Session, { kind: 'http' }>; label: string }>();
  private readonly server = createServer((req, res) => this.serve(req, res));

  constructor(private readonly log: (line: string) => void) {}

  connection(session: Extract<Session, { kind: 'http' }>, out: ForwardOutput, label: string): PodConnection {
    const socket = new ForwardedSocket(out);
    socket.on('error', () => {});
    this.sessions.set(socket, { session, label });
    this.server.emit('connection', socket);
    return {
      data: (chunk) => void socket.push(chunk),
      end: () => void socket.push(null),
      abort: () => void socket.destroy(),
    };
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const conn = this.sessions.get(req.socket);
    if (!conn) return void req.socket.destroy();
    answerFromSession(req, res, conn.session, (e) => this.log(`${conn.label}: error: the pod's server failed on ${req.method} ${req.url}: ${e.message}`));
  }
}


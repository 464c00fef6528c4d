// The shapes of an emulated workload: the program a container runs, the sockets it binds and the servers behind them.

import type { Clock } from '../../../core/clock.js';
import type { Container } from '../../../core/types.js';
import type { ConnectionInfo, HttpRequest, HttpResponse, Protocol } from '../../types.js';

/** Who a pod is, as its programs see it (os.Hostname(), the pod IP on eth0, the node it runs on). */
export interface PodIdentity {
  name: string;
  namespace: string;
  /** status.podIP; empty while the pod has none. */
  ip: string;
  /** spec.nodeName; empty while unscheduled. */
  node: string;
  /** What os.Hostname() returns in the pod: spec.hostname if set, else the pod name (cut to 63 characters). */
  hostname: string;
}

export type LogStream = 'stdout' | 'stderr';

/** What a program needs from its surroundings: its pod, its container spec, time, and its stdout/stderr. */
export interface ProgramContext {
  pod: PodIdentity;
  container: Container;
  clock: Clock;
  /** When the container started (status.startTime, else the clock at emulation start). */
  startedAt: Date;
  /** Writes one line to the container's log, stamped with the clock's time. */
  log(line: string, stream?: LogStream): void;
}

/** One finished HTTP exchange, for access-log formatting. */
export interface HttpExchange {
  req: HttpRequest;
  res: HttpResponse;
  conn: ConnectionInfo;
  start: Date;
  end: Date;
}

/** An HTTP/1.x server. */
export interface HttpServer {
  kind: 'http';
  serve(req: HttpRequest, conn: ConnectionInfo): HttpResponse | Promise<HttpResponse>;
  /** The program's access-log line for a finished exchange (written after any annotation override), if it logs one. */
  accessLog?(ex: HttpExchange): { line: string; stream: LogStream } | undefined;
}

/** What a stream server sends back for some received bytes, and whether it then closes the connection. */
export interface StreamReply {
  data: Buffer;
  close: boolean;
}

/** A TCP byte-stream session (RESP, raw TCP): receives bytes in order, answers each complete command. */
export interface StreamSession {
  /** What the server writes on accept, before the client sends anything (server-first protocols), if anything. */
  greeting?: StreamReply;
  receive(data: Buffer): StreamReply;
}

/** A server speaking a protocol other than HTTP over a TCP connection; one session per connection. */
export interface StreamServer {
  kind: 'stream';
  open(conn: ConnectionInfo): StreamSession;
}

/** A UDP (or SCTP message) server: one reply datagram per request datagram, or none. */
export interface DatagramServer {
  kind: 'datagram';
  receive(data: Buffer, conn: ConnectionInfo): Buffer | undefined;
}

export type Server = HttpServer | StreamServer | DatagramServer;

/** One socket a program binds: where, and what answers there. */
export interface Binding {
  port: number;
  protocol: Protocol;
  /** The bind address: 0.0.0.0 (every pod address) or 127.0.0.1 (reachable only from inside the pod). */
  address: string;
  /** The protocol spoken, for explanations: `HTTP`, `RESP`, `raw TCP`, `UDP commands`. */
  speaks: string;
  server: Server;
}

/** A container's running program as the network sees it. */
export interface Program {
  /** The program and its version as it identifies itself: `nginx/1.27.0`, `http-echo 1.0.0`, `agnhost netexec`. */
  name: string;
  bindings: Binding[];
  /** Why the program binds nothing (sleep, an exited process, a failed start), when that is known. */
  idle?: string;
  /** Lines the program writes at start, as `kubectl logs` would show them. */
  startupLogs?: { line: string; stream: LogStream }[];
  /** The same program configured to listen on another port (for flatnet.dev/listen), if it can be. */
  rebind?(port: number, protocol: Protocol): Binding | undefined;
}

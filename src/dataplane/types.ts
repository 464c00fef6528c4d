// The connection-level and HTTP message types every data plane and emulated workload speaks.

/** A transport protocol as Kubernetes names it in containerPort.protocol and Service ports. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One end of a connection: an IP address and a port. */
export interface Endpoint {
  ip: string;
  port: number;
}

/**
 * A connection as the receiving pod sees it: the caller has already applied any DNAT (Service VIP → pod IP)
 * and SNAT/masquerade, so `source` is the address the pod's program reads from accept() and logs, and
 * `destination` is the pod-side address it was accepted on (the pod IP or 127.0.0.1, and the container port).
 */
export interface ConnectionInfo {
  protocol: Protocol;
  source: Endpoint;
  destination: Endpoint;
}

/** One header line as sent on the wire: name (case as sent) and value. Order is significant. */
export type HttpHeader = [name: string, value: string];

export type HttpVersion = 'HTTP/1.0' | 'HTTP/1.1';

/** An HTTP/1.x request as a server receives it. */
export interface HttpRequest {
  method: string;
  /** The request-target as sent, in origin form: `/echo?msg=hi`. */
  target: string;
  version: HttpVersion;
  /** Header lines in wire order; `Host` is among them as curl sends it. */
  headers: HttpHeader[];
  body?: Buffer;
}

/** An HTTP/1.x response as a server writes it: status line, header lines in order, body bytes. */
export interface HttpResponse {
  version: HttpVersion;
  status: number;
  reason: string;
  headers: HttpHeader[];
  /** The body bytes; empty for HEAD and 304 (their Content-Length, if any, still describes the entity). */
  body: Buffer;
}

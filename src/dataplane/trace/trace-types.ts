// The types of a connection trace: what to trace, each hop (the data plane's, plus the DNS lookup before it and the
// reply and HTTP exchange after it), and the verdict.

import type { ResolverLibrary } from '../../dns/resolver.js';
import type { ConnectionSource, DropReason, Hop, HopStage, Protocol } from '../types.js';

/** A hop of a trace: the data plane's stages, plus `dns` before and `reply` and `http` after them. */
export type TraceHop = Omit<Hop, 'stage'> & {
  stage: HopStage | 'dns' | 'reply' | 'http';
  /** Further lines: every DNS query and answer, a note about the rules. */
  details?: string[];
};

/** What to trace. */
export interface TraceRequest {
  from: ConnectionSource;
  /** The source pod's namespace/name when `from` came from a workload (`deploy/web`), for the header. */
  via?: string;
  /** A DNS name or an IPv4 address. */
  host: string;
  /** Destination port; when undefined and the address is a Service's with one port of the protocol, that one. */
  port?: number;
  protocol: Protocol;
  /** For a URL target: send a GET for `path` once connected (http), or say TLS is not emulated (https). */
  http?: { scheme: 'http' | 'https'; path: string; host: string };
  /** For external sources: the node the packets enter (default: the data plane's choice). */
  entryNode?: string;
  /** The C library whose resolver expands names (default glibc). */
  library?: ResolverLibrary;
  /** Where the service proxy picks at random (kube-proxy's iptables and nftables modes, Cilium), draw with this seed instead of taking the first endpoint. */
  seed?: number;
}

/** How the trace ended. */
export type TraceResult = 'connected' | 'refused' | 'timeout' | 'unreachable' | 'not-resolved';

export interface TraceVerdict {
  result: TraceResult;
  /** Whether the connection would succeed (the exit code's 0). */
  connected: boolean;
  /** The drop reason, or the resolver's status for `not-resolved`. */
  reason?: DropReason | string;
  message: string;
  /** For an HTTP URL that connected: the response's status line. */
  http?: { status: number; reason: string };
}

/** A whole trace: the request as resolved, every hop in order, the verdict. */
export interface TraceReport {
  /** `name` as hops name it (`pod ns/name`, `node n`, `external 203.0.113.10`); `via` what FROM said when it was a workload or an address. */
  from: { kind: ConnectionSource['kind']; name: string; ip?: string; via?: string };
  target: { host: string; ip?: string; port?: number; protocol: Protocol; url?: string };
  hops: TraceHop[];
  verdict: TraceVerdict;
}

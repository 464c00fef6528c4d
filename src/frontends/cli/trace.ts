// `flatnet trace FROM TARGET`: one connection followed across every layer (DNS, kube-proxy's rules, NAT, the CNI
// route, NetworkPolicy, the listening socket, the reply and an HTTP GET for a URL), as text or JSON.
// Exit 0 when the connection would succeed, 1 when it would not, 2 for bad input.

import { nodeInternalIPOf } from '../../core/objects.js';
import { NotFoundError } from '../../core/errors.js';
import type { ClusterConfig } from '../../core/cluster-config.js';
import { cidrContains, parseIPv4 } from '../../core/ip.js';
import { resolveResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { RESOLVER_LIBRARIES, type ResolverLibrary } from '../../dns/resolver.js';
import { traceConnection, TraceInputError } from '../../dataplane/trace/connection-trace.js';
import type { TraceRequest } from '../../dataplane/trace/trace-types.js';
import type { ConnectionSource } from '../../dataplane/types.js';
import { checkOutput, parseProtocol } from './can.js';
import { dnsNameProblem, podForReference } from './dns.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';
import { formatTrace } from './trace-format.js';

export interface TraceArgs {
  /** `ns/pod`, `pod` (in --namespace), `[ns/]deploy/NAME` (sts, ds, rs, pod too), `node/NAME`, `external`, or an IPv4 address. */
  from: string;
  /** A DNS name, an IPv4 address, `HOST:PORT`, or a URL (`http://my-api/path`). */
  target: string;
  /** Destination port; default: the URL's or HOST:PORT's, else the Service's only port of the protocol. */
  port?: string;
  /** TCP (default), UDP or SCTP. */
  protocol?: string;
  /** Namespace of a bare pod or workload reference; default "default". */
  namespace?: string;
  /** txt (default) or json. */
  output?: string;
  /** For external sources: the node the packets enter. */
  entryNode?: string;
  /** glibc (default) or musl: whose resolver expands names. */
  resolver?: string;
  /** A seed for the random endpoint choice (kube-proxy's iptables and nftables modes, Cilium); default: the first endpoint in rule order. */
  seed?: string;
  filename: string[];
}

/**
 * The client outside the cluster `external` stands for: 203.0.113.10 is in TEST-NET-3 (RFC 5737, documentation
 * addresses), so it can never collide with a cluster range or a real host.
 */
export const DEFAULT_EXTERNAL_CLIENT = '203.0.113.10';

const OUTPUTS = ['txt', 'json'];


/** FROM as a connection source: an address names the pod or node that has it, or a client outside the cluster. */
export function parseSource(objects: KubeObject[], config: Pick<ClusterConfig, 'podCIDR' | 'serviceCIDR'>, from: string, namespace: string): { source: ConnectionSource; via?: string } {
  if (from === 'external') return { source: { kind: 'external', ip: DEFAULT_EXTERNAL_CLIENT } };
  if (from.startsWith('node/')) {
    const name = from.slice('node/'.length);
    if (!objects.some((o) => o.kind === 'Node' && o.metadata.name === name)) throw new UsageError(`FROM "${from}": node "${name}" not found`);
    return { source: { kind: 'node', name } };
  }
  if (parseIPv4(from) !== undefined) {
    const pod = objects.find((o) => o.kind === 'Pod' && o.status?.podIP === from && o.spec?.hostNetwork !== true && o.status?.phase === 'Running');
    if (pod) return { source: { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, via: from };
    const node = objects.find((o) => o.kind === 'Node' && nodeInternalIPOf(o) === from);
    if (node) return { source: { kind: 'node', name: node.metadata.name }, via: from };
    const n = parseIPv4(from)!;
    if (cidrContains(config.podCIDR, n)) throw new UsageError(`FROM "${from}": no running pod has this address of the pod CIDR`);
    if (cidrContains(config.serviceCIDR, n)) throw new UsageError(`FROM "${from}": a Service address never sends packets; trace from a pod, a node or outside`);
    return { source: { kind: 'external', ip: from } };
  }
  const parts = from.split('/');
  // `deploy/web` and a bare `web` live in --namespace; podForReference would put them in "default".
  const kindFirst = parts.length === 2 && resolveResourceType(parts[0].toLowerCase()) !== undefined;
  const ref = parts.length === 1 || kindFirst ? `${namespace}/${from}` : from;
  try {
    const { pod, via } = podForReference(objects, ref);
    return { source: { kind: 'pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name }, ...(via ? { via } : {}) };
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.replace(/^--from "[^"]*"/, `FROM "${from}"`));
    throw e;
  }
}

/** TARGET as host, port, and (for a URL) the HTTP request to send. */
export function parseTarget(target: string): { host: string; port?: number; http?: TraceRequest['http'] } {
  const url = /^(https?):\/\/([^/:?#]+)(?::(\d+))?([^#]*)$/i.exec(target);
  let host: string;
  let port: number | undefined;
  let http: TraceRequest['http'];
  if (url) {
    const scheme = url[1].toLowerCase() as 'http' | 'https';
    host = url[2];
    port = url[3] !== undefined ? Number(url[3]) : scheme === 'http' ? 80 : 443;
    const path = url[4] === '' ? '/' : url[4].startsWith('/') ? url[4] : `/${url[4]}`;
    http = { scheme, path, host: url[3] !== undefined ? `${host}:${url[3]}` : host };
  } else if (/^[^:/]+:\d+$/.test(target)) {
    const i = target.lastIndexOf(':');
    [host, port] = [target.slice(0, i), Number(target.slice(i + 1))];
  } else if (/^[a-z]+:\/\//i.test(target)) throw new UsageError(`TARGET "${target}": only http:// and https:// URLs are traced`);
  else host = target;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new UsageError(`TARGET "${target}": port ${port} must be between 1 and 65535`);
  if (parseIPv4(host) === undefined) {
    const problem = host === '' || /[\s/]/.test(host) ? 'is not a DNS name' : dnsNameProblem(host);
    if (problem) throw new UsageError(`TARGET "${target}": the host "${host}" ${problem}`);
  }
  return { host, ...(port !== undefined ? { port } : {}), ...(http ? { http } : {}) };
}

function parsePortOption(v: string | undefined, fromTarget: number | undefined): number | undefined {
  if (v === undefined) return fromTarget;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(`--port "${v}": must be a number between 1 and 65535`);
  if (fromTarget !== undefined && fromTarget !== n) throw new UsageError(`--port ${n} contradicts the port ${fromTarget} of TARGET`);
  return n;
}

function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`--seed "${v}": must be an integer between 0 and 4294967295`);
  return Number(v);
}

function parseLibrary(v: string | undefined): ResolverLibrary {
  if (v === undefined) return 'glibc';
  if (!(RESOLVER_LIBRARIES as readonly string[]).includes(v)) throw new UsageError(`--resolver "${v}": must be one of ${RESOLVER_LIBRARIES.join(', ')}`);
  return v as ResolverLibrary;
}

/** Runs `trace`; returns 0 when the connection would succeed and 1 when it would not. */
export async function runTrace(args: TraceArgs, io: CliIO): Promise<number> {
  traceArguments(args); // checked before the input is read
  return traceOnCluster(await loadCluster(args.filename, io), args, io);
}

function traceArguments(args: Omit<TraceArgs, 'filename'>) {
  const protocol = parseProtocol(args.protocol);
  checkOutput(args.output, OUTPUTS);
  const target = parseTarget(args.target);
  const port = parsePortOption(args.port, target.port);
  const seed = parseSeed(args.seed);
  const library = parseLibrary(args.resolver);
  if (target.http && protocol !== 'TCP') throw new UsageError(`TARGET "${args.target}": a URL is reached over TCP, not ${protocol}`);
  return { protocol, target, port, seed, library };
}

/** `trace` on a cluster in hand (a loaded one, or the running instance's for `--server`): 0 when it would succeed. */
export async function traceOnCluster(cluster: { objects: KubeObject[]; config: ClusterConfig }, args: Omit<TraceArgs, 'filename'>, io: CliIO): Promise<number> {
  const { protocol, target, port, seed, library } = traceArguments(args);
  const { source, via } = parseSource(cluster.objects, cluster.config, args.from, args.namespace ?? 'default');
  if (args.entryNode !== undefined) {
    if (source.kind !== 'external') throw new UsageError(`--entry-node: only an external source enters the cluster through a node; FROM "${args.from}" is inside it`);
    if (!cluster.objects.some((o) => o.kind === 'Node' && o.metadata.name === args.entryNode)) throw new UsageError(`--entry-node: node "${args.entryNode}" not found`);
  }
  const req: TraceRequest = {
    from: source,
    ...(via ? { via } : {}),
    host: target.host,
    ...(port !== undefined ? { port } : {}),
    protocol,
    ...(target.http ? { http: target.http } : {}),
    ...(args.entryNode ? { entryNode: args.entryNode } : {}),
    library,
    ...(seed !== undefined ? { seed } : {}),
  };
  let report;
  try {
    report = await traceConnection(cluster, req, { clock: io.clock });
  } catch (e) {
    if (e instanceof TraceInputError || e instanceof NotFoundError) throw new UsageError(e.message);
    // The source cannot open a connection at all (a pod not scheduled, without an IP, finished): nothing to trace.
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError)) {
      io.stderr(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  io.stdout(args.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTrace(report));
  return report.verdict.connected ? 0 : 1;
}

// `flatnet flows`: the flow log of a running `flatnet up`, filtered like `hubble observe` (-n, --pod, --verdict,
// --since, --last) and printed as Hubble prints it — one compact line per flow (hubble/pkg/printer, CompactOutput), or
// the GetFlowsResponse JSON lines (`-o json`, hubble's jsonpb) — with --follow streaming new flows as they happen.

import type { Flow } from '../../dataplane/flows.js';
import { FlowFilterError, parseFlowFilter } from '../../dataplane/flow-filter.js';
import type { CliIO } from './io.js';
import { UsageError } from './load.js';
import { apiEndpoint, readFlows, type ServerOptions } from './remote.js';

export interface FlowsOptions extends ServerOptions {
  /** Accepted for symmetry with can/matrix/trace: flows always come from the running instance. */
  server?: boolean;
  namespace?: string;
  pod?: string;
  verdict?: string;
  since?: string;
  last?: string;
  follow?: boolean;
  /** compact (default), json or jsonpb (the same JSON lines). */
  output?: string;
  /** Adds ` [node]` after the time, like hubble's --print-node-name. */
  printNodeName?: boolean;
}

/** One line of the flows stream: observer.GetFlowsResponse with a flow. */
export interface FlowResponse {
  flow: Flow;
  node_name?: string;
  time: string;
}

const OUTPUTS = ['compact', 'json', 'jsonpb'];

// Cilium's DropReason texts (pkg/monitor/api/drop.go) for the reasons flatnet records; hubble prints them as the type.
const DROP_TEXT: Record<number, string> = { 133: 'Policy denied', 158: 'Service backend not found', 169: 'FIB lookup failed', 177: 'Denied by LB src range check' };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.StampMilli (`Jan _2 15:04:05.000`), hubble's default time format, in UTC as the flow's Timestamp is. */
export function stampMilli(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'N/A';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function ports(f: Flow): [number | undefined, number | undefined] {
  const l4 = (f.l4 ?? {}) as Record<string, { source_port?: number; destination_port?: number } | undefined>;
  const p = l4.TCP ?? l4.UDP ?? l4.SCTP;
  return p ? [p.source_port, p.destination_port] : [undefined, undefined];
}

/** hubble's Hostname: `ns/pod`, else `ns/service`, else the IP; `:port` unless the port is 0 or absent. */
function host(ip: string, port: number | undefined, ep: Flow['source'], svc: { name: string; namespace: string } | undefined): string {
  const ns = svc?.namespace ?? ep.namespace ?? '';
  const name = ep.pod_name ? [ns, ep.pod_name] : svc ? [ns, svc.name] : undefined;
  const h = name ? name.filter((s) => s !== '').join('/') : ip;
  return port ? `${h.includes(':') ? `[${h}]` : h}:${port}` : h;
}

/**
 * The identity in parentheses: Cilium's reserved identities by name (`(world)`, `(host)`, `(remote-node)`); flatnet
 * assigns no numeric identities to pods, and identity 0 is what hubble prints as `(unknown)`.
 */
function identity(ep: Flow['source']): string {
  const reserved = ep.labels.length === 1 && ep.labels[0].startsWith('reserved:') ? ep.labels[0].slice('reserved:'.length) : undefined;
  return `(${reserved ?? 'unknown'})`;
}

/** hubble's GetFlowType: `http-response`, `dns-request`, a drop reason, or the observation point of a forwarded packet. */
function flowType(f: Flow): string {
  if (f.l7) return `${f.l7.http ? 'http' : f.l7.dns ? 'dns' : 'l7'}-${f.l7.type.toLowerCase()}`;
  if (f.verdict === 'DROPPED') return DROP_TEXT[f.drop_reason ?? 0] ?? String(f.drop_reason ?? 'UNKNOWN');
  if (f.verdict === 'FORWARDED') return f.destination.pod_name ? 'to-endpoint' : 'to-stack';
  return 'UNKNOWN';
}

/**
 * One flow as `hubble observe -o compact` prints it:
 * `Nov 23 10:00:00.000: default/web-1:51234 (unknown) -> default/api-2:80 (unknown) http-response FORWARDED (HTTP/1.1 200 0ms (GET http://api/))`.
 * A reply is printed from the server's side with `<-`, as hubble flips it.
 */
export function compactFlow(r: FlowResponse, opts: { nodeName?: boolean } = {}): string {
  const f = r.flow;
  const [sp, dp] = ports(f);
  let src = host(f.IP.source, sp, f.source, f.source_service);
  let dst = host(f.IP.destination, dp, f.destination, f.destination_service);
  let srcId = identity(f.source);
  let dstId = identity(f.destination);
  let arrow = '->';
  if (f.is_reply === undefined) arrow = '<>';
  else if (f.is_reply) {
    [src, dst, srcId, dstId] = [dst, src, dstId, srcId];
    arrow = '<-';
  }
  const node = opts.nodeName ? ` [${f.node_name ?? r.node_name ?? ''}]` : '';
  return `${stampMilli(f.time ?? r.time)}${node}: ${src} ${srcId} ${arrow} ${dst} ${dstId} ${flowType(f)} ${f.verdict} (${f.Summary})\n`;
}

/** Runs `flows`; returns 0 (2 for bad options, 1 when the instance cannot be asked). */
export async function runFlows(opts: FlowsOptions, io: CliIO): Promise<number> {
  const output = opts.output ?? 'compact';
  if (!OUTPUTS.includes(output)) throw new UsageError(`-o "${output}": unknown output format; use one of ${OUTPUTS.join(', ')}`);
  const query = { namespace: opts.namespace, pod: opts.pod, verdict: opts.verdict, since: opts.since, last: opts.last };
  try {
    parseFlowFilter(query, io.clock.now());
  } catch (e) {
    if (e instanceof FlowFilterError) throw new UsageError(`--${e.message}`);
    throw e;
  }
  const ep = apiEndpoint(opts);
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  if (opts.follow) params.set('follow', 'true');
  await readFlows(ep, params, (line) => {
    if (output !== 'compact') return io.stdout(`${line}\n`);
    let r: FlowResponse;
    try {
      r = JSON.parse(line) as FlowResponse;
    } catch {
      return io.stderr(`Warning: skipped a line that is not JSON: ${line.slice(0, 80)}\n`);
    }
    if (r.flow) io.stdout(compactFlow(r, { nodeName: opts.printNodeName }));
  });
  return 0;
}

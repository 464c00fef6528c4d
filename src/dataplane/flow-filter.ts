// Which flows a query selects, the way `hubble observe` filters them: --namespace (either end), --pod [NS/]NAME (a
// pod-name prefix at either end), --verdict, --since (a relative duration or an RFC 3339 time), and --last N.
//
// @example
// const filter = parseFlowFilter({ namespace: 'production', verdict: 'dropped', since: '5m' }, clock.now());
// log.flows().filter((f) => flowMatches(f, filter));

import type { Flow, FlowVerdict } from './flows.js';

export const FLOW_VERDICTS: readonly FlowVerdict[] = ['FORWARDED', 'DROPPED', 'ERROR'];

/** A parsed flow query; every field given must match. */
export interface FlowFilter {
  /** Flows with this namespace at the source or the destination. */
  namespace?: string;
  /** Flows whose source or destination pod is in `namespace` and has a name starting with `prefix`. */
  pod?: { namespace: string; prefix: string };
  verdict?: FlowVerdict;
  /** Flows recorded at or after this time. */
  since?: Date;
  /** Only the newest N matching flows of the buffer (new flows under --follow all pass). */
  last?: number;
}

/** The query as given (CLI flags or URL parameters), before checking. */
export interface FlowQuery {
  namespace?: string;
  pod?: string;
  verdict?: string;
  since?: string;
  last?: string;
}

/** A query value that cannot be used; the message names the parameter, the value and the rule. */
export class FlowFilterError extends Error {
  override name = 'FlowFilterError';
}

// Go's time.ParseDuration units, which hubble's --since takes (pkg/time FromString: relative or RFC 3339).
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** `--since`: a duration before `now` (`30s`, `5m`, `1h30m`) or an RFC 3339 time (`2024-11-23T10:00:00Z`). */
export function parseSince(value: string, now: Date): Date {
  if (DURATION.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
    return new Date(now.getTime() - ms);
  }
  if (RFC3339.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new FlowFilterError(`since "${value}": want a duration before now such as 30s, 5m or 1h30m, or an RFC 3339 time such as 2024-11-23T10:00:00Z`);
}

/** Checks a query; throws FlowFilterError naming the first bad parameter. A bare pod name is in `namespace`, else default. */
export function parseFlowFilter(q: FlowQuery, now: Date): FlowFilter {
  const f: FlowFilter = {};
  const nonEmpty = (name: string, v: string | undefined) => {
    if (v !== undefined && v.trim() === '') throw new FlowFilterError(`${name}: must not be empty`);
    return v;
  };
  const namespace = nonEmpty('namespace', q.namespace);
  if (namespace !== undefined) f.namespace = namespace;
  const pod = nonEmpty('pod', q.pod);
  if (pod !== undefined) {
    const parts = pod.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) throw new FlowFilterError(`pod "${pod}": want NAME or NAMESPACE/NAME (a prefix of the pod name)`);
    f.pod = parts.length === 2 ? { namespace: parts[0], prefix: parts[1] } : { namespace: namespace ?? 'default', prefix: parts[0] };
  }
  if (q.verdict !== undefined) {
    const v = q.verdict.toUpperCase();
    if (!(FLOW_VERDICTS as readonly string[]).includes(v)) throw new FlowFilterError(`verdict "${q.verdict}": must be one of ${FLOW_VERDICTS.join(', ')}`);
    f.verdict = v as FlowVerdict;
  }
  if (q.since !== undefined) f.since = parseSince(q.since, now);
  if (q.last !== undefined) {
    if (!/^\d+$/.test(q.last) || Number(q.last) < 1) throw new FlowFilterError(`last "${q.last}": must be a positive integer`);
    f.last = Number(q.last);
  }
  return f;
}

/** Whether `flow` passes every condition of `filter` (`last` is applied by the caller, over the buffer). */
export function flowMatches(flow: Flow, filter: FlowFilter): boolean {
  if (filter.verdict && flow.verdict !== filter.verdict) return false;
  if (filter.since && Date.parse(flow.time) < filter.since.getTime()) return false;
  const ends = [flow.source, flow.destination];
  if (filter.pod) {
    const { namespace, prefix } = filter.pod;
    if (!ends.some((e) => e.namespace === namespace && e.pod_name !== undefined && e.pod_name.startsWith(prefix))) return false;
  } else if (filter.namespace !== undefined && !ends.some((e) => e.namespace === filter.namespace)) return false;
  return true;
}

/** The flows of `flows` (oldest first) that `filter` selects, the newest `filter.last` of them when it is set. */
export function selectFlows(flows: readonly Flow[], filter: FlowFilter): Flow[] {
  const matching = flows.filter((f) => flowMatches(f, filter));
  return filter.last !== undefined ? matching.slice(-filter.last) : matching;
}

// The flatnet.dev/ pod annotations that state a workload's behaviour where its image says too little, validated.

import { describeObject, invalid, type Problem } from '../../../core/errors.js';
import type { KubeObject } from '../../../core/types.js';
import type { Protocol } from '../../types.js';

export const HTTP_STATUS_ANNOTATION = 'flatnet.dev/http-status';
export const HTTP_BODY_ANNOTATION = 'flatnet.dev/http-body';
export const LATENCY_ANNOTATION = 'flatnet.dev/latency';
export const LISTEN_ANNOTATION = 'flatnet.dev/listen';

/** The longest latency the annotation accepts: longer than any client timeout worth simulating. */
export const MAX_LATENCY_MS = 10 * 60 * 1000;

/** One socket flatnet.dev/listen names: `[container:]port[/protocol]`. */
export interface ListenSpec {
  container?: string;
  port: number;
  protocol: Protocol;
}

/** A pod's workload annotations, parsed. Absent or invalid annotations leave their field undefined. */
export interface WorkloadAnnotations {
  httpStatus?: number;
  httpBody?: string;
  latencyMs: number;
  /** When set, the pod listens on exactly these sockets (an empty list: on none). */
  listen?: ListenSpec[];
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration (`250ms`, `1.5s`, `1m30s`, `0`) into milliseconds; undefined if it is not one. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  if (s.length === 0) return undefined;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNITS[m[2]];
    at = re.lastIndex;
  }
  return total;
}

function field(name: string): string {
  return `metadata.annotations[${name}]`;
}

function parseListen(value: string, containers: string[], problems: Problem[], object: string): ListenSpec[] | undefined {
  const specs: ListenSpec[] = [];
  const seen = new Set<string>();
  let ok = true;
  for (const raw of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?):)?(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(raw);
    const bad = (detail: string) => {
      problems.push({ object, error: invalid(field(LISTEN_ANNOTATION), value, `${JSON.stringify(raw)}: ${detail}`) });
      ok = false;
    };
    if (!m) {
      bad('each entry must be [container:]port[/protocol], e.g. "8080/TCP" or "web:9090/UDP"');
      continue;
    }
    const [, container, , portText, protoText] = m;
    const port = Number(portText);
    const protocol = (protoText ?? 'TCP').toUpperCase();
    if (port < 1 || port > 65535) bad('port must be between 1 and 65535, inclusive');
    else if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') bad('protocol must be TCP, UDP or SCTP');
    else if (container !== undefined && !containers.includes(container)) bad(`the pod has no container ${JSON.stringify(container)} (containers: ${containers.join(', ')})`);
    else if (seen.has(`${port}/${protocol}`)) bad(`${port}/${protocol} is listed twice`);
    else {
      seen.add(`${port}/${protocol}`);
      specs.push({ container, port, protocol: protocol as Protocol });
    }
  }
  return ok ? specs : undefined;
}

/**
 * Reads a pod's workload annotations. Every bad value becomes a problem naming the pod, the annotation and the
 * value; the annotation is then ignored (the workload behaves as if it were absent). Never throws.
 */
export function parseWorkloadAnnotations(pod: KubeObject): { annotations: WorkloadAnnotations; problems: Problem[] } {
  const a = pod.metadata.annotations ?? {};
  const object = describeObject('Pod', pod.metadata.namespace, pod.metadata.name);
  const problems: Problem[] = [];
  const out: WorkloadAnnotations = { latencyMs: 0 };
  const status = a[HTTP_STATUS_ANNOTATION];
  if (status !== undefined) {
    const n = Number(status.trim());
    if (/^\s*\d{3}\s*$/.test(status) && n >= 200 && n <= 599) out.httpStatus = n;
    else problems.push({ object, error: invalid(field(HTTP_STATUS_ANNOTATION), status, 'must be an HTTP status code between 200 and 599, e.g. "503"') });
  }
  if (a[HTTP_BODY_ANNOTATION] !== undefined) out.httpBody = a[HTTP_BODY_ANNOTATION];
  const latency = a[LATENCY_ANNOTATION];
  if (latency !== undefined) {
    const ms = parseGoDuration(latency.trim());
    if (ms === undefined) problems.push({ object, error: invalid(field(LATENCY_ANNOTATION), latency, 'must be a duration such as "250ms", "1.5s" or "1m"') });
    else if (ms > MAX_LATENCY_MS) problems.push({ object, error: invalid(field(LATENCY_ANNOTATION), latency, 'must be at most 10m') });
    else out.latencyMs = ms;
  }
  const listen = a[LISTEN_ANNOTATION];
  if (listen !== undefined) {
    const containers = ((pod.spec?.containers ?? []) as { name: string }[]).map((c) => c.name);
    out.listen = parseListen(listen, containers, problems, object);
  }
  return { annotations: out, problems };
}


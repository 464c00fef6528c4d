// Verdicts explained for people and scripts: the text `flatnet can` and `flatnet test` print (a verdict line, then
// the egress and ingress side with the policies and rules that decided, then notes), and the JSON form of the same.

import type { KubeObject } from '../core/types.js';
import type { ResolvedConnection, ResolvedEnd } from './references.js';
import type { DirectionVerdict, RuleRef, Verdict } from './types.js';

/** What the report looks up in the cluster: policies (to quote their rules), pods and namespaces (for their labels). */
export interface ReportContext {
  get(kind: 'NetworkPolicy' | 'Pod' | 'Namespace', namespace: string | undefined, name: string): KubeObject | undefined;
}

/** Rules longer than this are quoted entry by entry; entries longer than the second are cited by position only. */
const SNIPPET_MAX = 100;
const LONG_SNIPPET_MAX = 200;

const PLAIN = /^[A-Za-z_][A-Za-z0-9._/-]*$/;
const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n)$/i;

/** A value as one line of YAML flow style: `{podSelector: {matchLabels: {app: frontend}}}`. */
export function flowYaml(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flowYaml).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.entries(v).map(([k, x]) => `${k}: ${flowYaml(x)}`).join(', ')}}`;
  if (typeof v === 'string') return PLAIN.test(v) && !YAML_WORDS.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function snippet(v: unknown): string | undefined {
  const s = flowYaml(v);
  return s.length <= SNIPPET_MAX ? s : undefined;
}

/** `8080/TCP`, or `8080/TCP (port "http")` when a name was resolved, or `http/TCP` when it did not resolve. */
export function portText(c: ResolvedConnection, v?: Verdict): string {
  const { port, protocol } = c.query;
  if (typeof port === 'number') return `${port}/${protocol}`;
  return v?.resolvedPort !== undefined ? `${v.resolvedPort}/${protocol} (port "${port}")` : `${port}/${protocol}`;
}

/** The first line: `denied: production/monitoring-… → production/backend-… on 8080/TCP`. */
export function verdictHeadline(c: ResolvedConnection, v: Verdict): string {
  const svc = c.to.service;
  const via = svc ? ` (via Service ${svc.namespace}/${svc.name} port ${svc.servicePort.port})` : '';
  return `${v.allowed ? 'allowed' : 'denied'}: ${c.from.display} → ${c.to.display} on ${portText(c, v)}${via}`;
}

function rulesOf(policy: KubeObject | undefined, direction: 'Ingress' | 'Egress'): unknown[] | undefined {
  const rules = direction === 'Ingress' ? policy?.spec?.ingress : policy?.spec?.egress;
  return Array.isArray(rules) ? rules : undefined;
}

function policy(ctx: ReportContext, ref: string): KubeObject | undefined {
  const slash = ref.indexOf('/');
  return ctx.get('NetworkPolicy', ref.slice(0, slash), ref.slice(slash + 1));
}

/** The lines naming the rule, peer and port that allowed a connection, quoting them when short. */
function allowLines(ref: RuleRef, ctx: ReportContext): string[] {
  const dir = ref.direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = ref.direction === 'Ingress' ? 'from' : 'to';
  const rule = rulesOf(policy(ctx, ref.policy), ref.direction)?.[ref.rule] as Record<string, unknown[] | undefined> | undefined;
  const out = [`${ref.policy} ${dir}[${ref.rule}]:`];
  const peer = ref.peer !== undefined ? rule?.[peersKey]?.[ref.peer] : undefined;
  const port = ref.port !== undefined ? rule?.ports?.[ref.port] : undefined;
  const peerSnippet = peer !== undefined ? snippet(peer) : undefined;
  const portSnippet = port !== undefined ? snippet(port) : undefined;
  out.push(ref.peer === undefined ? `  ${peersKey}: any peer (the rule lists none)` : `  ${peersKey}[${ref.peer}]${peerSnippet ? `: ${peerSnippet}` : ''}`);
  out.push(ref.port === undefined ? '  ports: any port (the rule lists none)' : `  ports[${ref.port}]${portSnippet ? `: ${portSnippet}` : ''}`);
  return out;
}

/** A rule quoted on one line when short, else each peer and port entry on its own line. */
function ruleLines(rule: unknown, path: string, peersKey: 'from' | 'to'): string[] {
  const whole = snippet(rule);
  if (whole) return [`  ${path}: ${whole}`];
  const r = (typeof rule === 'object' && rule !== null ? rule : {}) as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [peersKey, 'ports']) {
    const list = r[key];
    if (!Array.isArray(list) || list.length === 0) out.push(`  ${path}.${key}: any (none listed)`);
    else list.forEach((x, j) => out.push(`  ${path}.${key}[${j}]: ${flowYaml(x).length <= LONG_SNIPPET_MAX ? flowYaml(x) : 'too long to quote; see the policy'}`));
  }
  return out;
}

/** The labels a selector would see on the other end: the pod's and its namespace's, or that it is an address. */
function peerLabels(end: ResolvedEnd, ctx: ReportContext): string {
  if (end.endpoint.kind === 'ip') return `${end.display} is not a pod: only ipBlock peers can match it`;
  const { namespace, name } = end.endpoint;
  const pod = ctx.get('Pod', namespace, name);
  const ns = ctx.get('Namespace', undefined, namespace);
  return `${end.display} has labels ${flowYaml(pod?.metadata.labels ?? {})}; namespace ${namespace} has ${flowYaml(ns?.metadata.labels ?? {})}`;
}

/** For a denied side: each isolating policy with its rules for that direction, so the user sees what would match. */
function isolationLines(d: DirectionVerdict, ctx: ReportContext): string[] {
  const dir = d.direction === 'Ingress' ? 'ingress' : 'egress';
  const out: string[] = [];
  for (const name of d.isolatingPolicies) {
    const rules = rulesOf(policy(ctx, name), d.direction) ?? [];
    if (rules.length === 0) {
      out.push(`${name}: no ${dir} rules (selects the pod, allows nothing)`);
      continue;
    }
    out.push(`${name}:`);
    rules.forEach((r, i) => out.push(...ruleLines(r, `${dir}[${i}]`, d.direction === 'Ingress' ? 'from' : 'to')));
  }
  return out;
}

function sideTitle(d: DirectionVerdict, end: ResolvedEnd): string {
  const role = d.direction === 'Egress' ? 'egress (source' : 'ingress (destination';
  return `${role} ${end.display}): ${d.allowed ? 'allowed' : 'denied'}`;
}

/**
 * The lines explaining one side. Allowed by rules: the isolating policies, then each rule, peer and port that allowed
 * it, quoted. Denied: the engine's sentence, each isolating policy's rules, and the labels the peer offers them.
 * Otherwise (not isolated, not a pod, nothing enforced): the engine's sentence.
 */
export function directionLines(d: DirectionVerdict, end: ResolvedEnd, peer: ResolvedEnd, ctx: ReportContext): string[] {
  const body: string[] = [];
  if (d.allowed && d.allowedBy.length > 0) {
    body.push(`isolated for ${d.direction.toLowerCase()} by [${d.isolatingPolicies.join(', ')}]; allowed by:`);
    for (const ref of d.allowedBy) body.push(...allowLines(ref, ctx));
  } else if (!d.allowed) body.push(d.reason, ...isolationLines(d, ctx), peerLabels(peer, ctx));
  else body.push(d.reason);
  return [sideTitle(d, end), ...body.map((l) => `  ${l}`)];
}

/** Notes: how references were resolved, Service DNAT, and the engine's implementation-defined facts. */
export function verdictNotes(c: ResolvedConnection, v: Verdict): string[] {
  const notes: string[] = [];
  for (const end of [c.from, c.to]) if (end.via && !end.service) notes.push(`${end.text} = ${end.via}`);
  const svc = c.to.service;
  if (svc) {
    notes.push(`${c.to.text} ${c.to.via}`);
    notes.push(
      svc.headless
        ? `Service ${svc.namespace}/${svc.name} is headless: clients reach the pod IPs directly, so policy sees the pod and port ${svc.targetPort}`
        : `NetworkPolicy applies after the Service's DNAT: to the backend pod and its targetPort ${svc.targetPort}, not the ClusterIP and port ${svc.servicePort.port}`,
    );
  }
  notes.push(...v.notes);
  return notes;
}

/** The whole explanation of one verdict as lines, headline first. */
export function explainVerdict(c: ResolvedConnection, v: Verdict, ctx: ReportContext): string[] {
  const lines = [verdictHeadline(c, v), '', ...directionLines(v.egress, c.from, c.to, ctx), ...directionLines(v.ingress, c.to, c.from, ctx)];
  const notes = verdictNotes(c, v);
  if (notes.length > 0) lines.push('', 'notes:', ...notes.map((n) => `  - ${n}`));
  return lines;
}

function endJson(e: ResolvedEnd) {
  return { ref: e.text, endpoint: e.display, ...(e.via ? { via: e.via } : {}) };
}

/** The JSON form of a verdict, with the connection as resolved. */
export function verdictJson(c: ResolvedConnection, v: Verdict) {
  const svc = c.to.service;
  return {
    allowed: v.allowed,
    from: endJson(c.from),
    to: endJson(c.to),
    port: c.query.port,
    ...(v.resolvedPort !== undefined ? { resolvedPort: v.resolvedPort } : {}),
    protocol: c.query.protocol,
    ...(svc ? { service: { namespace: svc.namespace, name: svc.name, port: svc.servicePort.port, targetPort: svc.targetPort, headless: svc.headless } } : {}),
    egress: v.egress,
    ingress: v.ingress,
    notes: verdictNotes(c, v),
  };
}

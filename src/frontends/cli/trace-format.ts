// The text form of a connection trace: a header, each hop numbered with where it happens, its sentence, the rules,
// the outer header, the policies and the objects responsible, then one verdict line.

import type { EncapStep, PolicyDirectionStep } from '../../dataplane/types.js';
import type { TraceHop, TraceReport } from '../../dataplane/trace/trace-types.js';

/** The verdict's first word, and what the client experiences. */
const RESULT_WORDS: Record<TraceReport['verdict']['result'], [string, string?]> = {
  connected: ['CONNECTED'],
  refused: ['REFUSED', 'connection refused'],
  timeout: ['DROPPED', 'the client waits for its timeout'],
  unreachable: ['UNREACHABLE', 'no route to host'],
  'not-resolved': ['NOT RESOLVED', 'the client never connects'],
};

function encapLine(e: EncapStep): string {
  if (e.type === 'ipip') return `encap: IP-in-IP on ${e.device}: outer ${e.outerSource} → ${e.outerDestination}, IP protocol 4, +${e.overhead} bytes, pod MTU ${e.mtu}`;
  const vni = e.vni !== undefined ? `VNI ${e.vni}` : 'VNI set per packet by the CNI';
  return `encap: VXLAN on ${e.device}: outer ${e.outerSource} → ${e.outerDestination}, UDP ${e.udpPort}, ${vni}, +${e.overhead} bytes, pod MTU ${e.mtu}`;
}

function policyLine(dir: 'egress' | 'ingress', d: PolicyDirectionStep): string {
  if (!d.isolated) return `${dir}: not isolated (no NetworkPolicy selects this side for ${dir})`;
  const by = `isolated by [${d.policies.join(', ')}]`;
  return d.allowed ? `${dir}: ${by}; allowed by ${d.allowedBy.join(', ')}` : `${dir}: ${by}; no rule allows it`;
}

function rulesLine(h: TraceHop): string | undefined {
  if (!h.rules || h.rules.length === 0) return undefined;
  const mode = h.service?.proxyMode ?? 'rules';
  if (mode === 'ipvs') return `ipvs: ${h.rules.join('   ')}`;
  // Cilium: BPF map lookups, not rules; the label says where they are.
  if (mode === 'cilium') return `bpf maps: ${h.rules.join(' → ')}`;
  return `${mode}: ${h.rules.join(' → ')}`;
}

/** One hop's lines: `N  stage  at`, then the summary and what the structured fields add, indented. */
function hopLines(h: TraceHop, n: number, width: number): string[] {
  const pad = ' '.repeat(width + 2);
  const out = [`${String(n).padStart(width)}  ${h.stage.padEnd(8)} ${h.at}`, `${pad}${h.summary}`];
  for (const d of h.details ?? []) out.push(`${pad}${d}`);
  const rules = rulesLine(h);
  if (rules) out.push(`${pad}${rules}`);
  if (h.encap) out.push(`${pad}${encapLine(h.encap)}`);
  if (h.policy?.enforced && (h.policy.egress.isolated || h.policy.ingress.isolated)) out.push(`${pad}${policyLine('egress', h.policy.egress)}`, `${pad}${policyLine('ingress', h.policy.ingress)}`);
  if (h.objects.length) out.push(`${pad}objects: ${h.objects.join(', ')}`);
  return out;
}

/** The whole trace as text. */
export function formatTrace(r: TraceReport): string {
  const t = r.target;
  const asked = t.url ?? (t.host === t.ip ? undefined : t.host);
  const port = t.port !== undefined ? `:${t.port}` : '';
  const where = t.ip !== undefined ? `${asked ? `${asked} = ` : ''}${t.ip}${port}/${t.protocol}` : `${asked}${t.url ? '' : port} (${t.protocol}, not resolved)`;
  const about = [r.from.via && r.from.via !== r.from.ip ? r.from.via : undefined, r.from.ip].filter((x) => x !== undefined);
  const head = `trace ${r.from.name}${about.length ? ` (${about.join(', ')})` : ''} → ${where}`;
  const width = String(r.hops.length).length;
  const lines = [head, ''];
  r.hops.forEach((h, i) => lines.push(...hopLines(h, i + 1, width)));
  const v = r.verdict;
  const [word, effect] = RESULT_WORDS[v.result];
  const why = [v.reason, effect].filter((x) => x !== undefined);
  const http = v.http ? `; HTTP ${v.http.status} ${v.http.reason}` : '';
  lines.push('', `verdict: ${word}${why.length ? ` (${why.join('; ')})` : ''}: ${v.message}${http}`);
  return `${lines.join('\n')}\n`;
}

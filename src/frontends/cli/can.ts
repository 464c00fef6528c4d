// `flatnet can FROM TO --port P`: is this connection allowed by NetworkPolicy, and which policies, rules, peers and
// ports decided it. Exit 0 allowed, 1 denied, 2 bad input.

import type { ClusterConfig } from '../../core/cluster-config.js';
import type { KubeObject } from '../../core/types.js';
import { analyzePolicies } from '../../netpol/policy-analysis.js';
import { parsePort, ReferenceIssue, resolveConnection } from '../../netpol/references.js';
import { explainVerdict, verdictJson } from '../../netpol/report.js';
import { Protocol, PROTOCOLS } from '../../netpol/types.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface CanOptions {
  port: string;
  /** Default TCP. */
  protocol?: string;
  /** Namespace of a bare `<pod>` reference; default "default". */
  namespace?: string;
  /** txt (default) or json. */
  output?: string;
  filename: string[];
}

const OUTPUTS = ['txt', 'json'];

/** Checks --protocol; accepts any case, as users type `udp`. */
export function parseProtocol(value: string | undefined): Protocol {
  if (value === undefined) return 'TCP';
  const p = value.toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(p)) throw new UsageError(`--protocol "${value}": must be one of ${PROTOCOLS.join(', ')}`);
  return p as Protocol;
}

/** Checks -o against the formats a verb offers. */
export function checkOutput(value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) throw new UsageError(`-o "${value}": unknown output format; use one of ${allowed.join(', ')}`);
}

const ARG_NAMES: Record<ReferenceIssue['field'], string> = { from: 'FROM', to: 'TO', port: '--port', protocol: '--protocol' };

/** Runs `can`; returns 0 when allowed and 1 when denied. */
export async function runCan(from: string, to: string, opts: CanOptions, io: CliIO): Promise<number> {
  // Arguments are checked before the input is read, so a typo costs no load.
  parseProtocol(opts.protocol);
  checkOutput(opts.output, OUTPUTS);
  return canOnCluster(await loadCluster(opts.filename, io), { ...opts, from, to }, io);
}

/** `can` on a cluster in hand (a loaded one, or the running instance's for `--server`). */
export function canOnCluster(cluster: { objects: KubeObject[]; config: ClusterConfig }, q: Omit<CanOptions, 'filename'> & { from: string; to: string }, io: CliIO): number {
  const protocol = parseProtocol(q.protocol);
  checkOutput(q.output, OUTPUTS);
  const analysis = analyzePolicies(cluster);
  for (const w of analysis.warnings) io.stderr(`Warning: ${w}\n`);
  const r = resolveConnection(analysis.index, { from: q.from, to: q.to, port: parsePort(q.port), protocol }, q.namespace ?? 'default');
  if (!r.ok) throw new UsageError(r.issues.map((i) => `${ARG_NAMES[i.field]} ${JSON.stringify(i.value)}: ${i.detail}`).join('\nerror: '));
  const verdict = analysis.engine.evaluate(r.connection.query);
  if (q.output === 'json') io.stdout(`${JSON.stringify(verdictJson(r.connection, verdict), null, 2)}\n`);
  else io.stdout(`${explainVerdict(r.connection, verdict, analysis.index).join('\n')}\n`);
  return verdict.allowed ? 0 : 1;
}

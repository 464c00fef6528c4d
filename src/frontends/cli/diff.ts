// `flatnet diff -f OLD... --against NEW...`: the connections a change adds, removes or changes, with the policies
// responsible — a pre-merge check. Exit 0 (1 with --exit-code when something changed), 2 bad input.

import { formatProblem, InputError } from '../../core/errors.js';
import { connectionList } from '../../netpol/connlist.js';
import { DIFF_FORMATS, diffConnectivity, DiffSide, formatDiff } from '../../netpol/connectivity-diff.js';
import { analyzePolicies } from '../../netpol/policy-analysis.js';
import { checkOutput } from './can.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface DiffOptions {
  /** The cluster before the change. */
  filename: string[];
  /** The cluster after the change. */
  against: string[];
  /** Read the cluster before the change live (instead of -f). */
  kubeconfig?: string;
  context?: string;
  /** Limit to one namespace; default every namespace, so a CI check misses nothing. */
  namespace?: string;
  /** txt (default), json or md. */
  output?: string;
  /** Exit 1 when the connectivity differs, like `git diff --exit-code`. */
  exitCode?: boolean;
}

async function side(paths: string[], label: string, namespace: string | undefined, io: CliIO): Promise<DiffSide> {
  const cluster = await loadCluster(paths, io, label);
  const a = analyzePolicies(cluster);
  // Lint speaks about the cluster after the change; the old one's findings are not news.
  if (label === 'new') for (const w of a.warnings) io.stderr(`Warning: ${w}\n`);
  const matrix = a.engine.matrix(namespace !== undefined ? { namespaces: [namespace] } : {});
  return { list: connectionList(matrix, a.index), engine: a.engine, policies: a.policies };
}

/** Runs `diff`; returns 0, or 1 with --exit-code when any connection changed. */
export async function runDiff(opts: DiffOptions, io: CliIO): Promise<number> {
  checkOutput(opts.output, DIFF_FORMATS);
  if (opts.filename.length === 0 && opts.kubeconfig === undefined && opts.context === undefined)
    throw new UsageError('no old input: give the cluster before the change with -f PATH (repeatable), or read it live with --kubeconfig/--context');
  if (opts.against.length === 0) throw new UsageError('no new input: give the cluster after the change with --against PATH (repeatable)');
  // Both inputs are read before failing, so one run reports the problems of both.
  const [old, cur] = await Promise.allSettled([side(opts.filename, 'old', opts.namespace, io), side(opts.against, 'new', opts.namespace, io)]);
  const failed = [old, cur].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length > 0) {
    if (failed.every((e) => e instanceof InputError)) {
      const problems = failed.flatMap((e) => (e as InputError).problems);
      throw new InputError(problems.filter((p, i) => problems.findIndex((q) => formatProblem(q) === formatProblem(p)) === i));
    }
    throw failed[0];
  }
  const entries = diffConnectivity((old as PromiseFulfilledResult<DiffSide>).value, (cur as PromiseFulfilledResult<DiffSide>).value);
  io.stdout(formatDiff(entries, (opts.output ?? 'txt') as (typeof DIFF_FORMATS)[number]));
  return opts.exitCode && entries.length > 0 ? 1 : 0;
}

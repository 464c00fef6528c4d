// `flatnet test`: runs the ConnectivityTest documents of the inputs against the model; prints every case with
// PASS/FAIL (and, on failure, the explanation), then `N passed, M failed`. Exit 0 all passed, 1 some failed, 2 bad input.

import { InputError } from '../../core/errors.js';
import { CaseResult, parseConnectivityTests, resolveConnectivityTests, runConnectivityCases } from '../../netpol/connectivity-test.js';
import { analyzePolicies } from '../../netpol/policy-analysis.js';
import { explainVerdict, ReportContext, verdictJson } from '../../netpol/report.js';
import { checkOutput } from './can.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface TestOptions {
  /** txt (default) or json. */
  output?: string;
  filename: string[];
}

const where = (r: CaseResult) => `${r.test.source.file} doc ${r.test.source.doc}`;

function caseLine(r: CaseResult): string {
  const c = r.case;
  const what = `${c.from} → ${c.to} on ${c.port}/${c.protocol}`;
  return r.pass ? `PASS  ${c.field}: ${what}: ${r.actual}` : `FAIL  ${c.field}: ${what}: expected ${c.expect}, got ${r.actual}`;
}

function formatText(results: CaseResult[], lookup: ReportContext): string {
  const lines: string[] = [];
  let current: CaseResult['test'] | undefined;
  for (const r of results) {
    if (r.test !== current) {
      if (current) lines.push('');
      current = r.test;
      lines.push(`ConnectivityTest ${r.test.name} (${where(r)})`);
    }
    lines.push(`  ${caseLine(r)}`);
    if (!r.pass) lines.push(...explainVerdict(r.connection, r.verdict, lookup).map((l) => (l ? `        ${l}` : '')));
  }
  const failed = results.filter((r) => !r.pass).length;
  lines.push('', `${results.length - failed} passed, ${failed} failed`);
  return `${lines.join('\n')}\n`;
}

function formatJson(results: CaseResult[], lookup: ReportContext): string {
  const cases = results.map((r) => ({
    test: r.test.name,
    source: where(r),
    field: r.case.field,
    from: r.case.from,
    to: r.case.to,
    port: r.case.port,
    protocol: r.case.protocol,
    expect: r.case.expect,
    actual: r.actual,
    pass: r.pass,
    verdict: verdictJson(r.connection, r.verdict),
    ...(r.pass ? {} : { explanation: explainVerdict(r.connection, r.verdict, lookup) }),
  }));
  const failed = results.filter((r) => !r.pass).length;
  return `${JSON.stringify({ cases, passed: results.length - failed, failed }, null, 2)}\n`;
}

/** Runs `test`; returns 0 when every case passed and 1 when any failed. */
export async function runTest(opts: TestOptions, io: CliIO): Promise<number> {
  checkOutput(opts.output, ['txt', 'json']);
  const cluster = await loadCluster(opts.filename, io);
  for (const w of cluster.warnings) io.stderr(`Warning: ${w}\n`);
  const { tests, problems } = parseConnectivityTests(cluster.flatnetDocs);
  if (problems.length > 0) throw new InputError(problems);
  if (tests.length === 0) throw new UsageError('no ConnectivityTest documents in the inputs (apiVersion: flatnet/v1alpha1, kind: ConnectivityTest)');
  const analysis = analyzePolicies(cluster);
  for (const w of analysis.warnings) io.stderr(`Warning: ${w}\n`);
  const results = runConnectivityCases(resolveConnectivityTests(tests, analysis.index), analysis.engine);
  io.stdout(opts.output === 'json' ? formatJson(results, analysis.index) : formatText(results, analysis.index));
  return results.every((r) => r.pass) ? 0 : 1;
}

// ConnectivityTest documents (flatnet/v1alpha1): cases and truth tables validated into cases, resolved against the
// cluster, and run against the policy engine — the expectations users keep next to their manifests and check in CI.

import { describeObject, formatProblem, invalid, InputError, notSupported, Problem, required, SourceRef, typeInvalid } from '../core/errors.js';
import type { ManifestDoc } from '../core/manifests.js';
import { isObject, stringTypeError } from '../core/validation/fields.js';
import { portProblem, ReferenceIndex, resolveConnection, ResolvedConnection } from './references.js';
import { PolicyEngine, Protocol, PROTOCOLS, Verdict } from './types.js';

export const CONNECTIVITY_TEST_KIND = 'ConnectivityTest';
export const EXPECTATIONS = ['allowed', 'denied'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

/** One expectation: a connection and whether policy should allow it. */
export interface ConnectivityCase {
  /** The field path of the case inside its document, e.g. `spec.cases[2]`. */
  field: string;
  from: string;
  to: string;
  port: number | string;
  protocol: Protocol;
  expect: Expectation;
  /** Where each input came from, when not `<field>.from` and so on (a truth-table cell's pods and port). */
  paths?: Partial<Record<'from' | 'to' | 'port' | 'protocol', string>>;
}

export interface ConnectivityTest {
  name: string;
  /** The namespace bare `<pod>` references are in: metadata.namespace, else "default". */
  namespace: string;
  source: SourceRef;
  cases: ConnectivityCase[];
}

const CASE_FIELDS = ['from', 'to', 'port', 'protocol', 'expect'];
const SPEC_FIELDS = ['cases', 'truthTables'];
const TABLE_FIELDS = ['port', 'protocol', 'pods', 'rows'];

function unknownFields(o: Record<string, unknown>, known: string[], path: string, problems: (e: Problem['error']) => void): void {
  for (const k of Object.keys(o))
    if (!known.includes(k)) problems(invalid(path ? `${path}.${k}` : k, o[k], `unknown field "${k}"; known fields: ${known.join(', ')}`));
}

/** Validates one case; returns it when every field is usable. */
function parseCase(raw: unknown, field: string, report: (e: Problem['error']) => void): ConnectivityCase | undefined {
  if (!isObject(raw)) {
    report(typeInvalid(field, raw, 'object'));
    return undefined;
  }
  unknownFields(raw, CASE_FIELDS, field, report);
  let ok = true;
  const text = (k: 'from' | 'to'): string => {
    const v = raw[k];
    if (v === undefined || v === null || v === '') report(required(`${field}.${k}`, k === 'from' ? 'the source: <ns>/<pod>, <ns>/<kind>/<name> or an IP' : 'the destination: <ns>/<pod>, <ns>/<kind>/<name>, <ns>/svc/<name> or an IP'));
    else if (typeof v !== 'string') report(stringTypeError(`${field}.${k}`, v));
    else return v;
    ok = false;
    return '';
  };
  const from = text('from');
  const to = text('to');
  const port = parsePortField(raw, field, report);
  const protocol = parseProtocolField(raw, field, report);
  if (port === undefined || protocol === undefined) ok = false;
  const expect = raw.expect;
  if (expect === undefined || expect === null || expect === '') {
    report(required(`${field}.expect`, 'allowed or denied'));
    ok = false;
  } else if (!(EXPECTATIONS as readonly unknown[]).includes(expect)) {
    report(notSupported(`${field}.expect`, expect, EXPECTATIONS));
    ok = false;
  }
  return ok ? { field, from, to, port: port!, protocol: protocol!, expect: expect as Expectation } : undefined;
}

/** `port`: a number or a port name; a quoted number (`port: "8080"`) is the number, as a user means it. */
function parsePortField(raw: Record<string, unknown>, field: string, report: (e: Problem['error']) => void): number | string | undefined {
  const port = typeof raw.port === 'string' && /^\d+$/.test(raw.port) ? Number(raw.port) : raw.port;
  if (port === undefined || port === null || port === '') report(required(`${field}.port`, 'a port number or a port name'));
  else if (typeof port !== 'number' && typeof port !== 'string') report(typeInvalid(`${field}.port`, port, 'integer or string'));
  else {
    const bad = portProblem(port);
    if (!bad) return port;
    report(invalid(`${field}.port`, port, bad));
  }
  return undefined;
}

/** `protocol`: TCP (the default), UDP or SCTP. */
function parseProtocolField(raw: Record<string, unknown>, field: string, report: (e: Problem['error']) => void): Protocol | undefined {
  if (raw.protocol === undefined || raw.protocol === null) return 'TCP';
  if ((PROTOCOLS as readonly unknown[]).includes(raw.protocol)) return raw.protocol as Protocol;
  report(notSupported(`${field}.protocol`, raw.protocol, PROTOCOLS));
  return undefined;
}

/** Truth-table cells: `.` allowed, `X` blocked, and `-`, `#` or `?` for pairs not checked (self, loopback, unset). */
const CELLS: Record<string, Expectation | undefined> = { '.': 'allowed', X: 'denied', '-': undefined, '#': undefined, '?': undefined };

/**
 * A truth table as upstream e2e prints one (rows: from, columns: to, over `pods`), for one port and protocol; every
 * checked cell becomes a case.
 */
function parseTruthTable(raw: unknown, field: string, report: (e: Problem['error']) => void): ConnectivityCase[] {
  if (!isObject(raw)) {
    report(typeInvalid(field, raw, 'object'));
    return [];
  }
  unknownFields(raw, TABLE_FIELDS, field, report);
  const port = parsePortField(raw, field, report);
  const protocol = parseProtocolField(raw, field, report);
  const pods = raw.pods;
  if (!Array.isArray(pods) || pods.length === 0) {
    report(pods === undefined || pods === null || Array.isArray(pods) ? required(`${field}.pods`, 'the pods of the rows and columns, in order') : typeInvalid(`${field}.pods`, pods, 'list'));
    return [];
  }
  const badPod = pods.findIndex((p) => typeof p !== 'string' || p === '');
  if (badPod >= 0) {
    report(stringTypeError(`${field}.pods[${badPod}]`, pods[badPod]));
    return [];
  }
  const rowsRaw = raw.rows;
  const rows = typeof rowsRaw === 'string' ? rowsRaw.split('\n').filter((l) => l.trim() !== '') : rowsRaw;
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'string')) {
    report(rowsRaw === undefined || rowsRaw === null ? required(`${field}.rows`, 'one line per pod') : typeInvalid(`${field}.rows`, rowsRaw, 'string or list of strings'));
    return [];
  }
  if (rows.length !== pods.length) {
    report(invalid(`${field}.rows`, rowsRaw, `has ${rows.length} row(s); want ${pods.length}, one per pod`));
    return [];
  }
  const out: ConnectivityCase[] = [];
  rows.forEach((line: string, r: number) => {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== pods.length) return report(invalid(`${field}.rows[${r}]`, line, `has ${cells.length} cell(s); want ${pods.length}, one per pod`));
    cells.forEach((cell, c) => {
      if (!(cell in CELLS)) return report(invalid(`${field}.rows[${r}][${c}]`, cell, 'must be . (allowed), X (blocked), or - # ? (not checked)'));
      const expect = CELLS[cell];
      if (!expect || port === undefined || protocol === undefined) return;
      const paths = { from: `${field}.pods[${r}]`, to: `${field}.pods[${c}]`, port: `${field}.port`, protocol: `${field}.protocol` };
      out.push({ field: `${field}.rows[${r}][${c}]`, from: pods[r], to: pods[c], port, protocol, expect, paths });
    });
  });
  return out;
}

/**
 * Validates the ConnectivityTest documents among flatnet's own documents (others are ignored). Every problem is
 * returned at once, placed by file, document, test name and field path.
 */
export function parseConnectivityTests(docs: readonly ManifestDoc[]): { tests: ConnectivityTest[]; problems: Problem[] } {
  const tests: ConnectivityTest[] = [];
  const problems: Problem[] = [];
  for (const d of docs) {
    if (d.object.kind !== CONNECTIVITY_TEST_KIND) continue;
    const meta: Record<string, unknown> = isObject(d.object.metadata) ? d.object.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    const object = describeObject(CONNECTIVITY_TEST_KIND, undefined, name);
    const report = (error: Problem['error']) => problems.push({ source: d.source, object, error });
    if (!name) report(required('metadata.name'));
    const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default';
    const spec = d.object.spec;
    if (!isObject(spec)) {
      report(spec === undefined || spec === null ? required('spec.cases', 'at least one case') : typeInvalid('spec', spec, 'object'));
      continue;
    }
    unknownFields(spec, SPEC_FIELDS, 'spec', report);
    const lists = { cases: spec.cases, truthTables: spec.truthTables };
    const absent = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);
    if (absent(lists.cases) && absent(lists.truthTables)) {
      report(required('spec.cases', 'at least one case (or a truth table in spec.truthTables)'));
      continue;
    }
    const cases: ConnectivityCase[] = [];
    for (const [key, raw] of Object.entries(lists)) {
      if (raw === undefined || raw === null) continue;
      if (!Array.isArray(raw)) {
        report(typeInvalid(`spec.${key}`, raw, 'list'));
        continue;
      }
      raw.forEach((c, i) => {
        if (key === 'truthTables') cases.push(...parseTruthTable(c, `spec.truthTables[${i}]`, report));
        else {
          const parsed = parseCase(c, `spec.cases[${i}]`, report);
          if (parsed) cases.push(parsed);
        }
      });
    }
    tests.push({ name, namespace, source: d.source, cases });
  }
  return { tests, problems };
}

/** A case with its connection resolved, ready to evaluate. */
export interface ResolvedCase {
  test: ConnectivityTest;
  case: ConnectivityCase;
  connection: ResolvedConnection;
}

/** Resolves every case's references; throws InputError naming each case whose references do not resolve. */
export function resolveConnectivityTests(tests: readonly ConnectivityTest[], index: ReferenceIndex): ResolvedCase[] {
  const out: ResolvedCase[] = [];
  const problems: Problem[] = [];
  for (const test of tests)
    for (const c of test.cases) {
      const r = resolveConnection(index, c, test.namespace);
      if (r.ok) out.push({ test, case: c, connection: r.connection });
      else
        for (const issue of r.issues) {
          const path = c.paths?.[issue.field] ?? `${c.field}.${issue.field}`;
          const problem: Problem = { source: test.source, object: describeObject(CONNECTIVITY_TEST_KIND, undefined, test.name), error: invalid(path, issue.value, issue.detail) };
          // A table's bad pod name would otherwise be reported once per cell of its row and column.
          if (!problems.some((p) => formatProblem(p) === formatProblem(problem))) problems.push(problem);
        }
    }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** The outcome of one case. */
export interface CaseResult extends ResolvedCase {
  verdict: Verdict;
  actual: Expectation;
  pass: boolean;
}

/** Evaluates resolved cases, in order. */
export function runConnectivityCases(cases: readonly ResolvedCase[], engine: PolicyEngine): CaseResult[] {
  return cases.map((rc) => {
    const verdict = engine.evaluate(rc.connection.query);
    const actual: Expectation = verdict.allowed ? 'allowed' : 'denied';
    return { ...rc, verdict, actual, pass: actual === rc.case.expect };
  });
}

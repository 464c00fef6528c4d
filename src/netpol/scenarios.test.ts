// The NetworkPolicy oracle: every scenario under test/scenarios/netpol/ (manifests plus ConnectivityTest expectations
// written from the specification, ../shared/reference/networkpolicy.md) is built into a cluster and each expected
// verdict is checked against the engine's evaluate() and matrix(). Known gaps are data in
// test/scenarios/known-gaps.yaml, reported as skipped with their reason; see test/scenarios/README.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildCluster, BuiltCluster } from '../controllers/cluster.js';
import { FixedClock } from '../core/clock.js';
import { formatProblem, InputError } from '../core/errors.js';
import { parseManifests } from '../core/manifests.js';
import { REPO_ROOT, TEST_NOW } from '../testing/cluster.js';
import { CONNECTIVITY_TEST_KIND, ConnectivityCase, parseConnectivityTests, resolveConnectivityTests, ResolvedCase } from './connectivity-test.js';
import { buildPolicyEngine } from './engine.js';
import { ReferenceIndex } from './references.js';
import { policySettingsFor } from './settings.js';
import type { ConnectionSet, ConnectivityMatrix, PolicyEngine, Protocol, Verdict } from './types.js';

const SCENARIO_ROOT = join(REPO_ROOT, 'test/scenarios');
const KNOWN_GAPS_FILE = join(SCENARIO_ROOT, 'known-gaps.yaml');

/** Scenario files, as paths relative to test/scenarios (e.g. `netpol/no-policy-allows-everything.yaml`), sorted. */
function scenarioFiles(dir = join(SCENARIO_ROOT, 'netpol'), out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) scenarioFiles(p, out);
    else if (name.endsWith('.yaml')) out.push(relative(SCENARIO_ROOT, p));
  }
  return out;
}

interface Scenario {
  file: string;
  cluster: BuiltCluster;
  cases: ResolvedCase[];
}

const messageOf = (e: unknown): string => (e instanceof InputError ? e.problems.map(formatProblem).join('\n') : e instanceof Error ? e.message : String(e));

/** Parses and builds a scenario and resolves its cases with the same code as `flatnet test`; throws on any problem. */
function loadScenario(file: string): Scenario {
  const { docs, problems } = parseManifests(readFileSync(join(SCENARIO_ROOT, file), 'utf8'), file);
  if (problems.length > 0) throw new InputError(problems);
  const cluster = buildCluster(docs, { clock: new FixedClock(TEST_NOW) });
  const parsed = parseConnectivityTests(cluster.flatnetDocs);
  if (parsed.problems.length > 0) throw new InputError(parsed.problems);
  return { file, cluster, cases: resolveConnectivityTests(parsed.tests, new ReferenceIndex(cluster.objects)) };
}

/** How a case is named in failures and in known-gaps.yaml: `x/a -> y/b 80/TCP`, as written in the scenario. */
function caseLabel(c: Pick<ConnectivityCase, 'from' | 'to' | 'port' | 'protocol'>): string {
  return `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
}

interface KnownGap {
  scenario: string;
  case: string;
  reason: string;
}

function loadKnownGaps(): KnownGap[] {
  const doc = parseYaml(readFileSync(KNOWN_GAPS_FILE, 'utf8')) as { gaps?: unknown } | null;
  const gaps = doc?.gaps ?? [];
  assert.ok(Array.isArray(gaps), 'known-gaps.yaml: gaps must be a list');
  return gaps as KnownGap[];
}

/** Membership in a ConnectionSet, written here rather than imported so the oracle does not share code with the engine. */
function setAllows(s: ConnectionSet, protocol: Protocol, port: number): boolean {
  return s.all || (s.ranges[protocol] ?? []).some(([first, last]) => first <= port && port <= last);
}

function describeVerdict(v: Verdict): string {
  const lines = [`egress: ${v.egress.reason}`, `ingress: ${v.ingress.reason}`, ...v.notes.map((n) => `note: ${n}`)];
  return lines.map((l) => `    ${l}`).join('\n');
}

/** The matrix of a scenario, computed once and only when a case needs it; its pods indexed by `ns/name`. */
class LazyMatrix {
  private built?: { matrix: ConnectivityMatrix; index: Map<string, number> };
  constructor(private readonly engine: PolicyEngine) {}
  get(): { matrix: ConnectivityMatrix; index: Map<string, number> } {
    if (!this.built) {
      const matrix = this.engine.matrix();
      const index = new Map<string, number>();
      matrix.peers.forEach((p, i) => {
        if (p.kind === 'pod') index.set(`${p.namespace}/${p.name}`, i);
      });
      this.built = { matrix, index };
    }
    return this.built;
  }
}

const isTableCell = (c: ConnectivityCase) => c.field.startsWith('spec.truthTables[');

/**
 * Checks one case; returns its failures (none when it passes). The matrix must agree with the expectation for every
 * truth-table cell, and for any other pod-to-pod case whose two pods the matrix lists (named ports at their number).
 */
function checkCase(rc: ResolvedCase, engine: PolicyEngine, matrix: LazyMatrix): string[] {
  const c = rc.case;
  const where = `${c.field} ${caseLabel(c)}`;
  let verdict: Verdict;
  try {
    verdict = engine.evaluate(rc.connection.query);
  } catch (e) {
    return [`${where}: evaluate threw: ${messageOf(e)}`];
  }
  const failures: string[] = [];
  const actual = verdict.allowed ? 'allowed' : 'denied';
  if (actual !== c.expect) failures.push(`${where}: expected ${c.expect}, engine says ${actual}\n${describeVerdict(verdict)}`);
  const { from, to, protocol } = rc.connection.query;
  // A named port is checked in the matrix at the number it resolves to on the destination pod.
  const port = typeof rc.connection.query.port === 'number' ? rc.connection.query.port : verdict.resolvedPort;
  if (from.kind !== 'pod' || to.kind !== 'pod' || port === undefined) return failures;
  const fromKey = `${from.namespace}/${from.name}`;
  const toKey = `${to.namespace}/${to.name}`;
  if (fromKey === toKey) return failures;
  let m: ReturnType<LazyMatrix['get']>;
  try {
    m = matrix.get();
  } catch (e) {
    return [...failures, `${where}: matrix() threw: ${messageOf(e)}`];
  }
  const i = m.index.get(fromKey);
  const j = m.index.get(toKey);
  if (i === undefined || j === undefined) {
    if (isTableCell(c)) failures.push(`${where}: matrix() has no row or column for ${i === undefined ? fromKey : toKey}`);
    return failures;
  }
  const inMatrix = setAllows(m.matrix.connections(i, j), protocol, port);
  if (inMatrix !== (c.expect === 'allowed'))
    failures.push(`${where}: expected ${c.expect}, but matrix() cell ${fromKey} -> ${toKey} ${inMatrix ? 'contains' : 'lacks'} ${port}/${protocol}`);
  return failures;
}

const files = scenarioFiles();
const knownGaps = loadKnownGaps();
const gapsByCase = new Map(knownGaps.map((g) => [`${g.scenario}\0${g.case}`, g]));

test('every scenario builds into a cluster and every case resolves to existing pods', () => {
  const problems: string[] = [];
  for (const file of files) {
    const tests = parseManifests(readFileSync(join(SCENARIO_ROOT, file), 'utf8'), file).docs.filter((d) => d.object.kind === CONNECTIVITY_TEST_KIND);
    const want = file.split('/').pop()!.replace(/\.yaml$/, '');
    if (tests.length !== 1 || tests[0].object.metadata.name !== want) problems.push(`${file}: want exactly one ConnectivityTest, named ${want}`);
    for (const d of tests) problems.push(...tableShapeProblems(file, d.object.spec?.truthTables));
    try {
      if (loadScenario(file).cases.length === 0) problems.push(`${file}: no cases`);
    } catch (e) {
      problems.push(`${file}: ${messageOf(e)}`);
    }
  }
  assert.deepEqual(problems, []);
});

/**
 * The oracle's tables are complete: `-` exactly on the diagonal (a pod to itself is not checked, kubernetes#95879)
 * and `.` or `X` everywhere else, so no pair is left unchecked by accident.
 */
function tableShapeProblems(file: string, tables: unknown): string[] {
  if (!Array.isArray(tables)) return [];
  const out: string[] = [];
  tables.forEach((t: { rows?: unknown }, k) => {
    const rows = typeof t.rows === 'string' ? t.rows.split('\n').filter((l) => l.trim() !== '') : [];
    rows.forEach((line, r) =>
      line
        .trim()
        .split(/\s+/)
        .forEach((cell, col) => {
          const ok = r === col ? cell === '-' : cell === '.' || cell === 'X';
          if (!ok) out.push(`${file}: spec.truthTables[${k}].rows[${r}][${col}] is "${cell}": want ${r === col ? '-' : '. or X'}`);
        }),
    );
  });
  return out;
}

test('README.md lists every scenario, and its ConnectivityTest example is valid', () => {
  const readme = readFileSync(join(SCENARIO_ROOT, 'README.md'), 'utf8');
  const listed = [...readme.matchAll(/^- `([a-z0-9-]+\.yaml)`$/gm)].map((m) => m[1]).sort();
  assert.deepEqual(listed, files.map((f) => f.split('/').pop()!).sort());
  const example = /```yaml\n(apiVersion: flatnet\/v1alpha1\nkind: ConnectivityTest\n[\s\S]*?)```/.exec(readme);
  assert.ok(example, 'README.md has a ConnectivityTest example');
  const { docs, problems } = parseManifests(example[1], 'README.md');
  assert.deepEqual(problems, []);
  const parsed = parseConnectivityTests(docs);
  assert.deepEqual(parsed.problems.map(formatProblem), []);
  assert.equal(parsed.tests[0].cases.length, 2 + 6);
});

test('known-gaps.yaml names existing scenarios and cases, each with a reason', () => {
  const problems: string[] = [];
  for (const [i, g] of knownGaps.entries()) {
    if (!g || typeof g.reason !== 'string' || g.reason.trim() === '') problems.push(`gaps[${i}]: reason is required`);
    if (!files.includes(g?.scenario)) {
      problems.push(`gaps[${i}]: no scenario ${g?.scenario}`);
      continue;
    }
    const labels = loadScenario(g.scenario).cases.map((rc) => caseLabel(rc.case));
    if (!labels.includes(g.case)) problems.push(`gaps[${i}]: ${g.scenario} has no case "${g.case}" (cases are named like "${labels[0]}")`);
  }
  assert.deepEqual(problems, []);
});

for (const file of files) {
  test(file, async (t) => {
    const s = loadScenario(file);
    const engine = buildPolicyEngine(s.cluster.objects, policySettingsFor(s.cluster.config));
    const matrix = new LazyMatrix(engine);
    const failures: string[] = [];
    for (const rc of s.cases) {
      const label = caseLabel(rc.case);
      const caseFailures = checkCase(rc, engine, matrix);
      const gap = gapsByCase.get(`${file}\0${label}`);
      if (!gap) failures.push(...caseFailures);
      else if (caseFailures.length === 0) failures.push(`${rc.case.field} ${label}: listed in known-gaps.yaml but passes now; remove the entry`);
      else await t.test(`known gap: ${label}`, { skip: gap.reason }, () => {});
    }
    assert.ok(failures.length === 0, `${failures.length} case(s) of ${file} disagree with the specification:\n${failures.join('\n')}`);
  });
}

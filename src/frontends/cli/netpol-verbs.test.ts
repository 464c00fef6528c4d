// The NetworkPolicy verbs on the demo cluster: `can` verdicts and exit codes, `matrix` in every format, `test` with
// passing, failing and broken ConnectivityTests, and `diff` of a change — goldens plus checks of their meaning.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runCli } from '../../testing/cli.js';
import { assertGolden } from '../../testing/golden.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const GOLDEN = join(REPO_ROOT, 'src/frontends/cli/testdata/netpol');
/** Paths relative to the repository root, so goldens that print them do not depend on where it is checked out. */
const rel = (p: string) => relative(process.cwd(), p) || '.';

const tempDirs: string[] = [];
after(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the demo's manifests (not its ConnectivityTests) in a temp dir, edited and extended. */
function demoCopy(opts: { edit?: (file: string, text: string) => string; extra?: Record<string, string> } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-netpol-'));
  tempDirs.push(dir);
  for (const f of readdirSync(DEMO).filter((f) => f.endsWith('.yaml') && f !== 'connectivity-tests.yaml')) {
    const text = readFileSync(join(DEMO, f), 'utf8');
    writeFileSync(join(dir, f), opts.edit ? opts.edit(f, text) : text);
  }
  for (const [f, text] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, f), text);
  return dir;
}

/** Drops the YAML document that defines `name` from a multi-document file. */
const withoutDocument = (text: string, name: string) =>
  text
    .split(/\n---\n/)
    .filter((d) => !new RegExp(`^  name: ${name}$`, 'm').test(d))
    .join('\n---\n');

const BACKEND = 'production/backend-6d8fcc97bf-4dvpg';

test('can: the frontend reaches the backend on 8080, allowed by allow-frontend-to-backend (exit 0)', async () => {
  const r = await runCli(['can', 'production/deploy/frontend', 'production/deploy/backend', '--port', '8080', '-f', DEMO]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], `allowed: production/frontend-8545b95d86-nlq6t → ${BACKEND} on 8080/TCP`);
  assert.match(r.stdout, /^ {2}production\/allow-frontend-to-backend ingress\[0\]:\n {4}from\[0\]: \{podSelector: \{matchLabels: \{app: frontend\}\}\}\n {4}ports\[0\]: \{protocol: TCP, port: 8080\}$/m);
  assertGolden(join(GOLDEN, 'can-allowed.txt'), r.stdout);
});

test('can: monitoring does not reach the backend, and both isolating policies are named (exit 1)', async () => {
  const r = await runCli(['can', 'production/deploy/monitoring', 'production/deploy/backend', '--port', '8080', '-f', DEMO]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout.split('\n')[0], `denied: production/monitoring-65fbb694f4-8grtw → ${BACKEND} on 8080/TCP`);
  assert.match(r.stdout, /isolated for ingress by \[production\/allow-frontend-to-backend, production\/deny-all-ingress\] and none allows/);
  assertGolden(join(GOLDEN, 'can-denied.txt'), r.stdout);
});

test('can: a named port resolves on the destination pod', async () => {
  const r = await runCli(['can', 'production/frontend-8545b95d86-nlq6t', BACKEND, '--port', 'http', '-f', DEMO]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], `allowed: production/frontend-8545b95d86-nlq6t → ${BACKEND} on 8080/TCP (port "http")`);
});

test('can: through a Service, the verdict is the backend pod on the targetPort, and the output says so', async () => {
  const r = await runCli(['can', 'production/deploy/monitoring', 'production/svc/backend', '--port', 'http', '-f', DEMO]);
  assert.equal(r.code, 1, r.stderr);
  assertGolden(join(GOLDEN, 'can-service.txt'), r.stdout);
  assert.match(r.stdout, /NetworkPolicy applies after the Service's DNAT/);
});

test('can: bare pod names take -n; UDP is not TCP; -o json carries the rule reference', async () => {
  const udp = await runCli(['can', 'frontend-8545b95d86-nlq6t', 'backend-6d8fcc97bf-4dvpg', '-n', 'production', '--port', '8080', '--protocol', 'udp', '-f', DEMO]);
  assert.equal(udp.code, 1, udp.stderr);
  const json = await runCli(['can', 'production/deploy/frontend', 'production/deploy/backend', '--port', '8080', '-o', 'json', '-f', DEMO]);
  assert.equal(json.code, 0, json.stderr);
  const v = JSON.parse(json.stdout);
  assert.equal(v.allowed, true);
  assert.deepEqual(v.ingress.allowedBy, [{ policy: 'production/allow-frontend-to-backend', direction: 'Ingress', rule: 0, peer: 0, port: 0 }]);
  assert.deepEqual(v.ingress.isolatingPolicies, ['production/allow-frontend-to-backend', 'production/deny-all-ingress']);
});

const canErrors = [
  {
    name: 'an unknown pod is exit 2 with the reference and the reason',
    args: ['production/deploy/frontend', 'production/nope', '--port', '8080'],
    stderr: 'error: TO "production/nope": no pod "nope" in namespace "production"\n',
  },
  {
    name: 'a kind written as a namespace gets a hint',
    args: ['deploy/frontend', 'production/deploy/backend', '--port', '8080'],
    stderr: 'error: FROM "deploy/frontend": no namespace "deploy"; to name a Deployment write <ns>/deploy/frontend\n',
  },
  {
    name: 'a port name the destination does not declare is an error, not a denial',
    args: ['production/deploy/frontend', 'production/deploy/backend', '--port', 'htp'],
    stderr: `error: --port "htp": pod ${BACKEND} declares no container port named "htp" (it declares: http 8080/TCP)\n`,
  },
  {
    name: 'an unknown protocol is a usage error',
    args: ['production/deploy/frontend', 'production/deploy/backend', '--port', '8080', '--protocol', 'ICMP'],
    stderr: 'error: --protocol "ICMP": must be one of TCP, UDP, SCTP\n',
  },
];

for (const tc of canErrors) {
  test(`can: ${tc.name}`, async () => {
    const r = await runCli(['can', ...tc.args, '-f', DEMO]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', tc.stderr]);
  });
}

for (const format of ['txt', 'json', 'csv', 'md', 'dot']) {
  test(`matrix -n production -o ${format} matches its golden file`, async () => {
    const r = await runCli(['matrix', '-n', 'production', '-o', format, '-f', DEMO]);
    assert.equal(r.code, 0, r.stderr);
    assertGolden(join(GOLDEN, `matrix-production.${format}`), r.stdout);
  });
}

test('matrix lists exactly the allowed pairs between production workloads', async () => {
  const r = await runCli(['matrix', '-n', 'production', '-o', 'json', '-f', DEMO]);
  const internal = JSON.parse(r.stdout).filter((e: { src: string; dst: string }) => e.src.startsWith('production/') && e.dst.startsWith('production/'));
  assert.deepEqual(internal, [{ src: 'production/frontend[Deployment]', dst: 'production/backend[Deployment]', conn: 'TCP 8080' }]);
  const table = await runCli(['matrix', '-n', 'production', '--port', '8080', '-f', DEMO]);
  assert.match(table.stdout, /^3 \. \. # X {2}production\/frontend-8545b95d86-nlq6t$/m);
});

test('test: the demo ConnectivityTests pass (exit 0)', async () => {
  const r = await runCli(['test', '-f', rel(DEMO)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertGolden(join(GOLDEN, 'test-demo.txt'), r.stdout);
  assert.equal(r.stdout.trimEnd().split('\n').pop(), '7 passed, 0 failed');
});

const mixedTests = `apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: mixed}
spec:
  cases:
  - {from: production/deploy/frontend, to: production/deploy/backend, port: 8080, expect: allowed}
  - {from: production/deploy/monitoring, to: production/deploy/backend, port: 8080, expect: allowed}
  truthTables:
  - port: 8080
    pods: [production/deploy/frontend, production/deploy/backend, production/deploy/monitoring]
    rows: |
      - . X
      X - X
      X . -
`;

test('test: a failing case prints FAIL with the explanation, the tally, and exits 1', async () => {
  const dir = demoCopy({ extra: { 'tests.yaml': mixedTests } });
  const r = await runCli(['test', '-f', dir]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.pop(), '6 passed, 2 failed');
  assert.ok(lines.includes('  PASS  spec.cases[0]: production/deploy/frontend → production/deploy/backend on 8080/TCP: allowed'));
  assert.ok(lines.includes('  FAIL  spec.cases[1]: production/deploy/monitoring → production/deploy/backend on 8080/TCP: expected allowed, got denied'));
  assert.ok(lines.includes('  FAIL  spec.truthTables[0].rows[2][1]: production/deploy/monitoring → production/deploy/backend on 8080/TCP: expected allowed, got denied'));
  assert.ok(lines.includes(`        denied: production/monitoring-65fbb694f4-8grtw → ${BACKEND} on 8080/TCP`));
  assert.equal(lines.filter((l) => l.startsWith('  PASS  spec.truthTables[0]')).length, 5);
});

test('test -o json gives every case with its verdict, and the explanation of failures', async () => {
  const dir = demoCopy({ extra: { 'tests.yaml': mixedTests } });
  const r = await runCli(['test', '-o', 'json', '-f', dir]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.passed, out.failed, out.cases.length], [6, 2, 8]);
  const [pass, fail] = out.cases;
  assert.deepEqual([pass.pass, pass.actual, pass.explanation], [true, 'allowed', undefined]);
  assert.deepEqual([fail.test, fail.field, fail.expect, fail.actual, fail.pass], ['mixed', 'spec.cases[1]', 'allowed', 'denied', false]);
  assert.equal(fail.verdict.ingress.allowed, false);
  assert.equal(fail.explanation[0], `denied: production/monitoring-65fbb694f4-8grtw → ${BACKEND} on 8080/TCP`);
});

test('test: an unknown reference is exit 2 naming the file, the test, the case and the reference', async () => {
  const dir = demoCopy({
    extra: {
      'tests.yaml': `apiVersion: flatnet/v1alpha1
kind: ConnectivityTest
metadata: {name: broken}
spec:
  cases:
  - {from: production/deploy/frontend, to: production/deploy/backend, port: 8080, expect: allowed}
  - {from: production/deploy/frontend, to: production/deploy/nope, port: 8080, expect: allowed}
  - {from: production/deploy/frontend, to: production/svc/backend, port: 9090, expect: denied}
`,
    },
  });
  const r = await runCli(['test', '-f', join(dir, 'tests.yaml'), '-f', dir]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const file = join(dir, 'tests.yaml');
  assert.equal(
    r.stderr,
    `${file} doc 1: ConnectivityTest broken: spec.cases[1].to: Invalid value: "production/deploy/nope": no Deployment "nope" in namespace "production"\n` +
      `${file} doc 1: ConnectivityTest broken: spec.cases[2].port: Invalid value: 9090: Service production/backend has no port 9090/TCP (it has: http 8080/TCP)\n` +
      '2 error(s) in the input\n',
  );
});

test('test: an invalid ConnectivityTest is exit 2; inputs without any are a usage error', async () => {
  const dir = demoCopy({ extra: { 'tests.yaml': 'apiVersion: flatnet/v1alpha1\nkind: ConnectivityTest\nmetadata: {name: t}\nspec:\n  cases:\n  - {from: a/b, to: c/d, port: 80, expect: yes}\n' } });
  const bad = await runCli(['test', '-f', dir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /tests\.yaml doc 1: ConnectivityTest t: spec\.cases\[0\]\.expect: Unsupported value: true: supported values: "allowed", "denied"\n/);
  const none = await runCli(['test', '-f', demoCopy()]);
  assert.deepEqual([none.code, none.stderr], [2, 'error: no ConnectivityTest documents in the inputs (apiVersion: flatnet/v1alpha1, kind: ConnectivityTest)\n']);
});

const withoutAllow = () => demoCopy({ edit: (f, t) => (f === 'production.yaml' ? withoutDocument(t, 'allow-frontend-to-backend') : t) });

for (const format of ['txt', 'json', 'md']) {
  test(`diff: removing allow-frontend-to-backend removes frontend → backend, naming the policy (-o ${format})`, async () => {
    const r = await runCli(['diff', '-f', DEMO, '--against', withoutAllow(), '-o', format]);
    assert.equal(r.code, 0, r.stderr);
    assertGolden(join(GOLDEN, `diff-without-allow.${format}`), r.stdout);
  });
}

test('diff: the entries say what changed and which policy did it', async () => {
  const r = await runCli(['diff', '-f', DEMO, '--against', withoutAllow(), '-o', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), [
    {
      type: 'removed',
      src: 'production/frontend[Deployment]',
      dst: 'production/backend[Deployment]',
      old: 'TCP 8080',
      new: 'No Connections',
      workloads: '',
      sample: { port: 8080, protocol: 'TCP', gained: false },
      policies: [{ policy: 'production/allow-frontend-to-backend', object: 'removed', role: 'no longer allows', direction: 'Ingress' }],
    },
  ]);
  const back = await runCli(['diff', '-f', withoutAllow(), '--against', DEMO, '--exit-code']);
  assert.equal(back.code, 1);
  assert.match(back.stdout, /diff-type: added, source: production\/frontend\[Deployment\], destination: production\/backend\[Deployment\], old: No Connections, new: TCP 8080\n {2}policies: production\/allow-frontend-to-backend \(added\) now allows 8080\/TCP \(ingress of the destination\)/);
});

test('diff: no change prints so and exits 0 even with --exit-code', async () => {
  const r = await runCli(['diff', '-f', DEMO, '--against', demoCopy(), '--exit-code']);
  assert.deepEqual([r.code, r.stdout], [0, 'No connectivity changes.\n']);
});

test('diff: a new ipBlock egress policy shows per address range, on one common partition of both sides', async () => {
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: monitoring-egress, namespace: production}
spec:
  podSelector: {matchLabels: {app: monitoring}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
    ports: [{port: 443}]
`;
  const r = await runCli(['diff', '-f', DEMO, '--against', demoCopy({ extra: { 'egress.yaml': policy } }), '-n', 'production']);
  assert.equal(r.code, 0, r.stderr);
  const entries = r.stdout.split('\n').filter((l) => l.startsWith('diff-type'));
  assert.deepEqual(entries, [
    'diff-type: removed, source: production/monitoring[Deployment], destination: 0.0.0.0-203.0.112.255, old: All Connections, new: No Connections',
    'diff-type: changed, source: production/monitoring[Deployment], destination: 203.0.113.0-203.0.113.255, old: All Connections, new: TCP 443',
    'diff-type: removed, source: production/monitoring[Deployment], destination: 203.0.114.0-255.255.255.255, old: All Connections, new: No Connections',
  ]);
  assert.match(r.stdout, /production\/monitoring-egress \(added\) now isolates the source for egress without allowing 1\/TCP/);
});

test('diff: problems of both inputs are reported together (exit 2)', async () => {
  const bad = (port: number) => demoCopy({ extra: { 'bad.yaml': `apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: ${port}}]}\n` } });
  const r = await runCli(['diff', '-f', bad(70000), '--against', bad(0)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /spec\.ports\[0\]\.port: Invalid value: 70000: .*\n.*spec\.ports\[0\]\.port: Invalid value: 0: .*\n2 error\(s\) in the input\n$/);
});

test('the README shows the real output of its can, matrix and diff examples', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  for (const golden of ['can-allowed.txt', 'can-denied.txt', 'matrix-production.txt', 'diff-without-allow.txt'])
    assert.ok(readme.includes(`\`\`\`\n${readFileSync(join(GOLDEN, golden), 'utf8')}\`\`\`\n`), `README.md shows ${golden} as it is`);
});

test('the README ConnectivityTest example passes on the demo', async () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.includes('kind: ConnectivityTest'));
  assert.ok(yaml, 'README.md has a ConnectivityTest example');
  const r = await runCli(['test', '-f', demoCopy({ extra: { 'readme-test.yaml': yaml } })]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').pop(), '7 passed, 0 failed');
});

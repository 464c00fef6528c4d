// `flatnet dns` on the demo cluster: golden reports of lookups from pods (resolv.conf, every query, each answer, the
// result) and straight to the cluster DNS, with exit codes 0 resolved, 1 not, 2 bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runCli } from '../../testing/cli.js';
import { assertGolden } from '../../testing/golden.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const GOLDEN = join(REPO_ROOT, 'src/frontends/cli/testdata/dns');
const DEBUG = ['--from', 'default/deploy/debug'];

const goldenCases = [
  { name: 'my-api-from-debug', args: ['my-api', ...DEBUG], code: 0 },
  { name: 'kubernetes-default-from-debug', args: ['kubernetes.default', ...DEBUG], code: 0 },
  { name: 'redis-fqdn-from-debug', args: ['redis.cache.svc.cluster.local', ...DEBUG], code: 0 },
  { name: 'headless-from-debug', args: ['my-statefulset-headless', ...DEBUG], code: 0 },
  { name: 'google-com-from-debug', args: ['google.com', ...DEBUG], code: 1 },
  { name: 'statefulset-srv-from-pod1', args: ['my-statefulset-headless', '--type', 'SRV', '--from', 'default/pod1'], code: 0 },
  { name: 'redis-srv-glibc', args: ['_redis._tcp.redis.cache', '--type', 'srv', ...DEBUG], code: 0 },
  { name: 'redis-srv-musl', args: ['_redis._tcp.redis.cache', '--type', 'SRV', ...DEBUG, '--resolver', 'musl'], code: 1 },
  { name: 'my-api-from-host-network-pod', args: ['my-api', '--from', 'kube-system/ds/kube-proxy'], code: 1 },
  { name: 'my-api-direct', args: ['my-api.default.svc.cluster.local'], code: 0 },
  { name: 'ptr-direct', args: ['10.96.0.10', '--type', 'PTR'], code: 0 },
];

for (const tc of goldenCases)
  test(`dns ${tc.args.join(' ')} on the demo matches its golden file`, async () => {
    const r = await runCli(['dns', ...tc.args, '-f', DEMO]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, tc.code);
    assertGolden(join(GOLDEN, `${tc.name}.txt`), r.stdout);
  });

test('the report shows the pod resolv.conf and the answering record', async () => {
  const r = await runCli(['dns', 'my-api', ...DEBUG, '-f', DEMO]);
  assert.match(r.stdout, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\noptions ndots:5$/m);
  const svc = JSON.parse((await runCli(['get', 'svc', 'my-api', '-o', 'json', '-f', DEMO])).stdout);
  assert.match(r.stdout, new RegExp(`^my-api\\.default\\.svc\\.cluster\\.local\\.\\t5\\tIN\\tA\\t${svc.spec.clusterIP.replaceAll('.', '\\.')}$`, 'm'));
});

const badInput = [
  { args: ['my-api', '--from', 'default/nope'], err: 'error: --from "default/nope": Pod default/nope not found\n' },
  { args: ['my-api', '--from', 'default/deploy/nope'], err: 'error: --from "default/deploy/nope": Deployment default/nope not found\n' },
  { args: ['my-api', '--from', 'a/b/c/d'], err: 'error: --from "a/b/c/d": expected NS/POD, POD or [NS/]KIND/NAME with KIND one of pod, deploy, sts, ds, rs\n' },
  { args: ['my-api', '--type', 'MX'], err: 'error: --type "MX": must be one of A, AAAA, SRV, PTR, CNAME, TXT, ANY\n' },
  { args: ['my-api', '--resolver', 'bionic'], err: 'error: --resolver "bionic": must be one of glibc, musl\n' },
];

for (const c of badInput)
  test(`dns ${c.args.join(' ')} is bad input: exit 2 with the reason`, async () => {
    const r = await runCli(['dns', ...c.args, '-f', DEMO]);
    assert.deepEqual([r.code, r.stderr, r.stdout], [2, c.err, '']);
  });

const impossibleNames = [
  { name: 'a name with an empty label is a usage error', arg: 'my-api..default', want: 'error: NAME "my-api..default": has an empty label\n' },
  { name: 'a label over 63 characters is a usage error', arg: `${'a'.repeat(64)}.com`, want: `error: NAME "${'a'.repeat(64)}.com": has a label longer than 63 characters\n` },
  { name: 'a name over 253 characters is a usage error', arg: Array(60).fill('abcd').join('.'), want: 'is longer than 253 characters' },
];

for (const tc of impossibleNames) {
  test(tc.name, async () => {
    const r = await runCli(['dns', tc.arg, '-f', DEMO]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(tc.want), r.stderr);
  });
}

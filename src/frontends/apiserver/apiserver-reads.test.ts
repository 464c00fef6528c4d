// The real kubectl reading the demo cluster through the API server: the seed walkthrough's `get` commands against
// golden files, each equal to what `flatnet get` prints for the same objects (both use the same printers and clock),
// plus selectors, jsonpath, sorting, JSON objects and NotFound.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FixedClock } from '../../core/clock.js';
import { runCli } from '../../testing/cli.js';
import { REPO_ROOT, TEST_NOW } from '../../testing/cluster.js';
import { assertGolden } from '../../testing/golden.js';
import { ApiHarness, startApiHarness } from '../../testing/kubectl.js';

const DEMO = join(REPO_ROOT, 'examples/demo');
const GOLDEN = join(REPO_ROOT, 'src/frontends/apiserver/testdata/kubectl');

let h: ApiHarness;
before(async () => {
  h = await startApiHarness({ paths: [DEMO] }, new FixedClock(TEST_NOW));
});
after(() => h.dispose());

interface GetCase {
  name: string;
  kubectl: string[];
  /** The same query as `flatnet get` arguments (without -f), when flatnet has it. */
  flatnet?: string[];
}

const PODS_JSONPATH = '{range .items[*]}{"podName: "}{.metadata.name}{" podIP: "}{.status.podIP}{"\\n"}{end}';

const cases: GetCase[] = [
  { name: 'get-pods-wide', kubectl: ['get', 'pods', '-o', 'wide'], flatnet: ['get', 'pods', '-o', 'wide'] },
  { name: 'get-svc', kubectl: ['get', 'svc'], flatnet: ['get', 'svc'] },
  { name: 'get-svc-all-namespaces-wide', kubectl: ['get', 'svc', '--all-namespaces', '-o', 'wide'], flatnet: ['get', 'svc', '-A', '-o', 'wide'] },
  { name: 'get-endpoints-my-api', kubectl: ['get', 'endpoints', 'my-api'], flatnet: ['get', 'endpoints', 'my-api'] },
  { name: 'get-endpoints-all-namespaces', kubectl: ['get', 'endpoints', '--all-namespaces'], flatnet: ['get', 'endpoints', '-A'] },
  { name: 'kube-system-get-svc-kube-dns', kubectl: ['-n', 'kube-system', 'get', 'svc', 'kube-dns'], flatnet: ['get', 'svc', 'kube-dns', '-n', 'kube-system'] },
  { name: 'kube-system-get-pods-kube-dns', kubectl: ['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns'], flatnet: ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns'] },
  { name: 'get-networkpolicies-production', kubectl: ['get', 'networkpolicies', '-n', 'production'], flatnet: ['get', 'networkpolicies', '-n', 'production'] },
  { name: 'get-ingress', kubectl: ['get', 'ingress'], flatnet: ['get', 'ingress'] },
  { name: 'get-nodes-wide', kubectl: ['get', 'nodes', '-o', 'wide'], flatnet: ['get', 'nodes', '-o', 'wide'] },
  { name: 'get-all-production', kubectl: ['get', 'all', '-n', 'production'], flatnet: ['get', 'all', '-n', 'production'] },
  { name: 'get-pods-svc-show-labels', kubectl: ['get', 'pods,svc', '--show-labels', '-l', 'app in (my-api,pod1)'], flatnet: ['get', 'pods,svc', '--show-labels', '-l', 'app in (my-api,pod1)'] },
  { name: 'get-nodes-podcidr-jsonpath', kubectl: ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.podCIDR}{"\\n"}{end}'] },
  { name: 'get-pods-podip-jsonpath', kubectl: ['get', 'pods', `-o=jsonpath=${PODS_JSONPATH}`] },
];

for (const c of cases)
  test(`kubectl ${c.kubectl.join(' ')} prints the golden output${c.flatnet ? ', the same as flatnet get' : ''}`, async () => {
    const r = await h.kubectl(c.kubectl);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGolden(join(GOLDEN, `${c.name}.txt`), r.stdout);
    if (c.flatnet) {
      const cli = await runCli([...c.flatnet, '-f', DEMO]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(r.stdout, cli.stdout);
    }
  });

test('the podCIDR jsonpath lists every node of the store with its podCIDR', async () => {
  const r = await h.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.podCIDR}{"\\n"}{end}']);
  const want = h.manager.store.list('Node').map((n) => `${n.metadata.name}\t${n.spec.podCIDR}\n`);
  assert.equal(r.stdout, want.join(''));
  assert.match(r.stdout, /^node-1\t10\.244\.1\.0\/24$/m);
});

test('a field selector lists exactly the pods the store has on that node, across namespaces', async () => {
  const r = await h.kubectl(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-1,status.phase=Running', '-o', 'name']);
  const want = h.manager.store.list('Pod').filter((p) => p.spec.nodeName === 'node-1' && p.status.phase === 'Running');
  assert.ok(want.length > 3);
  assert.equal(r.stdout, want.map((p) => `pod/${p.metadata.name}\n`).join(''));
});

test('an unsupported field selector and a missing object are errors from the server', async () => {
  const bad = await h.kubectl(['get', 'svc', '--field-selector', 'spec.nodeName=node-1']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Error from server (BadRequest): Unable to find "/v1, Resource=services" that match label selector "", field selector "spec.nodeName=node-1": field label not supported: spec.nodeName\n');
  const missing = await h.kubectl(['get', 'pod', 'nosuch']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error from server (NotFound): pods "nosuch" not found\n');
  const grouped = await h.kubectl(['get', 'deploy', 'nosuch', '-n', 'production']);
  assert.equal(grouped.stderr, 'Error from server (NotFound): deployments.apps "nosuch" not found\n');
});

test('-o json of one object is the stored object, and --sort-by sorts by a field of the full objects', async () => {
  const r = await h.kubectl(['get', 'pod', 'pod1', '-o', 'json']);
  assert.deepEqual(JSON.parse(r.stdout), h.manager.store.get('Pod', 'default', 'pod1'));
  const sorted = await h.kubectl(['get', 'pods', '-A', '--sort-by=.status.hostIP', '--no-headers', '-o', 'custom-columns=HOST:.status.hostIP']);
  const hosts = sorted.stdout.trim().split('\n');
  assert.equal(hosts.length, h.manager.store.list('Pod').length);
  assert.deepEqual(hosts, [...hosts].sort());
});

test('listing a namespace that does not exist is empty, not an error', async () => {
  const r = await h.kubectl(['get', 'pods', '-n', 'nosuch']);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, 'No resources found in nosuch namespace.\n');
});

test("the kube-proxy ConfigMap tells kubectl the proxy mode, as the walkthrough greps it", async () => {
  const r = await h.kubectl(['-n', 'kube-system', 'get', 'cm', 'kube-proxy', '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter((l) => /^\s*mode:/.test(l)).map((l) => l.trim()), [`mode: "${h.manager.cluster!.config.proxyMode}"`]);
});

// Tests of the three PATCH bodies kube-apiserver accepts: strategic merge patch (cases re-expressed in Kubernetes
// objects from the fixtures of k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go, plus the bodies kubectl
// sends), JSON patch (RFC 6902 appendix A shapes, evanphx/json-patch failures) and JSON merge patch (RFC 7386).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonMergePatch, jsonPatch, PatchError, strategicMergePatch } from './strategic-merge-patch.js';
import { knowsPatchMeta } from './patch-meta.js';

type Obj = Record<string, unknown>;

/** A Deployment whose pod template has this spec (the path kubectl apply patches most), plus other spec fields. */
function deploy(podSpec: Obj, spec: Obj = {}): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { ...spec, template: { spec: podSpec } } };
}
const inTemplate = (podSpec: Obj): Obj => ({ spec: { template: { spec: podSpec } } });

interface MergeCase {
  name: string;
  kind?: string;
  apiVersion?: string;
  original: Obj;
  patch: Obj;
  want: Obj;
}

const mergeCases: MergeCase[] = [
  {
    name: 'a container matched by name gets the new image; its other fields and the other container stay',
    original: deploy({ containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }, { name: 'log', image: 'busybox' }] }),
    patch: inTemplate({ containers: [{ name: 'web', image: 'nginx:1.28' }] }),
    want: deploy({ containers: [{ name: 'web', image: 'nginx:1.28', imagePullPolicy: 'IfNotPresent' }, { name: 'log', image: 'busybox' }] }),
  },
  {
    // mergeSortedSlice: an element absent from the live list sorts before the server-only elements.
    name: 'a container the live object lacks is added, ahead of the existing ones when no $setElementOrder is sent',
    original: deploy({ containers: [{ name: 'web', image: 'nginx' }] }),
    patch: inTemplate({ containers: [{ name: 'side', image: 'envoy' }] }),
    want: deploy({ containers: [{ name: 'side', image: 'envoy' }, { name: 'web', image: 'nginx' }] }),
  },
  {
    name: '$patch: delete removes the container with that name',
    original: deploy({ containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'envoy' }] }),
    patch: inTemplate({ containers: [{ $patch: 'delete', name: 'side' }] }),
    want: deploy({ containers: [{ name: 'web', image: 'nginx' }] }),
  },
  {
    name: '$patch: delete of a container the live object lacks changes nothing',
    original: deploy({ containers: [{ name: 'web', image: 'nginx' }] }),
    patch: inTemplate({ containers: [{ $patch: 'delete', name: 'gone' }] }),
    want: deploy({ containers: [{ name: 'web', image: 'nginx' }] }),
  },
  {
    name: 'env merges by name: a changed value, a deleted variable and an added one',
    original: deploy({ containers: [{ name: 'web', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] }),
    patch: inTemplate({ containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }, { $patch: 'delete', name: 'A' }] }] }),
    want: deploy({ containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] }),
  },
  {
    name: 'null inside a merged list element deletes that field of the element',
    original: deploy({ containers: [{ name: 'web', image: 'nginx', imagePullPolicy: 'Always' }] }),
    patch: inTemplate({ containers: [{ name: 'web', imagePullPolicy: null }] }),
    want: deploy({ containers: [{ name: 'web', image: 'nginx' }] }),
  },
  {
    name: 'null deletes a label and a spec field; nulls for absent keys are dropped, not stored',
    original: { metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 2, paused: true } },
    patch: { metadata: { labels: { tier: null, nope: null } }, spec: { paused: null, template: { metadata: { labels: { a: null, b: 'x' } } } } },
    want: { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 2, template: { metadata: { labels: { b: 'x' } } } } },
  },
  {
    // patch_test.go "set elements order in a list with server-only items 2".
    name: '$setElementOrder reorders containers and keeps a server-added sidecar next to its old neighbour',
    original: deploy({ containers: [{ name: 'app' }, { name: 'proxy' }, { name: 'injected' }, { name: 'log' }, { name: 'metrics' }] }),
    patch: inTemplate({ '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'app' }, { name: 'metrics' }, { name: 'log' }] }),
    want: deploy({ containers: [{ name: 'proxy' }, { name: 'app' }, { name: 'injected' }, { name: 'metrics' }, { name: 'log' }] }),
  },
  {
    // patch_test.go "add an item in a list and preserve order".
    name: '$setElementOrder puts an added container where the order list says, server fields of the others kept',
    original: deploy({ containers: [{ name: 'app', image: 'a', stdin: true }, { name: 'log', image: 'b' }] }),
    patch: inTemplate({ '$setElementOrder/containers': [{ name: 'init' }, { name: 'app' }, { name: 'log' }], containers: [{ name: 'init', image: 'c' }] }),
    want: deploy({ containers: [{ name: 'init', image: 'c' }, { name: 'app', image: 'a', stdin: true }, { name: 'log', image: 'b' }] }),
  },
  {
    // patch_test.go "delete and reorder in one list, reorder in another".
    name: 'one patch deletes and reorders in one list and reorders another',
    original: deploy({ containers: [{ name: 'a' }, { name: 'b' }], volumes: [{ name: 'c', emptyDir: {} }, { name: 'd', emptyDir: {} }] }),
    patch: inTemplate({
      '$setElementOrder/containers': [{ name: 'b' }],
      '$setElementOrder/volumes': [{ name: 'd' }, { name: 'c' }],
      containers: [{ $patch: 'delete', name: 'a' }],
    }),
    want: deploy({ containers: [{ name: 'b' }], volumes: [{ name: 'd', emptyDir: {} }, { name: 'c', emptyDir: {} }] }),
  },
  {
    name: '$patch: replace in a list makes the rest of the patch list the whole list',
    original: deploy({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }),
    patch: inTemplate({ containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] }),
    want: deploy({ containers: [{ name: 'c', image: 'z' }] }),
  },
  {
    name: '$patch: replace on a map takes the patch map as the whole map',
    original: deploy({ nodeSelector: { disk: 'ssd', zone: 'a' }, containers: [] }),
    patch: inTemplate({ nodeSelector: { $patch: 'replace', zone: 'b' } }),
    want: deploy({ nodeSelector: { zone: 'b' }, containers: [] }),
  },
  {
    name: '$patch: delete on a map leaves it empty',
    original: { metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: 'b' } } },
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: { metadata: { name: 'web', labels: {}, annotations: { a: 'b' } } },
  },
  {
    name: 'lists without a patch strategy are replaced whole: container args, tolerations',
    original: deploy({ containers: [{ name: 'web', args: ['-a', '-b'] }], tolerations: [{ key: 'x', operator: 'Exists' }] }),
    patch: inTemplate({ containers: [{ name: 'web', args: ['-c'] }], tolerations: [{ key: 'y', operator: 'Exists' }] }),
    want: deploy({ containers: [{ name: 'web', args: ['-c'] }], tolerations: [{ key: 'y', operator: 'Exists' }] }),
  },
  {
    name: 'NetworkPolicy ingress rules are replaced, not merged',
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    original: { spec: { ingress: [{ from: [{ podSelector: {} }] }, { ports: [{ port: 80 }] }] } },
    patch: { spec: { ingress: [{ ports: [{ port: 443 }] }] } },
    want: { spec: { ingress: [{ ports: [{ port: 443 }] }] } },
  },
  {
    // patch_test.go "merge lists of scalars" (three-way result).
    name: 'finalizers merge as a set, ordered by $setElementOrder with server-only ones kept',
    kind: 'ConfigMap',
    apiVersion: 'v1',
    original: { metadata: { name: 'c', finalizers: ['a', 'b', 'd'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['a', 'b', 'c'], finalizers: ['c'] } },
    want: { metadata: { name: 'c', finalizers: ['a', 'b', 'c', 'd'] } },
  },
  {
    name: 'finalizers named again by a patch are not duplicated',
    kind: 'Secret',
    apiVersion: 'v1',
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['c', 'a'] } },
    want: { metadata: { finalizers: ['c', 'a', 'b'] } },
  },
  {
    // patch_test.go "delete items in lists of scalars" (three-way result).
    name: '$deleteFromPrimitiveList removes a finalizer, with $setElementOrder for the rest',
    kind: 'ConfigMap',
    apiVersion: 'v1',
    original: { metadata: { finalizers: ['a', 'b', 'c', 'd'] } },
    patch: { metadata: { '$setElementOrder/finalizers': ['a', 'b'], '$deleteFromPrimitiveList/finalizers': ['c'] } },
    want: { metadata: { finalizers: ['a', 'b', 'd'] } },
  },
  {
    name: '$deleteFromPrimitiveList of an absent item or on an absent list adds nothing',
    kind: 'ConfigMap',
    apiVersion: 'v1',
    original: { metadata: { finalizers: ['a'] }, data: { k: 'v' } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['z'] }, '$deleteFromPrimitiveList/other': ['q'] },
    want: { metadata: { finalizers: ['a'] }, data: { k: 'v' } },
  },
  {
    name: '$deleteFromPrimitiveList also works on a list without merge strategy (container args)',
    original: deploy({ containers: [{ name: 'web', args: ['-a', '-b', '-c'] }] }),
    patch: inTemplate({ containers: [{ name: 'web', '$deleteFromPrimitiveList/args': ['-b'] }] }),
    want: deploy({ containers: [{ name: 'web', args: ['-a', '-c'] }] }),
  },
  {
    // patch_test.go "retainKeys map should clear defaulted field with conflict (discriminated union)".
    name: '$retainKeys clears the rollingUpdate defaults when the strategy becomes Recreate',
    original: deploy({ containers: [] }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: deploy({ containers: [] }, { strategy: { type: 'Recreate' } }),
  },
  {
    name: '$retainKeys in a volume switches it from emptyDir to a configMap',
    original: deploy({ containers: [], volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] }),
    patch: inTemplate({ volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cfg' } }] }),
    want: deploy({ containers: [], volumes: [{ name: 'data', configMap: { name: 'cfg' } }, { name: 'tmp', emptyDir: {} }] }),
  },
  {
    // k8s.io/api Container.Ports: patchMergeKey is containerPort alone, so the protocol does not tell ports apart.
    name: 'a UDP port with the number of a TCP port merges into it (containerPort is the only merge key)',
    original: deploy({ containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'TCP' }] }] }),
    patch: inTemplate({ containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns-udp' }] }] }),
    want: deploy({ containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns-udp' }] }] }),
  },
  {
    name: 'Pod hostAliases merge by ip and ownerReferences by uid',
    kind: 'Pod',
    apiVersion: 'v1',
    original: { metadata: { ownerReferences: [{ uid: 'u1', name: 'rs-1' }] }, spec: { hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }] } },
    patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] }, spec: { hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }] } },
    want: { metadata: { ownerReferences: [{ uid: 'u1', name: 'rs-1', controller: true }] }, spec: { hostAliases: [{ ip: '10.0.0.1', hostnames: ['b'] }] } },
  },
  {
    name: 'Node status conditions merge by type',
    kind: 'Node',
    apiVersion: 'v1',
    original: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    want: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] } },
  },
  {
    name: 'a kind without strategy tags replaces its lists but still merges metadata finalizers',
    kind: 'Widget',
    apiVersion: 'example.com/v1',
    original: { metadata: { finalizers: ['x'] }, spec: { items: [{ name: 'a', v: 1 }] } },
    patch: { metadata: { finalizers: ['y'] }, spec: { items: [{ name: 'b' }] } },
    want: { metadata: { finalizers: ['y', 'x'] }, spec: { items: [{ name: 'b' }] } },
  },
  {
    name: 'directives and nulls inside a value added whole are not stored',
    original: deploy({ containers: [{ name: 'web' }] }),
    patch: inTemplate({ containers: [{ name: 'side', image: 'envoy', args: null, '$setElementOrder/env': [{ name: 'A' }], env: [{ name: 'A', value: '1' }, { $patch: 'delete', name: 'B' }] }] }),
    want: deploy({ containers: [{ name: 'side', image: 'envoy', env: [{ name: 'A', value: '1' }] }, { name: 'web' }] }),
  },
];

test('strategic merge patch merges as kube-apiserver does', async (t) => {
  for (const c of mergeCases) {
    await t.test(c.name, () => {
      const original = structuredClone(c.original);
      const patch = structuredClone(c.patch);
      assert.deepEqual(strategicMergePatch(original, patch, c.kind ?? 'Deployment', c.apiVersion ?? 'apps/v1'), c.want);
      assert.deepEqual(original, c.original, 'the original is not modified');
      assert.deepEqual(patch, c.patch, 'the patch is not modified');
    });
  }
});

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function manifest(replicas: number, image: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { annotations: {}, name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ image, name: 'web', ports: [{ containerPort: 80 }] }] } },
    },
  };
}

/** The Deployment as kube-apiserver stores it after the first apply: defaults, status and the last-applied annotation. */
function liveDeployment(replicas: number, image: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '6b1c',
      resourceVersion: '1015',
      generation: 1,
      annotations: { 'deployment.kubernetes.io/revision': '1', [LAST_APPLIED]: `${JSON.stringify(manifest(1, 'nginx:1.27'))}\n` },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image, ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', resources: {} },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { observedGeneration: 1, replicas: 1, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

test('the patch of a second kubectl apply changes replicas, the image and the annotation, and keeps server fields', () => {
  const next = `${JSON.stringify(manifest(3, 'nginx:1.28'))}\n`;
  // The body in ../shared/reference/kubectl-api.md §6.2: what kubectl sends after editing replicas and the image.
  const patch = {
    metadata: { annotations: { [LAST_APPLIED]: next } },
    spec: { replicas: 3, template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ image: 'nginx:1.28', name: 'web' }] } } },
  };
  const want = liveDeployment(3, 'nginx:1.28');
  (want.metadata as { annotations: Obj }).annotations[LAST_APPLIED] = next;
  assert.deepEqual(strategicMergePatch(liveDeployment(1, 'nginx:1.27'), patch, 'Deployment', 'apps/v1'), want);
});

test('kubectl apply removing a label, a Service port, an env var, a container port and a sidecar', () => {
  const service = {
    metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
    spec: {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    },
  };
  const servicePatch = {
    metadata: { labels: { tier: null } },
    spec: {
      '$setElementOrder/ports': [{ port: 9091 }, { port: 80 }],
      ports: [{ name: 'metrics2', port: 9091, targetPort: 9091 }, { port: 80, targetPort: 8081 }, { $patch: 'delete', port: 9090 }],
    },
  };
  assert.deepEqual(strategicMergePatch(service, servicePatch, 'Service', 'v1'), {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { clusterIP: '10.96.0.10', ports: [{ name: 'metrics2', port: 9091, targetPort: 9091 }, { name: 'http', port: 80, targetPort: 8081, protocol: 'TCP' }] },
  });

  const live = deploy({
    containers: [
      { name: 'web', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090, protocol: 'TCP' }] },
      { name: 'side', image: 'envoy' },
    ],
  });
  const deployPatch = inTemplate({
    '$setElementOrder/containers': [{ name: 'web' }],
    containers: [
      {
        '$setElementOrder/env': [{ name: 'B' }],
        '$setElementOrder/ports': [{ containerPort: 8080 }],
        env: [{ name: 'B', value: '3' }, { $patch: 'delete', name: 'A' }],
        name: 'web',
        ports: [{ $patch: 'delete', containerPort: 9090 }],
      },
      { $patch: 'delete', name: 'side' },
    ],
  });
  assert.deepEqual(
    strategicMergePatch(live, deployPatch, 'Deployment', 'apps/v1'),
    deploy({ containers: [{ name: 'web', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 8080, protocol: 'TCP' }] }] }),
  );
});

interface ErrorCase {
  name: string;
  original?: Obj;
  patch: unknown;
  code: number;
  reason: string;
  message: string | RegExp;
  detail?: string;
}

const errorCases: ErrorCase[] = [
  {
    name: 'a patch that is not a JSON object is a 400 from decoding',
    patch: [{ op: 'add' }],
    code: 400,
    reason: 'BadRequest',
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
  {
    // patch_test.go "should check if order in $setElementOrder and patch list match".
    name: 'a patch list out of $setElementOrder order is refused',
    original: deploy({ containers: [{ name: 'a' }, { name: 'c' }, { name: 'b' }] }),
    patch: inTemplate({ '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: 'x' }, { name: 'a', image: 'y' }] }),
    code: 500,
    reason: '',
    message: /^The order in patch list:\n\[map\[image:x name:c\] map\[image:y name:a\]\]\n doesn't match \$setElementOrder list:\n/,
  },
  {
    // patch_test.go "missing merge key should error out".
    name: 'a list element without its merge key is refused',
    original: deploy({ containers: [{ name: 'web' }] }),
    patch: inTemplate({ containers: [{ image: 'nginx' }] }),
    code: 500,
    reason: '',
    message: 'map: map[image:nginx] does not contain declared merge key: name',
  },
  {
    name: '$patch: merge in a list is refused',
    original: deploy({ containers: [{ name: 'web' }] }),
    patch: inTemplate({ containers: [{ $patch: 'merge' }] }),
    code: 500,
    reason: '',
    message: 'merging lists cannot yet be specified in the patch',
  },
  {
    name: 'an unknown $patch on a map is refused',
    original: { metadata: { labels: { a: 'b' } } },
    patch: { metadata: { labels: { $patch: 'frob', a: 'c' } } },
    code: 500,
    reason: '',
    message: 'unknown patch type: frob in map: map[$patch:frob a:c]',
  },
  {
    name: '$retainKeys must list every field the patch sets',
    original: deploy({}, { strategy: { type: 'RollingUpdate' } }),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    code: 400,
    reason: 'BadRequest',
    message: 'invalid patch format of retainKeys',
  },
  {
    name: '$deleteFromPrimitiveList without a field name is malformed',
    original: { metadata: { finalizers: ['a'] } },
    patch: { metadata: { $deleteFromPrimitiveList: ['a'] } },
    code: 400,
    reason: 'BadRequest',
    message: 'invalid patch format of primitive list',
  },
  {
    name: '$setElementOrder without a field name is malformed',
    original: { metadata: { finalizers: ['a'] } },
    patch: { metadata: { $setElementOrder: ['a'] } },
    code: 400,
    reason: 'BadRequest',
    message: 'invalid patch format of setElementOrder list',
  },
  {
    // sliceElementType checks the first element only for being a list.
    name: 'a list of lists in a merging list is a 422 with the generic message',
    original: { metadata: { finalizers: [] } },
    patch: { metadata: { finalizers: [['b']] } },
    code: 422,
    reason: 'Invalid',
    message: 'the server rejected our request due to an error in our request',
    detail: 'lists of lists are not supported',
  },
];

test('strategic merge patch refuses what kube-apiserver refuses, with its code and message', async (t) => {
  for (const c of errorCases) {
    await t.test(c.name, () => {
      assert.throws(
        () => strategicMergePatch(c.original ?? {}, c.patch, 'Deployment', 'apps/v1'),
        (e: unknown) => {
          assert.ok(e instanceof PatchError, String(e));
          assert.equal(e.code, c.code);
          assert.equal(e.reason, c.reason);
          if (typeof c.message === 'string') assert.equal(e.message, c.message);
          else assert.match(e.message, c.message);
          if (c.detail) assert.equal(e.detail, c.detail);
          return true;
        },
      );
    });
  }
});

test('a null strategic patch changes nothing', () => {
  const live = deploy({ containers: [{ name: 'web' }] });
  assert.deepEqual(strategicMergePatch(live, null, 'Deployment', 'apps/v1'), live);
});

test('strategy tags are known for the kinds in scope only, by apiVersion and kind', () => {
  const known = [
    ['Pod', 'v1'], ['Deployment', 'apps/v1'], ['StatefulSet', 'apps/v1'], ['DaemonSet', 'apps/v1'], ['ReplicaSet', 'apps/v1'],
    ['Job', 'batch/v1'], ['Service', 'v1'], ['Endpoints', 'v1'], ['EndpointSlice', 'discovery.k8s.io/v1'], ['ConfigMap', 'v1'],
    ['Secret', 'v1'], ['Namespace', 'v1'], ['Node', 'v1'], ['Ingress', 'networking.k8s.io/v1'],
    ['IngressClass', 'networking.k8s.io/v1'], ['NetworkPolicy', 'networking.k8s.io/v1'],
  ];
  for (const [kind, apiVersion] of known) assert.ok(knowsPatchMeta(kind, apiVersion), `${apiVersion} ${kind}`);
  assert.equal(knowsPatchMeta('Deployment', 'extensions/v1beta1'), false);
  assert.equal(knowsPatchMeta('Widget', 'example.com/v1'), false);
});

const pod = (): Obj => ({
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a', count: '1' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', args: ['-g', 'daemon off;'] }] },
});
const ARGS = '/spec/containers/0/args';

const jsonPatchCases: { name: string; ops: unknown[]; want: (o: Obj) => void }[] = [
  { name: 'add sets an object member', ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], want: (o) => ((o.metadata as Obj).labels = { app: 'web', tier: 'fe' }) },
  { name: 'add inserts into an array at an index', ops: [{ op: 'add', path: `${ARGS}/1`, value: '-x' }], want: (o) => setArgs(o, ['-g', '-x', 'daemon off;']) },
  { name: 'add with - appends to an array', ops: [{ op: 'add', path: `${ARGS}/-`, value: '-x' }], want: (o) => setArgs(o, ['-g', 'daemon off;', '-x']) },
  { name: 'remove deletes an object member', ops: [{ op: 'remove', path: '/metadata/labels/app' }], want: (o) => ((o.metadata as Obj).labels = {}) },
  { name: 'remove deletes an array element', ops: [{ op: 'remove', path: `${ARGS}/0` }], want: (o) => setArgs(o, ['daemon off;']) },
  { name: 'a negative index counts from the end (library extension)', ops: [{ op: 'remove', path: `${ARGS}/-1` }], want: (o) => setArgs(o, ['-g']) },
  { name: 'replace changes a value', ops: [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' }], want: (o) => setContainer(o, 'image', 'nginx:1.28') },
  { name: 'replace of an absent object member adds it (library behaviour)', ops: [{ op: 'replace', path: '/spec/containers/0/stdin', value: true }], want: (o) => setContainer(o, 'stdin', true) },
  {
    name: 'move takes a label into the annotations',
    ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/annotations/app' }],
    want: (o) => {
      const m = o.metadata as Obj;
      m.labels = {};
      m.annotations = { 'example.com/owner': 'team-a', count: '1', app: 'web' };
    },
  },
  { name: 'move reorders array elements', ops: [{ op: 'move', from: `${ARGS}/1`, path: `${ARGS}/0` }], want: (o) => setArgs(o, ['daemon off;', '-g']) },
  { name: 'copy duplicates a value', ops: [{ op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/name' }], want: (o) => ((o.metadata as Obj).labels = { app: 'web', name: 'web' }) },
  {
    name: 'a passing test lets the next operation run; ~1 in a path is a slash',
    ops: [
      { op: 'test', path: '/metadata/annotations/example.com~1owner', value: 'team-a' },
      { op: 'replace', path: '/metadata/annotations/example.com~1owner', value: 'team-b' },
    ],
    want: (o) => ((o.metadata as Obj).annotations = { 'example.com/owner': 'team-b', count: '1' }),
  },
  { name: 'test of an absent member against null passes', ops: [{ op: 'test', path: '/metadata/labels/tier', value: null }], want: () => undefined },
  { name: 'add creates a nested object', ops: [{ op: 'add', path: '/spec/nodeSelector', value: { disk: 'ssd' } }], want: (o) => ((o.spec as Obj).nodeSelector = { disk: 'ssd' }) },
];

function setContainer(o: Obj, key: string, v: unknown): void {
  ((o.spec as { containers: Obj[] }).containers[0] as Obj)[key] = v;
}
function setArgs(o: Obj, args: string[]): void {
  setContainer(o, 'args', args);
}

test('JSON patch applies RFC 6902 operations in order', async (t) => {
  for (const c of jsonPatchCases) {
    await t.test(c.name, () => {
      const original = pod();
      const want = pod();
      c.want(want);
      assert.deepEqual(jsonPatch(original, c.ops), want);
      assert.deepEqual(original, pod(), 'the original is not modified');
    });
  }
});

const jsonPatchFailures: { name: string; ops: unknown; code: number; message: string; detail: string }[] = [
  {
    name: 'a failing test is a 422 and nothing before it is applied',
    ops: [{ op: 'replace', path: '/metadata/labels/app', value: 'x' }, { op: 'test', path: '/spec/containers/0/image', value: 'nginx:1.26' }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: 'testing value /spec/containers/0/image failed: test failed',
  },
  {
    name: 'test compares types: the string "1" is not the number 1',
    ops: [{ op: 'test', path: '/metadata/annotations/count', value: 1 }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: 'testing value /metadata/annotations/count failed: test failed',
  },
  {
    name: 'add under a parent that does not exist fails',
    ops: [{ op: 'add', path: '/spec/missing/x', value: 1 }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: 'add operation does not apply: doc is missing path: "/spec/missing/x": missing value',
  },
  {
    name: 'remove of an absent member fails',
    ops: [{ op: 'remove', path: '/metadata/labels/tier' }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: "error in remove for path: '/metadata/labels/tier': Unable to remove nonexistent key: tier: missing value",
  },
  {
    name: 'an index past the end fails',
    ops: [{ op: 'add', path: `${ARGS}/5`, value: 'x' }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: `error in add for path: '${ARGS}/5': Unable to access invalid index: 5: invalid index referenced`,
  },
  {
    name: 'an unknown op fails',
    ops: [{ op: 'frob', path: '/a' }],
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: 'Unexpected kind: frob',
  },
  {
    name: 'a body that is not a list of operations is a 400',
    ops: { op: 'add', path: '/a', value: 1 },
    code: 400,
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    detail: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  },
  {
    name: 'more than 10000 operations is a 413',
    ops: Array.from({ length: 10001 }, () => ({ op: 'test', path: '/metadata/name', value: 'web' })),
    code: 413,
    message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    detail: 'The allowed maximum operations in a JSON patch is 10000, got 10001',
  },
];

test('JSON patch failures carry kube-apiserver codes and the library reason', async (t) => {
  for (const c of jsonPatchFailures) {
    await t.test(c.name, () => {
      const original = pod();
      assert.throws(
        () => jsonPatch(original, c.ops),
        (e: unknown) => e instanceof PatchError && e.code === c.code && e.message === c.message && e.detail === c.detail,
      );
      assert.deepEqual(original, pod());
    });
  }
});

// RFC 7386 appendix A, plus the bodies kubectl label and kubectl scale send.
const mergePatchCases: { name: string; original: unknown; patch: unknown; want: unknown }[] = [
  { name: 'a member is replaced', original: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'a member is added', original: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null removes the only member', original: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'null removes one member', original: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'an array is replaced by a string', original: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'a string is replaced by an array', original: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  { name: 'objects merge recursively', original: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
  { name: 'arrays are replaced, not merged', original: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'an array patch replaces an array', original: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
  { name: 'an array patch replaces an object', original: { a: 'b' }, patch: ['c'], want: ['c'] },
  { name: 'existing nulls in the target stay', original: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  { name: 'an object patch replaces an array and drops its nulls', original: [1, 2], patch: { a: 'b', c: null }, want: { a: 'b' } },
  { name: 'nulls nested in an added object are dropped', original: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  {
    name: 'kubectl label tier- removes the label',
    original: { metadata: { labels: { app: 'web', tier: 'fe' } } },
    patch: { metadata: { labels: { tier: null } } },
    want: { metadata: { labels: { app: 'web' } } },
  },
  {
    name: 'lists with a merge strategy are still replaced by a merge patch',
    original: { spec: { replicas: 1, containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { replicas: 4, containers: [{ name: 'c' }] } },
    want: { spec: { replicas: 4, containers: [{ name: 'c' }] } },
  },
];

test('JSON merge patch follows RFC 7386', async (t) => {
  for (const c of mergePatchCases) {
    await t.test(c.name, () => {
      const original = structuredClone(c.original);
      assert.deepEqual(jsonMergePatch(original, c.patch), c.want);
      assert.deepEqual(original, c.original);
    });
  }
});

test('a null or scalar merge patch is a 400, where RFC 7386 would return the patch itself', () => {
  for (const patch of [null, 'bar', 3]) {
    assert.throws(
      () => jsonMergePatch({ a: 'foo' }, patch),
      (e: unknown) => e instanceof PatchError && e.code === 400 && e.reason === 'BadRequest' && e.message === 'Invalid JSON Patch',
    );
  }
});

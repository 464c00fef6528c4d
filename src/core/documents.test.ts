// Tests for collectDocuments: how a whole input is sorted, defaulted, validated and reported, message by message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectDocuments } from './documents.js';
import { formatProblem } from './errors.js';
import { ManifestDoc, parseManifests } from './manifests.js';

function docsOf(...files: [string, string][]): ManifestDoc[] {
  return files.flatMap(([name, text]) => {
    const { docs, problems } = parseManifests(text, name);
    assert.deepEqual(problems, []);
    return docs;
  });
}

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const svc = (name: string, port = 80, extra = '') => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n${extra}spec:\n  ports:\n  - port: ${port}\n`;

describe('collectDocuments', () => {
  const cases: { name: string; files: [string, string][]; want: string[]; warnings?: string[] }[] = [
    {
      name: 'two documents with the same kind, namespace and name are one problem naming both places',
      files: [
        ['a.yaml', `${ns('shop')}---\n${svc('web')}`],
        ['b.yaml', `${svc('web', 8080, '  namespace: default\n')}`],
      ],
      want: ['b.yaml doc 1: Service default/web: duplicate object: also defined in a.yaml doc 2'],
    },
    {
      name: 'the same name in another namespace or of another kind is not a duplicate',
      files: [['a.yaml', `${svc('web')}---\n${svc('web', 80, '  namespace: shop\n')}---\n${ns('web')}`]],
      want: [],
    },
    {
      name: 'a duplicate inside a List names the List item',
      files: [['l.yaml', `apiVersion: v1\nkind: List\nitems:\n- ${ns('a').replace(/\n(?=.)/g, '\n  ')}- ${ns('a').replace(/\n(?=.)/g, '\n  ')}`]],
      want: ['l.yaml doc 1: Namespace a: duplicate object: also defined in l.yaml doc 1 items[0]'],
    },
    {
      name: 'an apiVersion that is not served for a known kind names the one to use',
      files: [['d.yaml', 'apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: web}\n']],
      want: ['d.yaml doc 1: Deployment default/web: apiVersion: Unsupported value: "apps/v2": supported values: "apps/v1"'],
    },
    {
      name: 'an extensions/v1beta1 Ingress says it was removed and to use networking.k8s.io/v1',
      files: [['i.yaml', 'apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\n']],
      want: [
        'i.yaml doc 1: Ingress shop/web: apiVersion: Invalid value: "extensions/v1beta1": Ingress is no longer served in extensions/v1beta1 (removed in Kubernetes 1.22): use "networking.k8s.io/v1"',
      ],
    },
    {
      name: 'kinds flatnet does not model are skipped with one warning each, and a CRD sharing a kind name is one of them',
      files: [
        [
          'extra.yaml',
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: view}\n---\napiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello, namespace: apps}\n---\napiVersion: v1\nkind: Event\nmetadata: {name: e}\n',
        ],
      ],
      want: [],
      warnings: [
        'extra.yaml doc 1: ClusterRole view: skipped: flatnet does not model ClusterRole (rbac.authorization.k8s.io/v1)',
        'extra.yaml doc 2: Service apps/hello: skipped: flatnet does not model Service (serving.knative.dev/v1)',
        'extra.yaml doc 3: Event e: skipped: flatnet does not model Event (v1)',
      ],
    },
    {
      name: 'an unknown flatnet kind is an error listing the flatnet kinds',
      files: [['f.yaml', 'apiVersion: flatnet/v1alpha1\nkind: Cluster\nmetadata: {name: c}\n']],
      want: ['f.yaml doc 1: Cluster c: kind: Unsupported value: "Cluster": supported values: "ClusterConfig", "ConnectivityTest"'],
    },
    {
      name: 'every problem of every document is reported at once',
      files: [
        ['a.yaml', `${svc('web', 70000)}---\n${svc('Bad_Name')}`],
        [
          'b.yaml',
          'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}\n',
        ],
        ['c.yaml', svc('web', 443)],
      ],
      want: [
        'a.yaml doc 1: Service default/web: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
        `a.yaml doc 2: Service default/Bad_Name: metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
        'b.yaml doc 1: NetworkPolicy default/np: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
        'c.yaml doc 1: Service default/web: duplicate object: also defined in a.yaml doc 1',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = collectDocuments(docsOf(...c.files));
      assert.deepEqual(out.problems.map(formatProblem), c.want);
      assert.deepEqual(out.warnings, c.warnings ?? []);
    });
  }

  it('sets flatnet documents aside untouched and defaults the Kubernetes objects', () => {
    const out = collectDocuments(
      docsOf(['c.yaml', `apiVersion: flatnet/v1alpha1\nkind: ClusterConfig\nmetadata: {name: dev}\nspec: {nodes: 2}\n---\n${svc('web')}---\napiVersion: flatnet/v1alpha1\nkind: ConnectivityTest\nmetadata: {name: t}\n`]),
    );
    assert.deepEqual(out.problems, []);
    assert.deepEqual(
      out.flatnet.map((d) => [d.object, d.source.doc]),
      [
        [{ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 'dev' }, spec: { nodes: 2 } }, 1],
        [{ apiVersion: 'flatnet/v1alpha1', kind: 'ConnectivityTest', metadata: { name: 't' } }, 3],
      ],
    );
    assert.deepEqual(
      out.objects.map((d) => [d.object.metadata.namespace, d.object.spec.type, d.source]),
      [['default', 'ClusterIP', { file: 'c.yaml', doc: 2 }]],
    );
  });

  it('uses the caller’s default namespace for objects that name none, in messages too', () => {
    const out = collectDocuments(docsOf(['a.yaml', svc('web', 0)]), { defaultNamespace: 'shop' });
    assert.equal(out.objects[0].object.metadata.namespace, 'shop');
    assert.deepEqual(out.problems.map(formatProblem), [
      'a.yaml doc 1: Service shop/web: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]);
  });
});

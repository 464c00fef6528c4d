// Golden tests: printTable + formatTable/formatObjects must print what the real kubectl 1.32.4 printed for the same
// cluster. The golden files were recorded by pointing kubectl at a server that served these objects
// (testdata/get/cluster.json); UPDATE_GOLDEN=1 rewrites them from flatnet's output.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { qualifiedSingular, resolveResourceType, type ResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { printTable } from '../../printers/table-printers.js';
import { formatObjects, formatTable, type ObjectFormat } from './output.js';
import { assertGolden } from '../../testing/golden.js';

const TESTDATA = fileURLToPath(new URL('../../../../src/frontends/cli/testdata/get/', import.meta.url));
const cluster = JSON.parse(readFileSync(`${TESTDATA}cluster.json`, 'utf8')) as { now: string; objects: KubeObject[] };
const NOW = new Date(cluster.now);

interface GetCase {
  name: string;
  /** The kubectl command whose output is the golden file (run in namespace "default"). */
  kubectl: string;
  golden: string;
  types: string[];
  names?: string[];
  allNamespaces?: boolean;
  wide?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  output?: ObjectFormat;
}

/** A minimal `kubectl get` over the fixture objects, deciding decorations the way kubectl 1.32 does. */
function get(c: GetCase): string {
  const types = c.types.map((t) => resolveResourceType(t)!);
  const found: { type: ResourceType; objects: KubeObject[] }[] = [];
  for (const type of types) {
    const objects = cluster.objects.filter(
      (o) =>
        o.kind === type.kind &&
        (!type.namespaced || c.allNamespaces || o.metadata.namespace === 'default') &&
        (!c.names || c.names.includes(o.metadata.name)),
    );
    if (objects.length > 0) found.push({ type, objects });
  }
  if (c.output) {
    const all = found.flatMap((f) => f.objects);
    const single = c.names?.length === 1 && types.length === 1 && all.length === 1;
    return formatObjects(all, c.output, { single }, (o) => qualifiedSingular(resolveResourceType(o.kind)!));
  }
  // kubectl keeps the NAMESPACE column once a namespaced type has been printed with -A, even for later
  // cluster-scoped types (observed with kubectl 1.32.4: `get po,no -A` vs `get no,po -A`).
  let withNamespace = false;
  return found
    .map(({ type, objects }) => {
      withNamespace = !!c.allNamespaces && (withNamespace || type.namespaced);
      return formatTable(printTable(type, objects, NOW), {
        wide: !!c.wide,
        withNamespace,
        noHeaders: c.noHeaders,
        showLabels: c.showLabels,
        kindPrefix: types.length > 1 ? qualifiedSingular(type) : undefined,
      });
    })
    .join('\n');
}

const cases: GetCase[] = [
  { name: 'pods print READY, STATUS, RESTARTS with the last restart age', kubectl: 'get pods', golden: 'pods', types: ['pods'] },
  { name: 'wide pods add IP, node, nominated node and readiness gates', kubectl: 'get pods -o wide', golden: 'pods-wide', types: ['pods'], wide: true },
  {
    name: 'all-namespaces wide pods with labels add NAMESPACE first and LABELS last',
    kubectl: 'get pods -A -o wide --show-labels',
    golden: 'pods-all-namespaces-wide-show-labels',
    types: ['pods'],
    allNamespaces: true,
    wide: true,
    showLabels: true,
  },
  { name: 'no-headers keeps the column alignment', kubectl: 'get pods --no-headers', golden: 'pods-no-headers', types: ['pods'], noHeaders: true },
  {
    name: 'several types print one table each with kind-prefixed names',
    kubectl: 'get pods,svc,deploy,ds -A',
    golden: 'several-types-all-namespaces',
    types: ['pods', 'svc', 'deploy', 'ds'],
    allNamespaces: true,
  },
  {
    name: 'cluster-scoped types after a namespaced one keep an empty NAMESPACE column',
    kubectl: 'get pods,nodes,namespaces -A',
    golden: 'several-types-namespaced-first',
    types: ['pods', 'nodes', 'namespaces'],
    allNamespaces: true,
  },
  { name: 'namespaces print their phase', kubectl: 'get namespaces -o wide', golden: 'namespaces-wide', types: ['namespaces'], wide: true },
  { name: 'nodes leave trailing padding when the last cell is empty', kubectl: 'get nodes', golden: 'nodes', types: ['nodes'] },
  { name: 'wide nodes add addresses and node info', kubectl: 'get nodes -o wide', golden: 'nodes-wide', types: ['nodes'], wide: true },
  { name: 'nodes with labels', kubectl: 'get nodes --show-labels', golden: 'nodes-show-labels', types: ['nodes'], showLabels: true },
  {
    name: 'services of every type across namespaces',
    kubectl: 'get services -A -o wide',
    golden: 'services-all-namespaces-wide',
    types: ['services'],
    allNamespaces: true,
    wide: true,
  },
  { name: 'endpoints list three addresses then a count', kubectl: 'get endpoints', golden: 'endpoints', types: ['endpoints'] },
  { name: 'endpointslices', kubectl: 'get endpointslices', golden: 'endpointslices', types: ['endpointslices'] },
  { name: 'wide deployments', kubectl: 'get deployments -o wide', golden: 'deployments-wide', types: ['deployments'], wide: true },
  { name: 'wide replicasets', kubectl: 'get replicasets -o wide', golden: 'replicasets-wide', types: ['replicasets'], wide: true },
  { name: 'wide statefulsets', kubectl: 'get statefulsets -o wide', golden: 'statefulsets-wide', types: ['statefulsets'], wide: true },
  {
    name: 'wide daemonsets across namespaces',
    kubectl: 'get daemonsets -A -o wide',
    golden: 'daemonsets-all-namespaces-wide',
    types: ['daemonsets'],
    allNamespaces: true,
    wide: true,
  },
  { name: 'ingresses with TLS print "80, 443"', kubectl: 'get ingresses', golden: 'ingresses', types: ['ingresses'] },
  { name: 'ingressclasses print their parameters reference', kubectl: 'get ingressclasses', golden: 'ingressclasses', types: ['ingressclasses'] },
  { name: 'networkpolicies print <none> for an empty pod selector', kubectl: 'get networkpolicies', golden: 'networkpolicies', types: ['networkpolicies'] },
  { name: 'configmaps count their keys', kubectl: 'get configmaps', golden: 'configmaps', types: ['configmaps'] },
  { name: 'secrets print type and key count', kubectl: 'get secrets', golden: 'secrets', types: ['secrets'] },
  { name: 'events', kubectl: 'get events', golden: 'events', types: ['events'] },
  { name: 'wide events add subobject, source, first seen, count and name', kubectl: 'get events -o wide', golden: 'events-wide', types: ['events'], wide: true },
  { name: 'a list as YAML is a v1 List', kubectl: 'get pods -o yaml', golden: 'pods-yaml', types: ['pods'], output: 'yaml' },
  { name: 'a list as JSON is a v1 List', kubectl: 'get pods -A -o json', golden: 'pods-all-namespaces-json', types: ['pods'], allNamespaces: true, output: 'json' },
  {
    name: 'one named object as YAML is printed alone, long strings folded',
    kubectl: 'get deployment web -o yaml',
    golden: 'deployment-web-yaml',
    types: ['deployments'],
    names: ['web'],
    output: 'yaml',
  },
  {
    name: 'one named object as JSON is printed alone',
    kubectl: 'get deployment web -o json',
    golden: 'deployment-web-json',
    types: ['deployments'],
    names: ['web'],
    output: 'json',
  },
  { name: 'configmap data keys in go-yaml order', kubectl: 'get configmaps -o yaml', golden: 'configmaps-yaml', types: ['configmaps'], output: 'yaml' },
  {
    name: 'names are qualified by group',
    kubectl: 'get all -A -o name',
    golden: 'all-name',
    types: ['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'],
    allNamespaces: true,
    output: 'name',
  },
  {
    name: 'network kinds are qualified by their groups',
    kubectl: 'get endpointslices,ingresses,networkpolicies -o name',
    golden: 'network-kinds-name',
    types: ['endpointslices', 'ingresses', 'networkpolicies'],
    output: 'name',
  },
];

for (const c of cases) {
  test(`kubectl ${c.kubectl}: ${c.name}`, () => {
    const got = get(c);
    assertGolden(`${TESTDATA}${c.golden}.txt`, got);
  });
}

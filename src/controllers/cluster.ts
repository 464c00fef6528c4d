// From parsed manifests to a reconciled cluster: split out flatnet's own documents, resolve the ClusterConfig,
// validate and default every object, then reconcile. Nothing is returned unless the whole input is valid.

import { CLUSTER_CONFIG_API_VERSION, ClusterConfig, resolveClusterConfig } from '../core/cluster-config.js';
import type { Clock } from '../core/clock.js';
import { collectDocuments } from '../core/documents.js';
import { describeObject, formatProblem, InputError, Problem } from '../core/errors.js';
import type { ManifestDoc } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { ClusterState, reconcile } from './reconcile.js';

export interface BuildOptions {
  clock: Clock;
  previous?: Iterable<KubeObject>;
}

export interface BuiltCluster extends ClusterState {
  config: ClusterConfig;
  /** flatnet's own documents other than the ClusterConfig (e.g. ConnectivityTest), for the verbs that read them. */
  flatnetDocs: ManifestDoc[];
}

/** Builds the cluster from manifests. Throws InputError with every problem of the input at once. */
export function buildCluster(docs: ManifestDoc[], opts: BuildOptions): BuiltCluster {
  const collected = collectDocuments(docs);
  const problems: Problem[] = [...collected.problems];
  const configs = collected.flatnet.filter((d) => d.object.kind === 'ClusterConfig');
  if (configs.length > 1) {
    const [a, b] = configs;
    problems.push({
      source: b.source,
      object: describeObject('ClusterConfig', undefined, b.object.metadata?.name ?? ''),
      error: { message: `a second ClusterConfig; the first is ${a.source.file} doc ${a.source.doc}: an input holds at most one` },
    });
  }
  for (const d of collected.flatnet)
    if (d.object.apiVersion !== CLUSTER_CONFIG_API_VERSION)
      problems.push({ source: d.source, object: d.object.kind, error: { field: 'apiVersion', type: 'NotSupported', value: d.object.apiVersion, detail: `supported values: "${CLUSTER_CONFIG_API_VERSION}"` } });
  const resolved = resolveClusterConfig(configs[0]?.object);
  const configObject = describeObject('ClusterConfig', undefined, configs[0]?.object.metadata?.name ?? '');
  for (const error of resolved.errors) problems.push({ source: configs[0]?.source, object: configObject, error });
  if (problems.length > 0 || !resolved.config) throw new InputError(problems);
  const configWarnings = resolved.warnings.map((message) => formatProblem({ source: configs[0]?.source, object: configObject, error: { message } }));
  // collectDocuments' defaulted objects are shared with later calls (it remembers them per parsed document), so
  // reconcile copies what it changes.
  const state = reconcile(resolved.config, collected.objects, opts);
  return { ...state, warnings: [...collected.warnings, ...configWarnings, ...state.warnings], config: resolved.config, flatnetDocs: collected.flatnet.filter((d) => d.object.kind !== 'ClusterConfig') };
}

// Everything the policy verbs need from one built cluster, made once: the engine, the reference index (which also
// serves the reports' lookups), the policies by name and the lint warnings, so front ends do not wire it each time.

import type { ClusterConfig } from '../core/cluster-config.js';
import type { KubeObject } from '../core/types.js';
import { buildPolicyEngine } from './engine.js';
import { ReferenceIndex } from './references.js';
import { lintPolicies, policySettingsFor } from './settings.js';
import type { PolicyEngine } from './types.js';

export interface PolicyAnalysis {
  engine: PolicyEngine;
  index: ReferenceIndex;
  /** NetworkPolicies by `namespace/name`. */
  policies: Map<string, KubeObject>;
  /** Lint findings about the policies (each one line), for the front end to show as warnings. */
  warnings: string[];
}

/** Compiles the policy engine for a built cluster. */
export function analyzePolicies(cluster: { objects: KubeObject[]; config: ClusterConfig }): PolicyAnalysis {
  const settings = policySettingsFor(cluster.config);
  const engine = buildPolicyEngine(cluster.objects, settings);
  const policies = new Map<string, KubeObject>();
  for (const o of cluster.objects) if (o.kind === 'NetworkPolicy') policies.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  const warnings = lintPolicies(cluster.objects, settings);
  return { engine, index: new ReferenceIndex(cluster.objects), policies, warnings };
}

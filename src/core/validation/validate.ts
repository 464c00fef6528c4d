// Structural validation of one Kubernetes object, as the API server runs it after defaulting:
// every field flatnet reads is type-checked, and each kind's rules follow upstream's validation packages.

import type { FieldError } from '../errors.js';
import { resourceTypeOfKind } from '../resources.js';
import type { KubeObject } from '../types.js';
import { validateWorkload } from './apps.js';
import { validateConfigMap, validateNode, validateSecret } from './core-objects.js';
import { validateEndpoints, validateEndpointSlice } from './endpoints.js';
import { Errors, getObject, Json } from './fields.js';
import { nameIsDns1035Label, nameIsDnsLabel, nameIsDnsSubdomain, NameRule, validateObjectMeta } from './meta.js';
import { validateIngress, validateIngressClass, validateNetworkPolicy } from './networking.js';
import { validatePodSpec } from './pod-spec.js';
import { validateService } from './service.js';

interface KindRule {
  name: NameRule;
  validate: (obj: Json, errs: Errors) => void;
}

const workload = (kind: string): KindRule => ({ name: nameIsDnsSubdomain, validate: (o, e) => validateWorkload(o, kind, e) });
const nothing = () => undefined;

// Name rules per kind follow each kind's Validate*Name in upstream (Service: ValidateServiceName is DNS-1035,
// Namespace: ValidateNamespaceName is a DNS-1123 label, everything else a DNS-1123 subdomain).
const RULES: Record<string, KindRule> = {
  Namespace: { name: nameIsDnsLabel, validate: nothing },
  Node: { name: nameIsDnsSubdomain, validate: validateNode },
  Pod: {
    name: nameIsDnsSubdomain,
    validate: (o, e) => {
      const spec = getObject(o, 'spec', '', e);
      if (spec) validatePodSpec(spec, 'spec', e);
      else if (o.spec === undefined || o.spec === null) validatePodSpec({}, 'spec', e);
    },
  },
  Service: { name: nameIsDns1035Label, validate: validateService },
  Endpoints: { name: nameIsDnsSubdomain, validate: validateEndpoints },
  Secret: { name: nameIsDnsSubdomain, validate: validateSecret },
  ConfigMap: { name: nameIsDnsSubdomain, validate: validateConfigMap },
  Deployment: workload('Deployment'),
  ReplicaSet: workload('ReplicaSet'),
  StatefulSet: workload('StatefulSet'),
  DaemonSet: workload('DaemonSet'),
  EndpointSlice: { name: nameIsDnsSubdomain, validate: validateEndpointSlice },
  Ingress: { name: nameIsDnsSubdomain, validate: validateIngress },
  IngressClass: { name: nameIsDnsSubdomain, validate: validateIngressClass },
  NetworkPolicy: { name: nameIsDnsSubdomain, validate: validateNetworkPolicy },
};

/** The kinds validateObject has rules for: the Kubernetes kinds flatnet accepts as input. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(RULES);

/**
 * Validates one object the way the API server does on create, and returns every problem found (empty when valid).
 * Call it on a defaulted object (applyDefaults): like upstream, fields that defaulting fills in
 * (Service type, protocols, Pod restartPolicy, ...) are Required here. Kinds without rules get metadata checks only.
 *
 * @example
 * validateObject(applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 70000 }] } }))
 * // → [{ type: 'Invalid', field: 'spec.ports[0].port', value: 70000, detail: 'must be between 1 and 65535, inclusive' }]
 */
export function validateObject(obj: KubeObject): FieldError[] {
  const errs: Errors = [];
  const o = obj as unknown as Json;
  const kind = typeof o.kind === 'string' ? o.kind : '';
  const rule = RULES[kind];
  validateObjectMeta(o, rule?.name ?? nameIsDnsSubdomain, resourceTypeOfKind(kind)?.namespaced, errs);
  rule?.validate(o, errs);
  return errs;
}

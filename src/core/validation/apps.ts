// apps/v1 workload validation (Deployment, ReplicaSet, StatefulSet, DaemonSet), following
// pkg/apis/apps/validation/validation.go: selector required and matching the template, strategies, counts.

import { forbidden, invalid, notSupported, required } from '../errors.js';
import type { Selector } from '../labels.js';
import { Errors, child, getInt, getIntOrString, getObject, getString, isMissing, isObject, Json } from './fields.js';
import { validateLabelSelector } from './meta.js';
import { validatePodTemplate } from './pod-spec.js';

const DEPLOYMENT_STRATEGIES = ['Recreate', 'RollingUpdate'] as const;
const UPDATE_STRATEGIES = ['OnDelete', 'RollingUpdate'] as const;
const POD_MANAGEMENT_POLICIES = ['OrderedReady', 'Parallel'] as const;

const PERCENT_MESSAGE =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function nonNegative(o: Json, k: string, path: string, errs: Errors): number | undefined {
  const v = getInt(o, k, path, errs);
  if (v !== undefined && v < 0) errs.push(invalid(child(path, k), v, 'must be greater than or equal to 0'));
  return v;
}

/** ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent; returns the value as a number (percent or count). */
function intOrPercent(o: Json, k: string, path: string, errs: Errors): number | undefined {
  const v = getIntOrString(o, k, path, errs);
  const p = child(path, k);
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (v < 0) errs.push(invalid(p, v, 'must be greater than or equal to 0'));
    return v;
  }
  if (!/^[0-9]+%$/.test(v)) {
    errs.push(invalid(p, v, PERCENT_MESSAGE));
    return undefined;
  }
  const n = Number(v.slice(0, -1));
  if (n > 100) errs.push(invalid(p, v, 'must not be greater than 100%'));
  return n;
}

/** Validates the spec of a Deployment, ReplicaSet, StatefulSet or DaemonSet. */
export function validateWorkload(obj: Json, kind: string, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  if (kind !== 'DaemonSet') nonNegative(spec, 'replicas', 'spec', errs);
  const minReady = nonNegative(spec, 'minReadySeconds', 'spec', errs);
  nonNegative(spec, 'revisionHistoryLimit', 'spec', errs);

  let selector: Selector | undefined;
  if (spec.selector === undefined || spec.selector === null) {
    errs.push(required('spec.selector'));
  } else {
    selector = validateLabelSelector(spec.selector, 'spec.selector', errs);
    const s = spec.selector;
    const empty = isObject(s) && Object.keys(isObject(s.matchLabels) ? s.matchLabels : {}).length === 0 && !(Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0);
    // An empty selector would adopt every Pod in the namespace.
    if (empty) errs.push(invalid('spec.selector', s, `empty selector is invalid for ${kind.toLowerCase()}`));
  }
  validatePodTemplate(spec, selector, errs);

  if (kind === 'Deployment') validateDeploymentSpec(spec, minReady, errs);
  if (kind === 'StatefulSet') validateStatefulSetSpec(spec, errs);
  if (kind === 'DaemonSet') validateDaemonSetStrategy(spec, errs);
}

function validateDeploymentSpec(spec: Json, minReady: number | undefined, errs: Errors): void {
  const deadline = nonNegative(spec, 'progressDeadlineSeconds', 'spec', errs);
  if (deadline !== undefined && deadline <= (minReady ?? 0))
    errs.push(invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  const strategy = getObject(spec, 'strategy', 'spec', errs);
  if (!strategy) return;
  const type = getString(strategy, 'type', 'spec.strategy', errs);
  const rolling = getObject(strategy, 'rollingUpdate', 'spec.strategy', errs);
  if (isMissing(strategy, 'type')) errs.push(required('spec.strategy.type'));
  else if (type === 'Recreate') {
    if (rolling) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    if (!rolling) return;
    const maxUnavailable = intOrPercent(rolling, 'maxUnavailable', 'spec.strategy.rollingUpdate', errs);
    const maxSurge = intOrPercent(rolling, 'maxSurge', 'spec.strategy.rollingUpdate', errs);
    if (maxUnavailable === 0 && maxSurge === 0)
      errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', rolling.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  } else if (type !== undefined) errs.push(notSupported('spec.strategy.type', type, DEPLOYMENT_STRATEGIES));
}

function validateStatefulSetSpec(spec: Json, errs: Errors): void {
  getString(spec, 'serviceName', 'spec', errs);
  const policy = getString(spec, 'podManagementPolicy', 'spec', errs);
  if (isMissing(spec, 'podManagementPolicy')) errs.push(required('spec.podManagementPolicy'));
  else if (policy !== undefined && !(POD_MANAGEMENT_POLICIES as readonly string[]).includes(policy))
    errs.push(notSupported('spec.podManagementPolicy', policy, POD_MANAGEMENT_POLICIES));
  const strategy = getObject(spec, 'updateStrategy', 'spec', errs);
  if (!strategy) return;
  const type = getString(strategy, 'type', 'spec.updateStrategy', errs);
  const rolling = getObject(strategy, 'rollingUpdate', 'spec.updateStrategy', errs);
  if (isMissing(strategy, 'type')) errs.push(required('spec.updateStrategy.type'));
  else if (type === 'OnDelete' && rolling)
    errs.push(invalid('spec.updateStrategy.rollingUpdate', rolling, "only allowed for updateStrategy 'RollingUpdate'"));
  else if (type === 'RollingUpdate' && rolling) nonNegative(rolling, 'partition', 'spec.updateStrategy.rollingUpdate', errs);
  else if (type !== undefined && !(UPDATE_STRATEGIES as readonly string[]).includes(type))
    errs.push(notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGIES));
}

function validateDaemonSetStrategy(spec: Json, errs: Errors): void {
  const strategy = getObject(spec, 'updateStrategy', 'spec', errs);
  if (!strategy) return;
  const type = getString(strategy, 'type', 'spec.updateStrategy', errs);
  if (isMissing(strategy, 'type')) errs.push(required('spec.updateStrategy.type'));
  else if (type === 'RollingUpdate') {
    const rolling = getObject(strategy, 'rollingUpdate', 'spec.updateStrategy', errs);
    if (!rolling) return;
    const p = 'spec.updateStrategy.rollingUpdate';
    const maxUnavailable = intOrPercent(rolling, 'maxUnavailable', p, errs);
    const maxSurge = intOrPercent(rolling, 'maxSurge', p, errs);
    // Exactly one of the two may be non-zero (ValidateRollingUpdateDaemonSet).
    if (maxUnavailable && maxSurge) errs.push(invalid(`${p}.maxSurge`, rolling.maxSurge, 'may not be set when maxUnavailable is non-zero'));
    else if (maxUnavailable === 0 && (maxSurge ?? 0) === 0) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  } else if (type !== undefined && type !== 'OnDelete') errs.push(notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGIES));
}

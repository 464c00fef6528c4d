// PodSpec validation (containers, ports, DNS, scheduling fields) shared by Pods and workload templates,
// following ValidatePodSpec and friends in pkg/apis/core/validation/validation.go.

import { duplicate, invalid, notSupported, required } from '../errors.js';
import { matches, Selector } from '../labels.js';
import {
  Errors,
  child,
  getArray,
  getBool,
  getInt,
  getIntOrString,
  getObject,
  getObjectArray,
  getString,
  getStringArray,
  index,
  isMissing,
  Json,
} from './fields.js';
import { INVALID_IP, parseIP } from './ip-syntax.js';
import { dns1123LabelErrors, validateAnnotations } from './meta.js';
import { validateDns1123Subdomain, validateLabels, validateLabelValue, validateQualifiedName } from './names.js';
import { checkPortNumber, checkPortNumOrName, checkProtocol, portNameErrors } from './ports.js';

export const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'] as const;
export const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;
export const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'] as const;
const TOLERATION_OPERATORS = ['Equal', 'Exists'] as const;
const NODE_SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'] as const;

function oneOf(v: string, allowed: readonly string[]): boolean {
  return allowed.includes(v);
}

/** Validates a PodSpec at `path` (`spec` for Pods, `spec.template.spec` for workloads). */
export function validatePodSpec(spec: Json, path: string, errs: Errors): void {
  const hostNetwork = getBool(spec, 'hostNetwork', path, errs) ?? false;
  const names = new Set<string>();
  for (const list of ['initContainers', 'containers']) validateContainers(spec, list, path, names, hostNetwork, errs);
  const containers = spec.containers;
  if (containers === undefined || containers === null || (Array.isArray(containers) && containers.length === 0))
    errs.push(required(child(path, 'containers')));

  const restartPolicy = getString(spec, 'restartPolicy', path, errs);
  if (isMissing(spec, 'restartPolicy')) errs.push(required(child(path, 'restartPolicy')));
  else if (restartPolicy !== undefined && !oneOf(restartPolicy, RESTART_POLICIES))
    errs.push(notSupported(child(path, 'restartPolicy'), restartPolicy, RESTART_POLICIES));

  const dnsPolicy = getString(spec, 'dnsPolicy', path, errs);
  if (isMissing(spec, 'dnsPolicy')) errs.push(required(child(path, 'dnsPolicy')));
  else if (dnsPolicy !== undefined && !oneOf(dnsPolicy, DNS_POLICIES)) errs.push(notSupported(child(path, 'dnsPolicy'), dnsPolicy, DNS_POLICIES));
  const dnsConfig = getObject(spec, 'dnsConfig', path, errs);
  if (dnsPolicy === 'None' && !dnsConfig) errs.push(required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  if (dnsConfig) validateDnsConfig(dnsConfig, child(path, 'dnsConfig'), errs);

  const nodeName = getString(spec, 'nodeName', path, errs);
  if (nodeName) for (const m of validateDns1123Subdomain(nodeName)) errs.push(invalid(child(path, 'nodeName'), nodeName, m));
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  for (const f of ['hostname', 'subdomain']) {
    const v = getString(spec, f, path, errs);
    if (v) for (const m of dns1123LabelErrors(v)) errs.push(invalid(child(path, f), v, m));
  }
  validateTolerations(spec, path, errs);
  validateAffinity(spec, path, errs);
  const grace = getInt(spec, 'terminationGracePeriodSeconds', path, errs);
  if (grace !== undefined && grace < 0) errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must be greater than or equal to 0'));
  getString(spec, 'schedulerName', path, errs);
  getString(spec, 'serviceAccountName', path, errs);
}

function validateContainers(spec: Json, list: string, path: string, names: Set<string>, hostNetwork: boolean, errs: Errors): void {
  const listPath = child(path, list);
  for (const [c, i] of getObjectArray(spec, list, path, errs)) {
    const p = index(listPath, i);
    const name = getString(c, 'name', p, errs);
    if (isMissing(c, 'name')) errs.push(required(child(p, 'name')));
    else if (name !== undefined) {
      for (const m of dns1123LabelErrors(name)) errs.push(invalid(child(p, 'name'), name, m));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    getString(c, 'image', p, errs);
    if (isMissing(c, 'image')) errs.push(required(child(p, 'image')));
    getStringArray(c, 'command', p, errs);
    getStringArray(c, 'args', p, errs);
    for (const [e, j] of getObjectArray(c, 'env', p, errs)) {
      const ep = index(child(p, 'env'), j);
      getString(e, 'name', ep, errs);
      if (isMissing(e, 'name')) errs.push(required(child(ep, 'name')));
      getString(e, 'value', ep, errs);
    }
    validateContainerPorts(c, p, hostNetwork, errs);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const pr = getObject(c, probe, p, errs);
      if (pr) validateProbe(pr, child(p, probe), errs);
    }
  }
}

function validateContainerPorts(c: Json, path: string, hostNetwork: boolean, errs: Errors): void {
  const names = new Set<string>();
  for (const [port, j] of getObjectArray(c, 'ports', path, errs)) {
    const p = index(child(path, 'ports'), j);
    const name = getString(port, 'name', p, errs);
    if (name) {
      const msgs = portNameErrors(name);
      for (const m of msgs) errs.push(invalid(child(p, 'name'), name, m));
      if (msgs.length === 0 && names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const containerPort = getInt(port, 'containerPort', p, errs);
    if (isMissing(port, 'containerPort') || containerPort === 0) errs.push(required(child(p, 'containerPort')));
    else if (containerPort !== undefined) checkPortNumber(containerPort, child(p, 'containerPort'), errs);
    const hostPort = getInt(port, 'hostPort', p, errs);
    if (hostPort) checkPortNumber(hostPort, child(p, 'hostPort'), errs);
    // With hostNetwork the container binds the node's port itself, so the two must agree (validateHostNetwork).
    if (hostNetwork && hostPort !== undefined && containerPort !== undefined && hostPort !== containerPort)
      errs.push(invalid(child(p, 'hostPort'), hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    checkProtocol(port, p, errs);
    const hostIP = getString(port, 'hostIP', p, errs);
    if (hostIP && !parseIP(hostIP)) errs.push(invalid(child(p, 'hostIP'), hostIP, INVALID_IP));
  }
}

/** The handler ports of a probe: httpGet.port and tcpSocket.port are port numbers or container port names. */
function validateProbe(probe: Json, path: string, errs: Errors): void {
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
    const h = getObject(probe, handler, path, errs);
    if (!h) continue;
    const hp = child(path, handler);
    const port = handler === 'grpc' ? getInt(h, 'port', hp, errs) : getIntOrString(h, 'port', hp, errs);
    if (isMissing(h, 'port')) errs.push(required(child(hp, 'port')));
    else if (port !== undefined) checkPortNumOrName(port, child(hp, 'port'), errs);
    if (handler === 'httpGet') getString(h, 'path', hp, errs);
  }
  for (const f of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) getInt(probe, f, path, errs);
}

function validateDnsConfig(cfg: Json, path: string, errs: Errors): void {
  const nameservers = getStringArray(cfg, 'nameservers', path, errs);
  // Resolvers honour at most 3 nameservers and 32 search domains (validatePodDNSConfig).
  if (nameservers.length > 3) errs.push(invalid(child(path, 'nameservers'), nameservers.map(([s]) => s), 'must not have more than 3 nameservers'));
  for (const [ns, i] of nameservers) if (!parseIP(ns)) errs.push(invalid(index(child(path, 'nameservers'), i), ns, INVALID_IP));
  const searches = getStringArray(cfg, 'searches', path, errs);
  if (searches.length > 32) errs.push(invalid(child(path, 'searches'), searches.map(([s]) => s), 'must not have more than 32 search paths'));
  for (const [s, i] of searches) {
    const domain = s.endsWith('.') ? s.slice(0, -1) : s;
    for (const m of validateDns1123Subdomain(domain)) errs.push(invalid(index(child(path, 'searches'), i), s, m));
  }
  for (const [o, i] of getObjectArray(cfg, 'options', path, errs)) {
    const op = index(child(path, 'options'), i);
    getString(o, 'name', op, errs);
    if (isMissing(o, 'name')) errs.push(required(child(op, 'name'), 'Must not be empty'));
    getString(o, 'value', op, errs);
  }
}

/** ValidateTolerations: key syntax, operator/value consistency and the effect enum. */
function validateTolerations(spec: Json, path: string, errs: Errors): void {
  for (const [t, i] of getObjectArray(spec, 'tolerations', path, errs)) {
    const p = index(child(path, 'tolerations'), i);
    const k = getString(t, 'key', p, errs);
    const op = getString(t, 'operator', p, errs);
    const value = getString(t, 'value', p, errs);
    const effect = getString(t, 'effect', p, errs);
    const seconds = getInt(t, 'tolerationSeconds', p, errs);
    if (k) for (const m of validateQualifiedName(k)) errs.push(invalid(child(p, 'key'), k, m));
    if (!k && op !== 'Exists')
      errs.push(invalid(child(p, 'operator'), op ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (seconds !== undefined && effect !== 'NoExecute')
      errs.push(invalid(child(p, 'effect'), effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === undefined || op === '' || op === 'Equal') {
      if (value) for (const m of validateLabelValue(value)) errs.push(invalid(child(p, 'value'), value, m));
    } else if (op === 'Exists') {
      if (value) errs.push(invalid(child(p, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(child(p, 'operator'), op, TOLERATION_OPERATORS));
    if (effect && !oneOf(effect, TAINT_EFFECTS)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  }
}

/** The parts of affinity the scheduler reads: required node selector terms and their operators. */
function validateAffinity(spec: Json, path: string, errs: Errors): void {
  const affinity = getObject(spec, 'affinity', path, errs);
  if (!affinity) return;
  const ap = child(path, 'affinity');
  const nodeAffinity = getObject(affinity, 'nodeAffinity', ap, errs);
  for (const f of ['podAffinity', 'podAntiAffinity']) getObject(affinity, f, ap, errs);
  if (!nodeAffinity) return;
  const np = child(ap, 'nodeAffinity');
  const req = getObject(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution', np, errs);
  getArray(nodeAffinity, 'preferredDuringSchedulingIgnoredDuringExecution', np, errs);
  if (!req) return;
  const rp = child(np, 'requiredDuringSchedulingIgnoredDuringExecution');
  const terms = getObjectArray(req, 'nodeSelectorTerms', rp, errs);
  if (terms.length === 0) errs.push(required(child(rp, 'nodeSelectorTerms'), 'must have at least one node selector term'));
  for (const [term, i] of terms) {
    const tp = index(child(rp, 'nodeSelectorTerms'), i);
    for (const field of ['matchExpressions', 'matchFields']) {
      for (const [e, j] of getObjectArray(term, field, tp, errs)) {
        const ep = index(child(tp, field), j);
        const k = getString(e, 'key', ep, errs);
        if (isMissing(e, 'key')) errs.push(required(child(ep, 'key')));
        else if (k && field === 'matchExpressions') for (const m of validateQualifiedName(k)) errs.push(invalid(child(ep, 'key'), k, m));
        getStringArray(e, 'values', ep, errs);
        const op = getString(e, 'operator', ep, errs);
        if (isMissing(e, 'operator')) errs.push(required(child(ep, 'operator')));
        else if (op !== undefined && !oneOf(op, NODE_SELECTOR_OPERATORS)) errs.push(notSupported(child(ep, 'operator'), op, NODE_SELECTOR_OPERATORS));
      }
    }
  }
}

/**
 * Validates a workload's `spec.template`: its labels against the workload's selector
 * (ValidatePodTemplateSpecForReplicaSet), its PodSpec, and restartPolicy Always.
 * `selector` is undefined when the selector itself was invalid, so no match is attempted.
 */
export function validatePodTemplate(spec: Json, selector: Selector | undefined, errs: Errors): void {
  const template = getObject(spec, 'template', 'spec', errs);
  if (!template) {
    if (spec.template === undefined || spec.template === null) errs.push(required('spec.template'));
    return;
  }
  const meta = getObject(template, 'metadata', 'spec.template', errs) ?? {};
  const labelErrs = validateLabels(meta.labels, 'spec.template.metadata.labels');
  errs.push(...labelErrs);
  validateAnnotations(meta, 'spec.template.metadata', errs);
  const labels = labelErrs.length === 0 ? (meta.labels as Record<string, string> | undefined) : undefined;
  if (selector && selector.length > 0 && labelErrs.length === 0 && !matches(selector, labels))
    errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` does not match template `labels`'));
  const podSpec = getObject(template, 'spec', 'spec.template', errs);
  if (!podSpec) {
    if (template.spec === undefined || template.spec === null) errs.push(required('spec.template.spec.containers'));
    return;
  }
  validatePodSpec(podSpec, 'spec.template.spec', errs);
  // Controllers recreate Pods themselves, so their templates may only restart Always.
  const rp = podSpec.restartPolicy;
  if (typeof rp === 'string' && rp !== 'Always' && oneOf(rp, RESTART_POLICIES))
    errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
}

// networking.k8s.io/v1 validation (Ingress, IngressClass, NetworkPolicy), following
// pkg/apis/networking/validation/validation.go rule by rule.

import { forbidden, invalid, notSupported, required } from '../errors.js';
import {
  Errors,
  child,
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
import { cidrIsStrictSubset, INVALID_CIDR, parseCIDR, parseIP } from './ip-syntax.js';
import { nameIsDns1035Label, validateLabelSelector } from './meta.js';
import { validateDns1123Subdomain } from './names.js';
import { checkPortNumber, portNameErrors, PROTOCOLS } from './ports.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'] as const;
const POLICY_TYPES = ['Egress', 'Ingress'] as const;
const PARAMETER_SCOPES = ['Cluster', 'Namespace'] as const;
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const MAX_CONTROLLER_LENGTH = 250;

// IsWildcardDNS1123Subdomain (RFC 1034 §4.3.3): '*' may only be the whole first label.
const WILDCARD = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_MESSAGE =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function hostErrors(host: string): string[] {
  if (!host.includes('*')) return validateDns1123Subdomain(host);
  const out: string[] = [];
  if (host.length > 253) out.push('must be no more than 253 characters');
  if (!WILDCARD.test(host)) out.push(WILDCARD_MESSAGE);
  return out;
}

/** Validates an Ingress spec: rules, paths, backends, TLS hosts and the class name. */
export function validateIngress(obj: Json, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  const rules = getObjectArray(spec, 'rules', 'spec', errs);
  const defaultBackend = getObject(spec, 'defaultBackend', 'spec', errs);
  if (rules.length === 0 && !defaultBackend && !(Array.isArray(spec.rules) && spec.rules.length > 0))
    errs.push(invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (defaultBackend) validateBackend(defaultBackend, 'spec.defaultBackend', errs);
  for (const [rule, i] of rules) {
    const p = index('spec.rules', i);
    const host = getString(rule, 'host', p, errs);
    if (host) {
      if (parseIP(host)) errs.push(invalid(child(p, 'host'), host, 'must be a DNS name, not an IP address'));
      for (const m of hostErrors(host)) errs.push(invalid(child(p, 'host'), host, m));
    }
    const http = getObject(rule, 'http', p, errs);
    if (http) validateHttpRule(http, child(p, 'http'), errs);
  }
  for (const [tls, i] of getObjectArray(spec, 'tls', 'spec', errs)) {
    const p = index('spec.tls', i);
    for (const [h, j] of getStringArray(tls, 'hosts', p, errs)) for (const m of hostErrors(h)) errs.push(invalid(index(child(p, 'hosts'), j), h, m));
    const secret = getString(tls, 'secretName', p, errs);
    if (secret) for (const m of validateDns1123Subdomain(secret)) errs.push(invalid(child(p, 'secretName'), secret, m));
  }
  const className = getString(spec, 'ingressClassName', 'spec', errs);
  if (className) for (const m of validateDns1123Subdomain(className)) errs.push(invalid('spec.ingressClassName', className, m));
}

function validateHttpRule(http: Json, path: string, errs: Errors): void {
  const paths = getObjectArray(http, 'paths', path, errs);
  if (!(Array.isArray(http.paths) && http.paths.length > 0)) errs.push(required(child(path, 'paths')));
  for (const [hp, i] of paths) {
    const p = index(child(path, 'paths'), i);
    const type = getString(hp, 'pathType', p, errs);
    const value = getString(hp, 'path', p, errs) ?? '';
    if (isMissing(hp, 'pathType')) errs.push(required(child(p, 'pathType'), 'pathType must be specified'));
    else if (type === 'Exact' || type === 'Prefix') {
      if (!value.startsWith('/')) errs.push(invalid(child(p, 'path'), value, 'must be an absolute path'));
      // Sequences a proxy would normalise away, so the match would not mean what it says.
      for (const s of INVALID_PATH_SEQUENCES) if (value.includes(s)) errs.push(invalid(child(p, 'path'), value, `must not contain '${s}'`));
      for (const s of INVALID_PATH_SUFFIXES) if (value.endsWith(s)) errs.push(invalid(child(p, 'path'), value, `cannot end with '${s}'`));
    } else if (type === 'ImplementationSpecific') {
      if (value !== '' && !value.startsWith('/')) errs.push(invalid(child(p, 'path'), value, 'must be an absolute path'));
    } else if (type !== undefined) errs.push(notSupported(child(p, 'pathType'), type, PATH_TYPES));
    const backend = getObject(hp, 'backend', p, errs) ?? {};
    validateBackend(backend, child(p, 'backend'), errs);
  }
}

/** An IngressBackend: exactly one of service and resource; a service port has exactly one of number and name. */
function validateBackend(b: Json, path: string, errs: Errors): void {
  const service = getObject(b, 'service', path, errs);
  const resource = getObject(b, 'resource', path, errs);
  if (service && resource) {
    errs.push(invalid(path, '', 'cannot set both resource and service backends'));
    return;
  }
  if (resource) {
    const rp = child(path, 'resource');
    const apiGroup = getString(resource, 'apiGroup', rp, errs);
    if (apiGroup) for (const m of validateDns1123Subdomain(apiGroup)) errs.push(invalid(child(rp, 'apiGroup'), apiGroup, m));
    for (const f of ['kind', 'name']) {
      getString(resource, f, rp, errs);
      if (isMissing(resource, f)) errs.push(required(child(rp, f)));
    }
    return;
  }
  if (!service) {
    errs.push(invalid(path, '', 'resource or service backend is required'));
    return;
  }
  const sp = child(path, 'service');
  const name = getString(service, 'name', sp, errs);
  if (isMissing(service, 'name')) errs.push(required(child(sp, 'name')));
  else if (name) for (const m of nameIsDns1035Label(name, false)) errs.push(invalid(child(sp, 'name'), name, m));
  const port = getObject(service, 'port', sp, errs) ?? {};
  const pp = child(sp, 'port');
  const portName = getString(port, 'name', pp, errs);
  const portNumber = getInt(port, 'number', pp, errs);
  if (portName && portNumber) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) for (const m of portNameErrors(portName)) errs.push(invalid(child(pp, 'name'), portName, m));
  else if (portNumber) checkPortNumber(portNumber, child(pp, 'number'), errs);
  else if (isMissing(port, 'name') && isMissing(port, 'number')) errs.push(required(path, 'port name or number is required'));
}

/** Validates an IngressClass: a domain-prefixed controller and, when present, the parameters reference. */
export function validateIngressClass(obj: Json, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  const controller = getString(spec, 'controller', 'spec', errs);
  if (isMissing(spec, 'controller')) errs.push(required('spec.controller'));
  else if (controller !== undefined) {
    if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(invalid('spec.controller', controller, `must be no more than ${MAX_CONTROLLER_LENGTH} bytes`));
    const slash = controller.indexOf('/');
    if (slash <= 0 || slash === controller.length - 1)
      errs.push(invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else for (const m of validateDns1123Subdomain(controller.slice(0, slash))) errs.push(invalid('spec.controller', controller.slice(0, slash), m));
  }
  const params = getObject(spec, 'parameters', 'spec', errs);
  if (!params) return;
  const pp = 'spec.parameters';
  for (const f of ['kind', 'name']) {
    getString(params, f, pp, errs);
    if (isMissing(params, f)) errs.push(required(`${pp}.${f}`));
  }
  const scope = getString(params, 'scope', pp, errs);
  const namespace = getString(params, 'namespace', pp, errs);
  if (isMissing(params, 'scope')) errs.push(required(`${pp}.scope`));
  else if (scope === 'Namespace' && !namespace) errs.push(required(`${pp}.namespace`, "`parameters.scope` is set to 'Namespace'"));
  else if (scope === 'Cluster' && namespace !== undefined) errs.push(forbidden(`${pp}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  else if (scope !== undefined && !(PARAMETER_SCOPES as readonly string[]).includes(scope)) errs.push(notSupported(`${pp}.scope`, scope, PARAMETER_SCOPES));
}

/** Validates a NetworkPolicy spec: the pod selector, every rule's ports and peers, and policyTypes. */
export function validateNetworkPolicy(obj: Json, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  if (spec.podSelector === undefined || spec.podSelector === null) errs.push(required('spec.podSelector'));
  else validateLabelSelector(spec.podSelector, 'spec.podSelector', errs);
  for (const [dir, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
    for (const [rule, i] of getObjectArray(spec, dir, 'spec', errs)) {
      const rp = index(`spec.${dir}`, i);
      for (const [port, j] of getObjectArray(rule, 'ports', rp, errs)) validateNetworkPolicyPort(port, index(child(rp, 'ports'), j), errs);
      for (const [peer, j] of getObjectArray(rule, peers, rp, errs)) validatePeer(peer, index(child(rp, peers), j), errs);
    }
  }
  const types = getStringArray(spec, 'policyTypes', 'spec', errs);
  if (types.length > 2) errs.push(invalid('spec.policyTypes', types.map(([t]) => t), 'may not specify more than two policyTypes'));
  else
    for (const [t, i] of types)
      if (!(POLICY_TYPES as readonly string[]).includes(t)) errs.push(notSupported(index('spec.policyTypes', i), t, POLICY_TYPES));
}

/** ValidateNetworkPolicyPort: protocol, a numeric or named port, and an endPort range only after a numeric port. */
function validateNetworkPolicyPort(port: Json, path: string, errs: Errors): void {
  const protocol = getString(port, 'protocol', path, errs);
  if (protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(protocol)) errs.push(notSupported(child(path, 'protocol'), protocol, PROTOCOLS));
  const p = getIntOrString(port, 'port', path, errs);
  const endPort = getInt(port, 'endPort', path, errs);
  const ep = child(path, 'endPort');
  if (typeof p === 'number') {
    checkPortNumber(p, child(path, 'port'), errs);
    if (endPort !== undefined) {
      if (endPort < p) errs.push(invalid(ep, endPort, 'must be greater than or equal to `port`'));
      checkPortNumber(endPort, ep, errs);
    }
  } else if (typeof p === 'string') {
    if (endPort !== undefined) errs.push(invalid(ep, endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of portNameErrors(p)) errs.push(invalid(child(path, 'port'), p, m));
  } else if (endPort !== undefined && isMissing(port, 'port')) {
    errs.push(invalid(ep, endPort, 'may not be specified when `port` is not specified'));
  }
}

/** ValidateNetworkPolicyPeer: at least one selector or an ipBlock, and an ipBlock alone. */
function validatePeer(peer: Json, path: string, errs: Errors): void {
  let count = 0;
  for (const f of ['podSelector', 'namespaceSelector']) {
    if (peer[f] === undefined || peer[f] === null) continue;
    count++;
    validateLabelSelector(peer[f], child(path, f), errs);
  }
  const ipBlock = getObject(peer, 'ipBlock', path, errs);
  if (ipBlock) {
    count++;
    validateIPBlock(ipBlock, child(path, 'ipBlock'), errs);
  }
  if (count === 0 && (peer.ipBlock === undefined || peer.ipBlock === null)) errs.push(required(path, 'must specify a peer'));
  else if (count > 1 && ipBlock) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
}

/** ValidateIPBlock: a parseable cidr (either family) and excepts strictly inside it. */
function validateIPBlock(block: Json, path: string, errs: Errors): void {
  const cidr = getString(block, 'cidr', path, errs);
  if (isMissing(block, 'cidr')) {
    errs.push(required(child(path, 'cidr')));
    return;
  }
  if (cidr === undefined) return;
  const outer = parseCIDR(cidr);
  if (!outer) {
    errs.push(invalid(child(path, 'cidr'), cidr, INVALID_CIDR));
    return;
  }
  for (const [e, i] of getStringArray(block, 'except', path, errs)) {
    const ep = index(child(path, 'except'), i);
    const inner = parseCIDR(e);
    if (!inner) errs.push(invalid(ep, e, INVALID_CIDR));
    else if (!cidrIsStrictSubset(outer, inner)) errs.push(invalid(ep, e, 'must be a strict subset of `cidr`'));
  }
}

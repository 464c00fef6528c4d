// Endpoints (v1) and EndpointSlice (discovery.k8s.io/v1) validation: addresses and ports, following
// validateEndpointSubsets in pkg/apis/core/validation and pkg/apis/discovery/validation.

import { duplicate, invalid, notSupported, required } from '../errors.js';
import {
  Errors,
  child,
  getBool,
  getInt,
  getObject,
  getObjectArray,
  getString,
  getStringArray,
  index,
  isMissing,
  Json,
} from './fields.js';
import { INVALID_IP, nonSpecialIPErrors, parseIP } from './ip-syntax.js';
import { dns1123LabelErrors } from './meta.js';
import { validateDns1123Subdomain, validateLabels, validateQualifiedName } from './names.js';
import { checkPortNumber, checkProtocol } from './ports.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;

/** Validates Endpoints `subsets[]`. */
export function validateEndpoints(obj: Json, errs: Errors): void {
  for (const [subset, i] of getObjectArray(obj, 'subsets', '', errs)) {
    const sp = index('subsets', i);
    for (const list of ['addresses', 'notReadyAddresses']) {
      for (const [a, j] of getObjectArray(subset, list, sp, errs)) validateEndpointAddress(a, index(child(sp, list), j), errs);
    }
    const ports = getObjectArray(subset, 'ports', sp, errs);
    const requireName = Array.isArray(subset.ports) && subset.ports.length > 1;
    for (const [port, j] of ports) {
      const pp = index(child(sp, 'ports'), j);
      const name = getString(port, 'name', pp, errs);
      if (requireName && isMissing(port, 'name')) errs.push(required(child(pp, 'name')));
      else if (name) for (const m of dns1123LabelErrors(name)) errs.push(invalid(child(pp, 'name'), name, m));
      const n = getInt(port, 'port', pp, errs);
      if (isMissing(port, 'port')) errs.push(required(child(pp, 'port')));
      else if (n !== undefined) checkPortNumber(n, child(pp, 'port'), errs);
      checkProtocol(port, pp, errs);
    }
  }
}

function validateEndpointAddress(a: Json, path: string, errs: Errors): void {
  const ip = getString(a, 'ip', path, errs);
  if (isMissing(a, 'ip')) errs.push(required(child(path, 'ip')));
  else if (ip !== undefined) {
    if (!parseIP(ip)) errs.push(invalid(child(path, 'ip'), ip, INVALID_IP));
    // Unspecified, loopback and link-local addresses are not reachable Pod endpoints (ValidateNonSpecialIP).
    else for (const m of nonSpecialIPErrors(ip)) errs.push(invalid(child(path, 'ip'), ip, m));
  }
  const hostname = getString(a, 'hostname', path, errs);
  if (hostname) for (const m of dns1123LabelErrors(hostname)) errs.push(invalid(child(path, 'hostname'), hostname, m));
  const nodeName = getString(a, 'nodeName', path, errs);
  if (nodeName) for (const m of validateDns1123Subdomain(nodeName)) errs.push(invalid(child(path, 'nodeName'), nodeName, m));
  getObject(a, 'targetRef', path, errs);
}

/** Validates an EndpointSlice: addressType, endpoints[].addresses for that type, and ports. */
export function validateEndpointSlice(obj: Json, errs: Errors): void {
  const addressType = getString(obj, 'addressType', '', errs);
  if (isMissing(obj, 'addressType')) errs.push(required('addressType'));
  else if (addressType !== undefined && !(ADDRESS_TYPES as readonly string[]).includes(addressType))
    errs.push(notSupported('addressType', addressType, ADDRESS_TYPES));

  for (const [ep, i] of getObjectArray(obj, 'endpoints', '', errs)) {
    const p = index('endpoints', i);
    const addresses = getStringArray(ep, 'addresses', p, errs);
    if (ep.addresses === undefined || ep.addresses === null || (Array.isArray(ep.addresses) && ep.addresses.length === 0))
      errs.push(required(child(p, 'addresses'), 'must contain at least 1 address'));
    for (const [addr, j] of addresses) validateSliceAddress(addr, addressType, index(child(p, 'addresses'), j), errs);
    const conditions = getObject(ep, 'conditions', p, errs);
    if (conditions) for (const c of ['ready', 'serving', 'terminating']) getBool(conditions, c, child(p, 'conditions'), errs);
    const hostname = getString(ep, 'hostname', p, errs);
    if (hostname) for (const m of dns1123LabelErrors(hostname)) errs.push(invalid(child(p, 'hostname'), hostname, m));
    getString(ep, 'nodeName', p, errs);
    getString(ep, 'zone', p, errs);
    getObject(ep, 'targetRef', p, errs);
    errs.push(...validateLabels(ep.deprecatedTopology, child(p, 'deprecatedTopology')));
  }

  const names = new Set<string>();
  for (const [port, i] of getObjectArray(obj, 'ports', '', errs)) {
    const p = index('ports', i);
    const name = getString(port, 'name', p, errs) ?? '';
    if (name !== '') for (const m of dns1123LabelErrors(name)) errs.push(invalid(child(p, 'name'), name, m));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    checkProtocol(port, p, errs);
    const n = getInt(port, 'port', p, errs);
    if (n !== undefined) checkPortNumber(n, child(p, 'port'), errs);
    const appProtocol = getString(port, 'appProtocol', p, errs);
    if (appProtocol) for (const m of validateQualifiedName(appProtocol)) errs.push(invalid(child(p, 'appProtocol'), appProtocol, m));
  }
}

function validateSliceAddress(addr: string, addressType: string | undefined, path: string, errs: Errors): void {
  if (addressType === 'IPv4' || addressType === 'IPv6') {
    const ip = parseIP(addr);
    const want = addressType === 'IPv4' ? 4 : 16;
    // An IPv4-mapped IPv6 address still counts as IPv4, as Go's To4 sees it.
    const isV4 = ip !== undefined && (ip.length === 4 || (ip.slice(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff));
    if (!ip || (want === 4) !== isV4) errs.push(invalid(path, addr, `must be a valid ${addressType} address`));
    else for (const m of nonSpecialIPErrors(addr)) errs.push(invalid(path, addr, m));
  } else if (addressType === 'FQDN') {
    const name = addr.endsWith('.') ? addr.slice(0, -1) : addr;
    const msgs = validateDns1123Subdomain(name);
    if (msgs.length > 0) errs.push(invalid(path, name, msgs.join(',')));
    else if (name.split('.').length < 2) errs.push(invalid(path, name, 'should be a domain with at least two segments separated by dots'));
  }
}

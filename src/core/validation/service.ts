// Service validation (type, ports, cluster IPs, traffic policies, ExternalName), following ValidateService and
// ValidateServiceClusterIPsRelatedFields in pkg/apis/core/validation/validation.go.

import { duplicate, forbidden, invalid, notSupported, required } from '../errors.js';
import { Errors, child, getBool, getInt, getIntOrString, getObject, getObjectArray, getString, getStringArray, index, isMissing, Json } from './fields.js';
import { INVALID_CIDR, INVALID_IP, nonSpecialIPErrors, parseCIDR, parseIP } from './ip-syntax.js';
import { dns1123LabelErrors } from './meta.js';
import { validateDns1123Subdomain, validateLabels, validateQualifiedName } from './names.js';
import { checkPortNumber, checkPortNumOrName, checkProtocol } from './ports.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
const IP_FAMILIES = ['IPv4', 'IPv6'] as const;
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const;
const MAX_CLIENT_IP_TIMEOUT = 86400;

function oneOf(v: string, allowed: readonly string[]): boolean {
  return allowed.includes(v);
}

/**
 * apiservice.ExternallyAccessible: reachable from outside the cluster, so externalTrafficPolicy applies.
 * Defaulting uses the same rule (src/core/defaults.ts).
 */
export function externallyAccessible(type: unknown, externalIPs: unknown): boolean {
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(externalIPs) && externalIPs.length > 0);
}

/** Validates a Service's spec. */
export function validateService(obj: Json, errs: Errors): void {
  const spec = getObject(obj, 'spec', '', errs) ?? {};
  const type = getString(spec, 'type', 'spec', errs);
  if (isMissing(spec, 'type')) errs.push(required('spec.type'));
  else if (type !== undefined && !oneOf(type, SERVICE_TYPES)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));

  const clusterIP = getString(spec, 'clusterIP', 'spec', errs);
  const clusterIPs = getStringArray(spec, 'clusterIPs', 'spec', errs).map(([s]) => s);
  const headless = clusterIP === 'None' || (clusterIPs.length === 1 && clusterIPs[0] === 'None');

  const ports = getObjectArray(spec, 'ports', 'spec', errs);
  // Headless Services may omit ports (DNS only), and ExternalName Services are a CNAME.
  if ((spec.ports === undefined || spec.ports === null || (Array.isArray(spec.ports) && spec.ports.length === 0)) && !headless && type !== 'ExternalName')
    errs.push(required('spec.ports'));
  validateServicePorts(ports, Array.isArray(spec.ports) && spec.ports.length > 1, type, errs);

  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  validateSessionAffinity(spec, errs);
  validateClusterIPs(spec, type, clusterIP, clusterIPs, headless, errs);

  if (type === 'ExternalName') {
    const name = getString(spec, 'externalName', 'spec', errs) ?? '';
    // The value is a CNAME and may carry the trailing dot of a fully qualified name.
    const cname = name.endsWith('.') ? name.slice(0, -1) : name;
    if (cname === '') errs.push(required('spec.externalName'));
    else for (const m of validateDns1123Subdomain(cname)) errs.push(invalid('spec.externalName', cname, m));
  } else getString(spec, 'externalName', 'spec', errs);

  const externalIPs = getStringArray(spec, 'externalIPs', 'spec', errs);
  for (const [ip, i] of externalIPs) {
    const p = index('spec.externalIPs', i);
    if (!parseIP(ip)) errs.push(invalid(p, ip, INVALID_IP));
    else for (const m of nonSpecialIPErrors(ip)) errs.push(invalid(p, ip, m));
  }
  const lbIP = getString(spec, 'loadBalancerIP', 'spec', errs);
  if (lbIP && !parseIP(lbIP)) errs.push(invalid('spec.loadBalancerIP', lbIP, INVALID_IP));
  const ranges = getStringArray(spec, 'loadBalancerSourceRanges', 'spec', errs);
  if (ranges.length > 0 && type !== 'LoadBalancer')
    errs.push(forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  // Values may be space-padded, a leftover of the annotation this field replaced.
  for (const [r, i] of ranges) if (!parseCIDR(r.trim())) errs.push(invalid(index('spec.loadBalancerSourceRanges', i), r.trim(), INVALID_CIDR));
  if (getBool(spec, 'allocateLoadBalancerNodePorts', 'spec', errs) !== undefined && type !== 'LoadBalancer')
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  getBool(spec, 'publishNotReadyAddresses', 'spec', errs);
  validateTrafficPolicies(spec, type, errs);
}

function validateServicePorts(ports: [Json, number][], requireName: boolean, type: string | undefined, errs: Errors): void {
  const names = new Set<string>();
  const seen = new Set<string>();
  const nodePorts = new Set<string>();
  for (const [sp, i] of ports) {
    const p = index('spec.ports', i);
    const name = getString(sp, 'name', p, errs);
    if (requireName && isMissing(sp, 'name')) errs.push(required(child(p, 'name')));
    else if (name) {
      for (const m of dns1123LabelErrors(name)) errs.push(invalid(child(p, 'name'), name, m));
      if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    const port = getInt(sp, 'port', p, errs);
    if (isMissing(sp, 'port')) errs.push(required(child(p, 'port')));
    else if (port !== undefined) checkPortNumber(port, child(p, 'port'), errs);
    checkProtocol(sp, p, errs);
    const target = getIntOrString(sp, 'targetPort', p, errs);
    if (target !== undefined) checkPortNumOrName(target, child(p, 'targetPort'), errs);
    const appProtocol = getString(sp, 'appProtocol', p, errs);
    if (appProtocol) for (const m of validateQualifiedName(appProtocol)) errs.push(invalid(child(p, 'appProtocol'), appProtocol, m));
    const protocol = typeof sp.protocol === 'string' ? sp.protocol : 'TCP';
    const nodePort = getInt(sp, 'nodePort', p, errs);
    if (nodePort) {
      checkPortNumber(nodePort, child(p, 'nodePort'), errs);
      if (type === 'ClusterIP') errs.push(forbidden(child(p, 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
      // Node ports are unique per (protocol, port): the same number may serve TCP and UDP.
      const nk = `${protocol}/${nodePort}`;
      if (nodePorts.has(nk)) errs.push(duplicate(child(p, 'nodePort'), nodePort));
      nodePorts.add(nk);
    }
    if (port !== undefined) {
      const k = `${protocol}/${port}`;
      if (seen.has(k)) errs.push(duplicate(p, { port, protocol }));
      seen.add(k);
    }
  }
}

function validateSessionAffinity(spec: Json, errs: Errors): void {
  const affinity = getString(spec, 'sessionAffinity', 'spec', errs);
  const config = getObject(spec, 'sessionAffinityConfig', 'spec', errs);
  if (isMissing(spec, 'sessionAffinity')) errs.push(required('spec.sessionAffinity'));
  else if (affinity !== undefined && !oneOf(affinity, SESSION_AFFINITIES)) errs.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'None' && config) errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  if (affinity === 'ClientIP' && config) {
    const clientIP = getObject(config, 'clientIP', 'spec.sessionAffinityConfig', errs);
    const t = clientIP ? getInt(clientIP, 'timeoutSeconds', 'spec.sessionAffinityConfig.clientIP', errs) : undefined;
    if (t !== undefined && (t <= 0 || t > MAX_CLIENT_IP_TIMEOUT))
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than or equal to ${MAX_CLIENT_IP_TIMEOUT}`));
  }
}

function validateClusterIPs(spec: Json, type: string | undefined, clusterIP: string | undefined, clusterIPs: string[], headless: boolean, errs: Errors): void {
  const families = getStringArray(spec, 'ipFamilies', 'spec', errs);
  const policy = getString(spec, 'ipFamilyPolicy', 'spec', errs);
  if (type === 'ExternalName') {
    // ExternalName Services get no cluster IP, so none of the IP fields may be set.
    if (clusterIP) errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    else if (clusterIPs.length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (families.length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (policy !== undefined) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    return;
  }
  if (headless && (type === 'NodePort' || type === 'LoadBalancer'))
    errs.push(invalid('spec.clusterIP', 'None', `may not be set to 'None' for ${type} services`));
  if (clusterIP && clusterIP !== 'None' && !parseIP(clusterIP)) errs.push(invalid('spec.clusterIP', clusterIP, INVALID_IP));
  if (clusterIP && clusterIPs.length > 0 && clusterIPs[0] !== clusterIP)
    errs.push(invalid('spec.clusterIPs', clusterIPs, 'first value must match `clusterIP`'));
  if (!clusterIP && clusterIPs.length > 0) errs.push(invalid('spec.clusterIPs', clusterIPs, 'must be empty when `clusterIP` is not specified'));
  clusterIPs.forEach((ip, i) => {
    // clusterIPs[0] mirrors clusterIP after defaulting; a bad value is reported once, where the user wrote it.
    if (i === 0 && ip === clusterIP && ip !== 'None') return;
    if (ip === 'None' && i === 0) {
      if (clusterIPs.length > 1) errs.push(invalid('spec.clusterIPs', clusterIPs, "'None' must be the first and only value"));
    } else if (!parseIP(ip)) errs.push(invalid(index('spec.clusterIPs', i), ip, INVALID_IP));
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', clusterIPs, 'may only hold up to 2 values'));
  const seen = new Set<string>();
  for (const [f, i] of families) {
    if (!oneOf(f, IP_FAMILIES)) errs.push(notSupported(index('spec.ipFamilies', i), f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(index('spec.ipFamilies', i), f));
    seen.add(f);
  }
  if (policy !== undefined && !oneOf(policy, IP_FAMILY_POLICIES)) errs.push(notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
}

function validateTrafficPolicies(spec: Json, type: string | undefined, errs: Errors): void {
  const etp = getString(spec, 'externalTrafficPolicy', 'spec', errs);
  if (!externallyAccessible(type, spec.externalIPs)) {
    if (etp) errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (isMissing(spec, 'externalTrafficPolicy')) errs.push(required('spec.externalTrafficPolicy'));
  else if (etp !== undefined && !oneOf(etp, TRAFFIC_POLICIES)) errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));

  // healthCheckNodePort is allocated by the control plane; a user may only pick one when it is needed.
  const hc = getInt(spec, 'healthCheckNodePort', 'spec', errs);
  if (hc) {
    if (type !== 'LoadBalancer' || etp !== 'Local')
      errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    else checkPortNumber(hc, 'spec.healthCheckNodePort', errs);
  }

  const itp = getString(spec, 'internalTrafficPolicy', 'spec', errs);
  if (isMissing(spec, 'internalTrafficPolicy')) {
    if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') errs.push(required('spec.internalTrafficPolicy'));
  } else if (itp !== undefined && !oneOf(itp, TRAFFIC_POLICIES)) errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
}

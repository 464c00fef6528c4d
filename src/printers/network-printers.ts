// Table printers for the network kinds: Services, Endpoints, EndpointSlices, Ingresses, IngressClasses, NetworkPolicies.
// Upstream: pkg/printers/internalversion/printers.go in kubernetes/kubernetes (printService, formatEndpoints, ...).
// The API server prints with Wide=true, so load-balancer addresses are never clipped to 16 characters.

import type { KubeObject, ServicePort } from '../core/types.js';
import { ageSince, formatLabelSelector, formatLabels, joinHostPort, listWithMore, sortedSet } from './cell-formats.js';
import { AGE_COLUMN, NAME_COLUMN, column, type ResourcePrinter } from './table.js';

/** At most this many endpoints, ports or hosts are listed before " + N more...". */
const MAX_LISTED = 3;

/** loadBalancerStatusStringer: the unique ingress IPs (else hostnames), sorted and comma-joined. */
function loadBalancerAddresses(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const out: string[] = [];
  for (const i of ingress ?? []) {
    if (i.ip) out.push(i.ip);
    else if (i.hostname) out.push(i.hostname);
  }
  return sortedSet(out).join(',');
}

/** getServiceExternalIP, by spec.type as stored (the API defaults it to ClusterIP). */
function serviceExternalIP(svc: KubeObject): string {
  const spec = svc.spec ?? {};
  const externalIPs: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

/** makePortString: "port/protocol", or "port:nodePort/protocol"; the protocol is printed as stored. */
function servicePorts(ports: ServicePort[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => (p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
  return text || '<none>';
}

/** The services table printer. */
export const servicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'How the service is exposed.'),
    column('Cluster-IP', 'The first cluster IP (spec.clusterIPs[0]).'),
    column('External-IP', 'External IPs or load-balancer addresses.'),
    column('Port(s)', 'Service ports, with node ports.'),
    AGE_COLUMN,
    column('Selector', 'Labels of the pods the service selects.', { priority: 1 }),
  ],
  row: (svc, now) => ({
    cells: [
      svc.metadata.name,
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] ?? '<none>',
      serviceExternalIP(svc),
      servicePorts(svc.spec?.ports),
      ageSince(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ],
  }),
};

/**
 * formatEndpoints: ip:port for every ready address × port, the first three then " + N more...";
 * subsets without ports list bare IPs.
 */
export function formatEndpoints(ep: KubeObject): string {
  const subsets: any[] = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX_LISTED) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === MAX_LISTED) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - MAX_LISTED} more...` : joined;
}

/** The endpoints table printer. */
export const endpointsPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Endpoints', 'Ready addresses with their ports.'), AGE_COLUMN],
  row: (ep, now) => ({ cells: [ep.metadata.name, formatEndpoints(ep), ageSince(ep.metadata.creationTimestamp, now)] }),
};

/** formatDiscoveryPorts: port numbers (else the port name, else "*"). */
function endpointSlicePorts(ports: { port?: number | null; name?: string | null }[] | undefined | null): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of ports ?? []) {
    if (list.length < MAX_LISTED) list.push(p.port != null ? String(p.port) : p.name != null ? p.name : '*');
    else if (list.length === MAX_LISTED) more = true;
    count++;
  }
  return listWithMore(list, more, count, MAX_LISTED);
}

/** formatDiscoveryEndpoints: every address of every endpoint, ready or not. */
function endpointSliceEndpoints(endpoints: { addresses?: string[] }[] | undefined | null): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of endpoints ?? []) {
    for (const address of e.addresses ?? []) {
      if (list.length < MAX_LISTED) list.push(address);
      else if (list.length === MAX_LISTED) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, MAX_LISTED);
}

/** The endpointslices table printer. */
export const endpointSlicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'IPv4, IPv6 or FQDN.'),
    column('Ports', 'Port numbers of the slice.'),
    column('Endpoints', 'Addresses of the endpoints.'),
    AGE_COLUMN,
  ],
  row: (es, now) => ({
    cells: [
      es.metadata.name,
      es.addressType ?? '',
      endpointSlicePorts(es.ports),
      endpointSliceEndpoints(es.endpoints),
      ageSince(es.metadata.creationTimestamp, now),
    ],
  }),
};

/**
 * formatHosts: rule hosts, at most three, "*" when no rule has a host. Upstream counts every rule
 * (hostless ones too) in " + N more...".
 */
function ingressHosts(rules: { host?: string }[] | undefined): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === MAX_LISTED) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${(rules ?? []).length - MAX_LISTED} more...` : joined;
}

/** The ingresses table printer. */
export const ingressPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Class', 'The IngressClass that handles this ingress.'),
    column('Hosts', 'Hosts the rules match.'),
    column('Address', 'Load-balancer addresses.'),
    column('Ports', 'Ports the ingress opens (443 with TLS).'),
    AGE_COLUMN,
  ],
  row: (ing, now) => ({
    cells: [
      ing.metadata.name,
      ing.spec?.ingressClassName ?? '<none>',
      ingressHosts(ing.spec?.rules),
      loadBalancerAddresses(ing.status?.loadBalancer?.ingress),
      (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
      ageSince(ing.metadata.creationTimestamp, now),
    ],
  }),
};

/** The ingressclasses table printer. */
export const ingressClassPrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'The controller that implements this class.'),
    column('Parameters', 'The resource holding extra parameters.'),
    AGE_COLUMN,
  ],
  row: (ic, now) => {
    const p = ic.spec?.parameters;
    // "<Kind>[.<apiGroup>]/<name>"
    const parameters = p ? `${p.kind}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return { cells: [ic.metadata.name, ic.spec?.controller ?? '', parameters, ageSince(ic.metadata.creationTimestamp, now)] };
  },
};

/** The networkpolicies table printer. */
export const networkPolicyPrinter: ResourcePrinter = {
  columns: [NAME_COLUMN, column('Pod-Selector', 'Labels of the pods the policy applies to.'), AGE_COLUMN],
  row: (np, now) => ({
    // The pod selector is never nil upstream (a struct field), so an absent one prints like an empty one.
    cells: [np.metadata.name, formatLabelSelector(np.spec?.podSelector ?? {}), ageSince(np.metadata.creationTimestamp, now)],
  }),
};

// Converts Services and their EndpointSlices into kube-proxy's ServicePort view at the edge: the fields kube-proxy
// reads (pkg/proxy/serviceport.go newBaseServiceInfo) and the de-duplicated, sorted endpoints (endpointslicecache.go).

import { formatCidr, parseCidr, parseIPv4 } from '../core/ip.js';
import type { KubeObject, ServicePort } from '../core/types.js';
import type { ProxyEndpoint, ProxyProtocol, ProxyServicePort } from './types.js';

/** kube-proxy's default ClientIP affinity timeout (the API default of sessionAffinityConfig.clientIP.timeoutSeconds). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/** Services with this label belong to another proxy and are ignored by kube-proxy (its informer filters them). */
const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

/** True when kube-proxy ignores the Service entirely: headless, ExternalName, or owned by another proxy. */
export function skipService(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  if (svc.spec?.type === 'ExternalName' || ip === undefined || ip === '' || ip === 'None') return true;
  return svc.metadata.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined;
}

/** `ns/name` plus `:portName` when the port has a name (ServicePortName.String). */
export function servicePortNameString(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

function protocolOf(p: string | undefined): ProxyProtocol {
  return (p ?? 'TCP').toLowerCase() as ProxyProtocol;
}

/** apiservice.ExternallyAccessible: the Service type or its externalIPs make it reachable from outside. */
function serviceExternallyAccessible(svc: KubeObject): boolean {
  const t = svc.spec.type ?? 'ClusterIP';
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec.externalIPs ?? []).length > 0);
}

function loadBalancerIPs(svc: KubeObject): string[] {
  const out: string[] = [];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    // ipMode Proxy: the load balancer delivers traffic itself, so kube-proxy does not capture the IP.
    if (!ing?.ip || ing.ipMode === 'Proxy') continue;
    if (parseIPv4(ing.ip) !== undefined) out.push(ing.ip);
  }
  return out;
}

function sourceRanges(svc: KubeObject): string[] {
  const out: string[] = [];
  for (const r of (svc.spec.loadBalancerSourceRanges ?? []) as string[]) {
    const c = parseCidr(String(r).trim(), true);
    if (c) out.push(formatCidr(c));
  }
  return out;
}

interface SliceEndpoint extends ProxyEndpoint {}

/**
 * The endpoints of one Service port from the Service's EndpointSlices: slices are read in name order, a slice
 * port is matched by name and protocol, the first address is used, and for a repeated `ip:port` a ready copy wins.
 */
export function endpointsForPort(slices: KubeObject[], portName: string, protocol: ProxyProtocol): ProxyEndpoint[] {
  const byAddress = new Map<string, SliceEndpoint>();
  const sorted = [...slices].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const slice of sorted) {
    if ((slice.addressType ?? 'IPv4') !== 'IPv4') continue;
    for (const sp of (slice.ports ?? []) as any[]) {
      if (sp?.port === undefined || sp.port === null || (sp.name ?? '') !== portName || protocolOf(sp.protocol) !== protocol) continue;
      for (const ep of (slice.endpoints ?? []) as any[]) {
        const ip = ep?.addresses?.[0];
        if (typeof ip !== 'string' || parseIPv4(ip) === undefined) continue;
        const c = ep.conditions ?? {};
        const e: SliceEndpoint = {
          ip,
          port: sp.port,
          address: `${ip}:${sp.port}`,
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
          ready: c.ready !== false,
          serving: c.serving !== false,
          terminating: c.terminating === true,
        };
        if (!byAddress.has(e.address) || e.ready) byAddress.set(e.address, e);
      }
    }
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** Every ServicePort kube-proxy derives from one Service, with endpoints from its slices; [] for skipped Services. */
export function servicePortsOf(svc: KubeObject, slices: KubeObject[]): ProxyServicePort[] {
  if (skipService(svc)) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name;
  const external = serviceExternallyAccessible(svc);
  const externalIPs = ((svc.spec.externalIPs ?? []) as string[]).filter((ip) => parseIPv4(ip) !== undefined);
  const lbIPs = loadBalancerIPs(svc);
  const externalPolicyLocal = external && svc.spec.externalTrafficPolicy === 'Local';
  const affinity = svc.spec.sessionAffinity === 'ClientIP' ? svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS : undefined;
  const needsHealthCheck = svc.spec.type === 'LoadBalancer' && externalPolicyLocal;
  return ((svc.spec.ports ?? []) as ServicePort[]).map((sp) => {
    const portName = sp.name ?? '';
    const protocol = protocolOf(sp.protocol);
    const nodePort = sp.nodePort ?? 0;
    return {
      namespace,
      name,
      portName,
      servicePortName: servicePortNameString(namespace, name, portName),
      protocol,
      clusterIP: svc.spec.clusterIP,
      port: sp.port,
      nodePort,
      externalIPs,
      loadBalancerIPs: lbIPs,
      loadBalancerSourceRanges: sourceRanges(svc),
      healthCheckNodePort: needsHealthCheck ? svc.spec.healthCheckNodePort ?? 0 : 0,
      ...(affinity !== undefined ? { affinityTimeoutSeconds: affinity } : {}),
      internalPolicyLocal: svc.spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal,
      externallyAccessible: nodePort !== 0 || lbIPs.length > 0 || externalIPs.length > 0,
      endpoints: endpointsForPort(slices, portName, protocol),
    };
  });
}

/** Orders Service ports the way flatnet renders them: by servicePortName, then protocol. */
export function compareServicePorts(a: ProxyServicePort, b: ProxyServicePort): number {
  if (a.servicePortName !== b.servicePortName) return a.servicePortName < b.servicePortName ? -1 : 1;
  return a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

// The built-in ingress-nginx controller's status sync: every Ingress it serves gets the address of its published
// Service (`--publish-service`), which is what `kubectl get ingress` shows as ADDRESS; every other Ingress gets none.

import type { KubeObject } from '../core/types.js';
import { selectIngresses } from '../ingress/ingress-classes.js';
import { isPodReady } from './pods.js';
import { INGRESS_NGINX_CLASS, INGRESS_NGINX_CONTROLLER, INGRESS_NGINX_CONTROLLER_CLASS, INGRESS_NGINX_NAMESPACE, isIngressNginxControllerPod } from './system-objects.js';

/** One entry of status.loadBalancer.ingress of an Ingress (networking.k8s.io/v1 IngressLoadBalancerIngress). */
export interface IngressAddress {
  ip?: string;
  hostname?: string;
}

/** What the status sync reads: the Ingresses and IngressClasses, the Services and the Pods, after allocation. */
export interface IngressStatusInput {
  ingresses: KubeObject[];
  ingressClasses: KubeObject[];
  services: KubeObject[];
  pods: KubeObject[];
}

/**
 * internal/ingress/status/status.go statusAddressFromService: the addresses ingress-nginx publishes for its Service,
 * by type — a LoadBalancer's status addresses plus its spec.externalIPs, a NodePort's externalIPs (else its
 * clusterIP), a ClusterIP's clusterIP, an ExternalName's name. A LoadBalancer still waiting for an address has none.
 */
export function publishedAddresses(svc: KubeObject | undefined): IngressAddress[] {
  if (!svc) return []; // the Service lookup fails: the controller logs the error and writes nothing
  const spec = svc.spec ?? {};
  const externalIPs: string[] = spec.externalIPs ?? [];
  // A headless Service's "None" is no IP; the API server would reject it in an Ingress status.
  const clusterIP: IngressAddress[] = spec.clusterIP && spec.clusterIP !== 'None' ? [{ ip: spec.clusterIP }] : [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ExternalName':
      return spec.externalName ? [{ hostname: spec.externalName }] : [];
    case 'ClusterIP':
      return clusterIP;
    case 'NodePort':
      return externalIPs.length ? externalIPs.map((ip) => ({ ip })) : clusterIP;
    case 'LoadBalancer': {
      const out: IngressAddress[] = [];
      for (const lb of (svc.status?.loadBalancer?.ingress ?? []) as IngressAddress[]) out.push({ ...(lb.ip ? { ip: lb.ip } : {}), ...(lb.hostname ? { hostname: lb.hostname } : {}) });
      for (const ip of externalIPs) if (!out.some((a) => a.ip === ip || a.hostname === ip)) out.push({ ip });
      return out;
    }
  }
  return [];
}

/** status.go lessLoadBalancerIngress: by hostname, then by IP (plain string order, as Go compares them). */
function compareAddresses(a: IngressAddress, b: IngressAddress): number {
  const ha = a.hostname ?? '';
  const hb = b.hostname ?? '';
  if (ha !== hb) return ha < hb ? -1 : 1;
  const ia = a.ip ?? '';
  const ib = b.ip ?? '';
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/**
 * Sets status.loadBalancer on every Ingress. Only the elected leader among running controller pods syncs status,
 * and with --update-status-on-shutdown (default true) the last pod to stop clears the addresses it wrote, so with
 * no Running and Ready controller pod every Ingress has no address. Otherwise an Ingress the controller serves
 * (ingress-classes.ts selectIngresses with the manifest's --controller-class and --ingress-class) gets the published
 * addresses, sorted; one it does not serve is left alone by it, and the API server drops any status a manifest
 * carries on create (the Ingress registry strategy's PrepareForCreate), so it has none — the Ingress conformance
 * suite's ingress_class.feature checks that an Ingress of an unknown class never gets an address.
 */
export function syncIngressStatus(input: IngressStatusInput): void {
  ingressStatuses(input).forEach((status, i) => (input.ingresses[i].status = status));
}

/** The status syncIngressStatus gives each of `input.ingresses`, in the same order, changing nothing. */
export function ingressStatuses(input: IngressStatusInput): KubeObject['status'][] {
  const running = input.pods.some((p) => isIngressNginxControllerPod(p) && p.status?.phase === 'Running' && isPodReady(p));
  const published = input.services.find((s) => s.metadata.namespace === INGRESS_NGINX_NAMESPACE && s.metadata.name === INGRESS_NGINX_CONTROLLER);
  const addresses = running ? publishedAddresses(published).sort(compareAddresses) : [];
  if (addresses.length === 0) return input.ingresses.map(() => ({ loadBalancer: {} }));
  const { served } = selectIngresses([...input.ingressClasses, ...input.ingresses], { controller: INGRESS_NGINX_CONTROLLER_CLASS, ingressClass: INGRESS_NGINX_CLASS });
  const isServed = new Set(served);
  return input.ingresses.map((ing) => ({ loadBalancer: isServed.has(ing) ? { ingress: addresses.map((a) => ({ ...a })) } : {} }));
}

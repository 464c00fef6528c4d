// Service allocation as kube-apiserver's registry and a load-balancer controller do it: ClusterIPs from the
// service CIDR, NodePorts from the node port range, LoadBalancer addresses from the pool. Explicit values are
// honoured and checked; previous allocations are kept; new ones are stable hashes of namespace/name.

import { describeObject, invalid } from '../core/errors.js';
import { cidrContains, formatCidr, formatIPv4, parseIPv4 } from '../core/ip.js';
import { keyOf } from '../core/objects.js';
import type { KubeObject, ServicePort } from '../core/types.js';
import { ReconcileContext, previousOf, reportFieldError } from './context.js';
import { HashAllocator } from './hash-allocator.js';

// pkg/registry/core/service/ipallocator and portallocator: dynamic allocations prefer the upper band of a range,
// leaving the lower band to users who pick values by hand. The band is size/step, clamped to [16, max].
function rangeOffset(size: number, step: number, max: number): number {
  const offset = Math.min(Math.max(16, Math.floor(size / step)), max);
  return offset < size ? offset : 0;
}

function allocateInBands(alloc: HashAllocator, key: string, lo: number, hi: number, offset: number): number | undefined {
  return alloc.allocate(key, lo + offset, hi) ?? alloc.allocate(key, lo, hi);
}

function needsNodePorts(svc: KubeObject): boolean {
  const t = svc.spec.type;
  return t === 'NodePort' || (t === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
}

export function allocateServices(ctx: ReconcileContext, services: KubeObject[]): void {
  allocateClusterIPs(ctx, services);
  allocateNodePorts(ctx, services);
  allocateLoadBalancerIPs(ctx, services);
}

function allocateClusterIPs(ctx: ReconcileContext, services: KubeObject[]): void {
  const cidr = ctx.config.serviceCIDR;
  const alloc = new HashAllocator(cidr.size);
  alloc.claim(0);
  alloc.claim(cidr.size - 1);
  const owner = new Map<number, KubeObject>();
  const wantsIP = (s: KubeObject) => s.spec.type !== 'ExternalName' && s.spec.clusterIP !== 'None';
  const fresh: KubeObject[] = [];
  // The apiserver's own Service and kube-dns hold their addresses before any user's Service asks for them.
  const isSystem = (s: KubeObject) => (s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes') || (s.metadata.namespace === 'kube-system' && s.metadata.name === 'kube-dns');
  for (const svc of [...services.filter(isSystem), ...services.filter((s) => !isSystem(s))]) {
    if (!wantsIP(svc)) continue;
    const given: string | undefined = svc.spec.clusterIP || svc.spec.clusterIPs?.[0] || undefined;
    if (given === undefined) {
      fresh.push(svc);
      continue;
    }
    const ip = parseIPv4(given);
    const field = 'spec.clusterIPs[0]';
    if (ip === undefined || !cidrContains(cidr, ip)) {
      reportFieldError(ctx, svc, invalid(field, given, `failed to allocate IP ${given}: the provided IP (${given}) is not in the valid range. The range of valid IPs is ${formatCidr(cidr)}`));
      continue;
    }
    const slot = ip - cidr.base;
    if (!alloc.claim(slot)) {
      const other = owner.get(slot);
      const by = other ? ` to ${describeObject('Service', other.metadata.namespace, other.metadata.name)}` : ' (it is the network or broadcast address)';
      reportFieldError(ctx, svc, invalid(field, given, `failed to allocate IP ${given}: provided IP is already allocated${by}`));
      continue;
    }
    owner.set(slot, svc);
  }
  // The kubernetes Service's address and the DNS address are never handed out dynamically.
  alloc.claim(1);
  alloc.claim(ctx.config.dnsServiceIP - cidr.base);
  const newcomers: KubeObject[] = [];
  for (const svc of fresh) {
    const prevIP = parseIPv4(previousOf(ctx, svc)?.spec?.clusterIP ?? '');
    if (prevIP !== undefined && cidrContains(cidr, prevIP) && alloc.claim(prevIP - cidr.base)) setClusterIP(svc, formatIPv4(prevIP));
    else newcomers.push(svc);
  }
  const offset = rangeOffset(cidr.size, 16, 256);
  for (const svc of newcomers) {
    const slot = allocateInBands(alloc, keyOf(svc), 1, cidr.size - 1, offset);
    if (slot === undefined) {
      reportFieldError(ctx, svc, invalid('spec.clusterIPs', null, `failed to allocate a serviceIP: range is full (${formatCidr(cidr)})`));
      continue;
    }
    setClusterIP(svc, formatIPv4(cidr.base + slot));
  }
  for (const svc of services) {
    if (svc.spec.type === 'ExternalName') {
      delete svc.spec.clusterIP;
      delete svc.spec.clusterIPs;
    } else if (svc.spec.clusterIP === 'None') svc.spec.clusterIPs = ['None'];
    else if (svc.spec.clusterIP) svc.spec.clusterIPs = [svc.spec.clusterIP];
  }
}

function setClusterIP(svc: KubeObject, ip: string): void {
  svc.spec.clusterIP = ip;
  svc.spec.clusterIPs = [ip];
}

interface PortSlot {
  svc: KubeObject;
  field: string;
  set: (n: number) => void;
  given?: number;
  previous?: number;
  key: string;
}

function nodePortSlots(ctx: ReconcileContext, svc: KubeObject): PortSlot[] {
  const slots: PortSlot[] = [];
  const prev = previousOf(ctx, svc);
  const prevPorts: ServicePort[] = prev?.spec?.ports ?? [];
  if (needsNodePorts(svc)) {
    (svc.spec.ports as ServicePort[]).forEach((p, i) => {
      const before = prevPorts.find((q) => q.port === p.port && q.protocol === p.protocol && q.name === p.name);
      slots.push({ svc, field: `spec.ports[${i}].nodePort`, set: (n) => (p.nodePort = n), given: p.nodePort, previous: before?.nodePort, key: `${keyOf(svc)}/${p.name ?? ''}/${p.port}/${p.protocol}` });
    });
  } else for (const p of svc.spec.ports ?? []) delete p.nodePort;
  // Only LoadBalancer Services with externalTrafficPolicy: Local get a health-check node port.
  if (svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local')
    slots.push({ svc, field: 'spec.healthCheckNodePort', set: (n) => (svc.spec.healthCheckNodePort = n), given: svc.spec.healthCheckNodePort, previous: prev?.spec?.healthCheckNodePort, key: `${keyOf(svc)}/healthcheck` });
  else delete svc.spec.healthCheckNodePort;
  return slots;
}

function allocateNodePorts(ctx: ReconcileContext, services: KubeObject[]): void {
  const { min, max } = ctx.config.nodePortRange;
  const alloc = new HashAllocator(max - min + 1);
  const owner = new Map<number, KubeObject>();
  const slots = services.flatMap((s) => nodePortSlots(ctx, s));
  const rest: PortSlot[] = [];
  for (const s of slots) {
    if (s.given === undefined) {
      rest.push(s);
      continue;
    }
    if (s.given < min || s.given > max) {
      reportFieldError(ctx, s.svc, invalid(s.field, s.given, `provided port is not in the valid range. The range of valid ports is ${min}-${max}`));
      continue;
    }
    // One Service may use the same node port for two protocols of one port (upstream allows TCP+UDP pairs).
    if (!alloc.claim(s.given - min) && owner.get(s.given - min) !== s.svc) {
      const other = owner.get(s.given - min)!;
      reportFieldError(ctx, s.svc, invalid(s.field, s.given, `provided port is already allocated to ${describeObject('Service', other.metadata.namespace, other.metadata.name)}`));
      continue;
    }
    owner.set(s.given - min, s.svc);
  }
  const fresh: PortSlot[] = [];
  for (const s of rest) {
    if (s.previous !== undefined && s.previous >= min && s.previous <= max && alloc.claim(s.previous - min)) s.set(s.previous);
    else fresh.push(s);
  }
  const offset = rangeOffset(max - min + 1, 32, 128);
  for (const s of fresh) {
    const slot = allocateInBands(alloc, s.key, 0, max - min + 1, offset);
    if (slot === undefined) reportFieldError(ctx, s.svc, invalid(s.field, null, `range is full: no free node port in ${min}-${max}`));
    else s.set(min + slot);
  }
}

function allocateLoadBalancerIPs(ctx: ReconcileContext, services: KubeObject[]): void {
  const pool = ctx.config.loadBalancerPool;
  const alloc = new HashAllocator(pool.size);
  if (pool.size > 2) {
    alloc.claim(0);
    alloc.claim(pool.size - 1);
  }
  const lbs = services.filter((s) => s.spec.type === 'LoadBalancer');
  for (const s of services) if (s.spec.type !== 'LoadBalancer') s.status = { loadBalancer: {} };
  const fresh: KubeObject[] = [];
  const ipOf = new Map<KubeObject, number>();
  for (const svc of lbs) {
    const given: string | undefined = svc.spec.loadBalancerIP || undefined;
    if (given === undefined) {
      fresh.push(svc);
      continue;
    }
    const ip = parseIPv4(given);
    if (ip === undefined || !cidrContains(pool, ip)) reportFieldError(ctx, svc, invalid('spec.loadBalancerIP', given, `is not in the cluster's loadBalancerPool ${formatCidr(pool)}`));
    else if (!alloc.claim(ip - pool.base)) reportFieldError(ctx, svc, invalid('spec.loadBalancerIP', given, 'is already assigned to another Service'));
    else ipOf.set(svc, ip);
  }
  const newcomers: KubeObject[] = [];
  for (const svc of fresh) {
    const prevIP = parseIPv4(previousOf(ctx, svc)?.status?.loadBalancer?.ingress?.[0]?.ip ?? '');
    if (prevIP !== undefined && cidrContains(pool, prevIP) && alloc.claim(prevIP - pool.base)) ipOf.set(svc, prevIP);
    else newcomers.push(svc);
  }
  for (const svc of newcomers) {
    const slot = alloc.allocate(keyOf(svc));
    if (slot === undefined) ctx.warnings.push(`Service ${svc.metadata.namespace}/${svc.metadata.name}: loadBalancerPool ${formatCidr(pool)} is exhausted; EXTERNAL-IP stays <pending>`);
    else ipOf.set(svc, pool.base + slot);
  }
  for (const svc of lbs) {
    const ip = ipOf.get(svc);
    svc.status = { loadBalancer: ip === undefined ? {} : { ingress: [{ ip: formatIPv4(ip), ipMode: 'VIP' }] } };
  }
}

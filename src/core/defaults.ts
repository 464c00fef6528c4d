// The defaults the API server fills in on create (pkg/apis/*/v1/defaults.go plus the Service registry's IP-family
// and clusterIPs normalisation), so stored objects look exactly as `kubectl get -o yaml` shows them on a real cluster.

import { resourceTypeOfKind } from './resources.js';
import type { KubeObject } from './types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of decoded JSON without null map entries: Go's decoder turns `field: null` into the zero value. */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = copy(x);
  return out;
}

/** The object at o[k], created when absent; undefined when the field holds something else (validation reports it). */
function ensure(o: Json, k: string): Json | undefined {
  if (o[k] === undefined) o[k] = {};
  return isObject(o[k]) ? (o[k] as Json) : undefined;
}

function objectsIn(o: Json | undefined, k: string): Json[] {
  const v = o?.[k];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** Sets a field left unset; strings count '' as unset, as Go's `if x == ""` defaulting does. */
function fill(o: Json, k: string, value: unknown): void {
  if (o[k] === undefined || o[k] === '') o[k] = value;
}

/**
 * Returns a deep copy of `obj` with the API server's defaults applied. Namespaced kinds without
 * metadata.namespace get `defaultNamespace`; cluster-scoped kinds lose any namespace (rest.BeforeCreate clears it).
 * Fields holding the wrong type are left alone for validateObject to report.
 *
 * @example
 * applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }).spec
 * // → { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
 * //     internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }
 */
export function applyDefaults(obj: KubeObject, defaultNamespace = 'default'): KubeObject {
  const out = copy(obj) as Json;
  const meta = ensure(out, 'metadata');
  const kind = typeof out.kind === 'string' ? out.kind : '';
  const type = resourceTypeOfKind(kind);
  if (meta && type?.namespaced && (meta.namespace === undefined || meta.namespace === '')) meta.namespace = defaultNamespace;
  if (meta && type && !type.namespaced) delete meta.namespace;
  DEFAULTERS[kind]?.(out);
  return out as KubeObject;
}

const DEFAULTERS: Record<string, (o: Json) => void> = {
  Namespace: defaultNamespaceObject,
  Pod: (o) => {
    const spec = ensure(o, 'spec');
    if (spec) defaultPodSpec(spec, true);
  },
  Service: defaultService,
  Endpoints: (o) => {
    for (const s of objectsIn(o, 'subsets')) for (const p of objectsIn(s, 'ports')) fill(p, 'protocol', 'TCP');
  },
  EndpointSlice: (o) => {
    for (const p of objectsIn(o, 'ports')) {
      if (p.name === undefined) p.name = '';
      fill(p, 'protocol', 'TCP');
    }
  },
  Secret: defaultSecret,
  Deployment: defaultDeployment,
  ReplicaSet: (o) => defaultWorkload(o, true),
  StatefulSet: defaultStatefulSet,
  DaemonSet: defaultDaemonSet,
  NetworkPolicy: defaultNetworkPolicy,
  IngressClass: (o) => {
    const params = isObject(o.spec) && isObject(o.spec.parameters) ? o.spec.parameters : undefined;
    if (params) fill(params, 'scope', 'Cluster');
  },
};

/** SetDefaults_Namespace labels every namespace with its own name; SetDefaults_NamespaceStatus makes it Active. */
function defaultNamespaceObject(o: Json): void {
  const meta = o.metadata as Json | undefined;
  const name = meta?.name;
  if (meta && typeof name === 'string' && name !== '') {
    const labels = ensure(meta, 'labels');
    if (labels) labels['kubernetes.io/metadata.name'] = name;
  }
  const status = ensure(o, 'status');
  if (status) fill(status, 'phase', 'Active');
}

/** parsers.ParseImageName: no tag and no digest means `latest`, which is always pulled. */
function imagePullPolicy(image: string): string {
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  let tag = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : '';
  if (tag === '' && at < 0) tag = 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Json): void {
  fill(probe, 'timeoutSeconds', 1);
  fill(probe, 'periodSeconds', 10);
  fill(probe, 'successThreshold', 1);
  fill(probe, 'failureThreshold', 3);
  if (isObject(probe.httpGet)) {
    fill(probe.httpGet, 'path', '/');
    fill(probe.httpGet, 'scheme', 'HTTP');
  }
}

/**
 * The pod-only defaults (SetDefaults_Pod) for a pod made from an already defaulted template, applied in place:
 * controllers create pods from templates, and only these fields differ from the template's defaults.
 */
export function completePodFromTemplate(spec: Json): void {
  if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  if (spec.hostNetwork !== true) return;
  for (const c of objectsIn(spec, 'containers'))
    for (const p of objectsIn(c, 'ports')) if (p.hostPort === undefined || p.hostPort === 0) p.hostPort = p.containerPort;
}

/** SetDefaults_PodSpec and SetDefaults_Container; `isPod` adds SetDefaults_Pod (not applied to templates). */
function defaultPodSpec(spec: Json, isPod: boolean): void {
  fill(spec, 'dnsPolicy', 'ClusterFirst');
  fill(spec, 'restartPolicy', 'Always');
  fill(spec, 'terminationGracePeriodSeconds', 30);
  fill(spec, 'schedulerName', 'default-scheduler');
  if (spec.securityContext === undefined) spec.securityContext = {};
  if (isPod && spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
  for (const list of ['initContainers', 'containers']) {
    for (const c of objectsIn(spec, list)) {
      if (typeof c.image === 'string') fill(c, 'imagePullPolicy', imagePullPolicy(c.image));
      fill(c, 'terminationMessagePath', '/dev/termination-log');
      fill(c, 'terminationMessagePolicy', 'File');
      for (const p of objectsIn(c, 'ports')) {
        fill(p, 'protocol', 'TCP');
        // With host networking every container port is a host port (defaultHostNetworkPorts).
        if (isPod && spec.hostNetwork === true && (p.hostPort === undefined || p.hostPort === 0)) p.hostPort = p.containerPort;
      }
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) if (isObject(c[probe])) defaultProbe(c[probe] as Json);
    }
  }
}

function defaultService(o: Json): void {
  const spec = ensure(o, 'spec');
  if (!spec) return;
  fill(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const timeout = isObject(cfg) && isObject(cfg.clientIP) ? cfg.clientIP.timeoutSeconds : undefined;
    if (timeout === undefined) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  fill(spec, 'type', 'ClusterIP');
  for (const p of objectsIn(spec, 'ports')) {
    fill(p, 'protocol', 'TCP');
    // Only a valid port is copied, so a bad one is reported once, on `port`, and not again on targetPort.
    const valid = typeof p.port === 'number' && Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535;
    if ((p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') && valid) p.targetPort = p.port;
  }
  const type = spec.type;
  // apiservice.ExternallyAccessible (same rule as validation's externallyAccessible).
  const external = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external) fill(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.internalTrafficPolicy === undefined && (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer'))
    spec.internalTrafficPolicy = 'Cluster';
  if (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  if (type !== 'ExternalName') defaultServiceIPFamilies(spec);
}

/**
 * What the Service registry stores before allocating (pkg/registry/core/service/storage/alloc.go initIPFamilyFields):
 * clusterIPs mirrors clusterIP; the policy is SingleStack, except headless Services without a selector, which get
 * RequireDualStack and both families. flatnet clusters are single-stack IPv4, so IPv4 is the default family.
 */
function defaultServiceIPFamilies(spec: Json): void {
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && spec.clusterIPs === undefined) spec.clusterIPs = [spec.clusterIP];
  const headlessSelectorless = spec.clusterIP === 'None' && !(isObject(spec.selector) && Object.keys(spec.selector).length > 0);
  if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  if (spec.ipFamilies !== undefined) return;
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.filter((ip): ip is string => typeof ip === 'string' && ip !== 'None' && ip !== '') : [];
  const families = ips.length > 0 ? ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')) : ['IPv4'];
  if (headlessSelectorless && spec.ipFamilyPolicy !== 'SingleStack' && families.length < 2) families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  spec.ipFamilies = families;
}

function utf8Base64(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** SetDefaults_Secret (type Opaque) and the v1 conversion that folds write-only stringData into data. */
function defaultSecret(o: Json): void {
  fill(o, 'type', 'Opaque');
  const sd = o.stringData;
  if (!isObject(sd) || !Object.values(sd).every((v) => typeof v === 'string')) return;
  if (o.data !== undefined && !isObject(o.data)) return;
  const data = ensure(o, 'data') as Json;
  for (const [k, v] of Object.entries(sd)) data[k] = utf8Base64(v as string);
  delete o.stringData;
}

/** Defaults every workload shares: replicas (unless a DaemonSet) and the template's PodSpec. */
function defaultWorkload(o: Json, replicas: boolean): Json | undefined {
  const spec = ensure(o, 'spec');
  if (!spec) return undefined;
  if (replicas && spec.replicas === undefined) spec.replicas = 1;
  const template = isObject(spec.template) ? spec.template : undefined;
  if (template && isObject(template.spec)) defaultPodSpec(template.spec, false);
  return spec;
}

function defaultDeployment(o: Json): void {
  const spec = defaultWorkload(o, true);
  if (!spec) return;
  const strategy = ensure(spec, 'strategy');
  if (strategy) {
    fill(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const ru = ensure(strategy, 'rollingUpdate');
      if (ru) {
        fill(ru, 'maxUnavailable', '25%');
        fill(ru, 'maxSurge', '25%');
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
}

function defaultStatefulSet(o: Json): void {
  const spec = defaultWorkload(o, true);
  if (!spec) return;
  fill(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensure(spec, 'updateStrategy');
  if (strategy) {
    if (strategy.type === undefined || strategy.type === '') {
      strategy.type = 'RollingUpdate';
      if (strategy.rollingUpdate === undefined) strategy.rollingUpdate = {};
    }
    if (strategy.type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) fill(strategy.rollingUpdate, 'partition', 0);
  }
  // StatefulSetAutoDeletePVC is GA (1.32): the retention policy is always defaulted.
  const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    fill(retention, 'whenDeleted', 'Retain');
    fill(retention, 'whenScaled', 'Retain');
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
}

function defaultDaemonSet(o: Json): void {
  const spec = defaultWorkload(o, false);
  if (!spec) return;
  const strategy = ensure(spec, 'updateStrategy');
  if (strategy) {
    fill(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const ru = ensure(strategy, 'rollingUpdate');
      if (ru) {
        if (ru.maxUnavailable === undefined) ru.maxUnavailable = 1;
        if (ru.maxSurge === undefined) ru.maxSurge = 0;
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
}

/** SetDefaults_NetworkPolicy: policyTypes is Ingress, plus Egress when egress rules exist; ports default to TCP. */
function defaultNetworkPolicy(o: Json): void {
  const spec = ensure(o, 'spec');
  if (!spec) return;
  for (const dir of ['ingress', 'egress']) for (const rule of objectsIn(spec, dir)) for (const p of objectsIn(rule, 'ports')) fill(p, 'protocol', 'TCP');
  if (spec.policyTypes === undefined || (Array.isArray(spec.policyTypes) && spec.policyTypes.length === 0)) {
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

// The simulated data plane: follows one connection the way its packets would go (kube-proxy's Service rules or
// Cilium's eBPF load balancer, NAT, the CNI's route, NetworkPolicy, the listening socket) over indexes of the
// cluster, and hands back a session.
//
// @example
// const dp = new SimDataPlane(cluster.objects, cluster.config, { clock: new FixedClock(TEST_NOW) });
// const out = dp.connect({ from: { kind: 'pod', namespace: 'production', name: 'frontend-8545b95d86-nlq6t' },
//   to: { ip: '10.105.239.203', port: 8080 }, protocol: 'TCP' });
// if (out.kind === 'connected' && out.session.kind === 'http') await out.session.http(request); // {"status":"ok"}
// else console.log(out.kind, out.reason, out.message); // e.g. timeout POLICY_DENIED dropped by NetworkPolicy ingress ...

import type { Clock } from '../../core/clock.js';
import { kubeProxyReplaced, type ClusterConfig } from '../../core/cluster-config.js';
import { describeObject, NotFoundError } from '../../core/errors.js';
import { cidrContains, isLoopbackIPv4, parseCidr, parseIPv4 } from '../../core/ip.js';
import type { KubeObject } from '../../core/types.js';
import { policyEngineFor, type NetPolEngine } from '../../netpol/engine.js';
import { chooseCilium, ciliumContext, ciliumHookName, SERVICE_LOOPBACK_ADDRESS, type CiliumDecision, type CiliumHook } from '../../proxy/backends/cilium/index.js';
import { buildProxyModel, type ProxyDecision, type ProxyModel, type ProxyProtocol } from '../../proxy/model.js';
import type { ConnectionInfo, ConnectOutcome, ConnectRequest, DataPlane, Endpoint, Hop, HttpRequest, HttpResponse, Protocol } from '../types.js';
import { ciliumHostPortHop, ciliumNatHop, ciliumRefusalHop, ciliumServiceHop } from './cilium-hops.js';
import { ClusterIndex, podName, podObject, type AddressOwner, type NodeInfo } from './cluster-index.js';
import { routeHop } from './cni-route.js';
import { deliverAlong, failed, failure, planKey, ConnectionPlans, type DeliveryPlan, type Plan } from './connection-plans.js';
import { type DeliveryContext } from './delivery.js';
import { entryNodeFor } from './entry-node.js';
import { nowhere, outside } from './no-destination.js';
import { policyApplies, PolicyVerdicts } from './policy-check.js';
import { ServiceBalancer } from './service-balancer.js';
import { describeServicePort, hostPortHop, masqueradeWhy, natHop, refusalHop, serviceHop, serviceObject, serviceStep } from './service-hops.js';
import { workloadsForPod, type PodWorkloads } from './workloads/pod-workloads.js';

export interface SimDataPlaneOptions {
  clock: Clock;
  /** Passed to workloadsForPod (flatnet.dev/latency waits). */
  sleep?: (ms: number) => Promise<void>;
  /** Replaces what answers HTTP on a pod's port (the built-in ingress-nginx controller pod's 80/443 will be served by the Ingress proxy). Return undefined to keep the emulated workload. */
  httpOverride?: (pod: KubeObject, port: number, protocol: Protocol) => ((req: HttpRequest, conn: ConnectionInfo) => Promise<HttpResponse>) | undefined;
  /** Where the service proxy picks endpoints at random (kube-proxy's iptables and nftables modes, Cilium), draw from a generator with this seed; default: round-robin. */
  seed?: number;
}

/** Where a connection starts, resolved against the cluster. */
interface Source {
  kind: 'pod' | 'node' | 'external';
  /** The address its packets leave with. */
  ip: string;
  /** The node whose network the source is on (undefined for an external client). */
  node?: NodeInfo;
  pod?: KubeObject;
  /** A hostNetwork pod or a node: in the node's own network namespace, where kube-proxy's OUTPUT rules apply. */
  inNodeNamespace: boolean;
  at: string;
}

/** A service decision on one node: kube-proxy's, or Cilium's with the hook that took it. */
type Decision = ProxyDecision | CiliumDecision;

interface CachedWorkloads {
  /** The pod object the entry was last checked against. */
  pod: KubeObject;
  signature: string;
  workloads: PodWorkloads;
}

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** Linux's default net.ipv4.ip_local_port_range: where a client's source port comes from. */
const EPHEMERAL_PORTS = { min: 32768, max: 60999 };

/**
 * What decides a pod's emulated workloads: its identity, spec, flatnet.dev/ annotations and IP. Annotations and the
 * IP are included because a pod's programs read them, though the API server lets them change on a live pod.
 */
function workloadSignature(pod: KubeObject): string {
  return JSON.stringify([pod.metadata.uid, pod.spec, pod.metadata.annotations ?? {}, pod.status?.podIP]);
}

function checkRequest(req: ConnectRequest): void {
  if (parseIPv4(req.to?.ip ?? '') === undefined) throw new RangeError(`connect: to.ip: Invalid value: ${JSON.stringify(req.to?.ip)}: must be an IPv4 address`);
  if (!Number.isInteger(req.to.port) || req.to.port < 1 || req.to.port > 65535) throw new RangeError(`connect: to.port: Invalid value: ${req.to.port}: must be between 1 and 65535`);
  if (!PROTOCOLS.includes(req.protocol)) throw new RangeError(`connect: protocol: Unsupported value: ${JSON.stringify(req.protocol)}: supported values: "TCP", "UDP", "SCTP"`);
  if (req.from.kind === 'external' && parseIPv4(req.from.ip) === undefined) throw new RangeError(`connect: from.ip: Invalid value: ${JSON.stringify(req.from.ip)}: must be an IPv4 address`);
}

export class SimDataPlane implements DataPlane {
  private objects: KubeObject[] = [];
  private config!: ClusterConfig;
  private index!: ClusterIndex;
  private proxy?: ProxyModel;
  private engine?: NetPolEngine;
  private readonly cache = new Map<string, CachedWorkloads>();
  /** What workloads() answered for each pod object of this snapshot (the same every time until the next update). */
  private answered = new Map<KubeObject, PodWorkloads>();
  /** Paths of this snapshot (see ConnectionPlans); new with every update(). */
  private plans = new ConnectionPlans();
  /** Set while a path is worked out when it took a stateful step (the balancer's pick): such a path is not kept. */
  private picked = false;
  private verdicts!: PolicyVerdicts;
  private readonly balancer: ServiceBalancer;
  private readonly delivery: DeliveryContext;
  private nextPort = EPHEMERAL_PORTS.min;

  constructor(
    objects: KubeObject[],
    config: ClusterConfig,
    private readonly opts: SimDataPlaneOptions,
  ) {
    if (typeof opts?.clock?.now !== 'function') throw new TypeError('SimDataPlane: options.clock must be a Clock');
    this.balancer = new ServiceBalancer(opts.clock, opts.seed);
    this.delivery = { workloads: (pod) => this.workloads(pod), ...(opts.httpOverride ? { httpOverride: opts.httpOverride } : {}) };
    this.update(objects, config);
  }

  /** New cluster state (after every store change). Keeps each pod's PodWorkloads (and so its logs) while the pod's uid and spec are unchanged; keeps round-robin/affinity state. */
  update(objects: KubeObject[], config: ClusterConfig): void {
    this.objects = objects;
    this.config = config;
    this.index = new ClusterIndex(objects, config);
    this.proxy = undefined;
    this.engine = undefined;
    this.plans = new ConnectionPlans();
    this.answered = new Map();
    this.verdicts = new PolicyVerdicts(() => this.policyEngine());
    for (const [key, c] of this.cache) {
      const slash = key.indexOf('/');
      const pod = this.index.pod(key.slice(0, slash), key.slice(slash + 1));
      // A pod gone or replaced (new uid) loses its workloads; one that changed in place is rebuilt on next use and
      // keeps its containers' logs (see workloads()).
      if (!pod || pod.metadata.uid !== c.pod.metadata.uid) this.cache.delete(key);
    }
  }

  /** The emulated workloads of a pod (for logs), undefined if no such pod. */
  podWorkloads(namespace: string, name: string): PodWorkloads | undefined {
    const pod = this.index.pod(namespace, name);
    return pod && this.workloads(pod);
  }

  connect(req: ConnectRequest): ConnectOutcome {
    checkRequest(req);
    // The path depends only on the snapshot unless the Service proxy picked an endpoint (round-robin, affinity, a
    // seeded draw): then it is worked out again for every connection, so each pick still happens in turn.
    const key = planKey(req);
    let plan = this.plans.get(key);
    if (!plan) {
      this.picked = false;
      plan = this.plan(req);
      if (!this.picked) this.plans.keep(key, plan);
    }
    if (plan.kind === 'failed') {
      const o = plan.outcome;
      return failure(o.kind, o.reason, o.message, o.hops.slice());
    }
    return deliverAlong(plan, this.delivery, this.ephemeralPort());
  }

  /** The path of a connection up to the socket: a plan to deliver, or the outcome of a connection that gets no further. */
  private plan(req: ConnectRequest): Plan {
    const src = this.source(req);
    // 127.0.0.0/8 stays on the pod's lo, unless socket-LB translates connect() first: the default load-balancer pool
    // lies in 127.1.0.0/24, and Cilium's replacement looks every destination up before the kernel routes it.
    if (src.pod && !src.inNodeNamespace && isLoopbackIPv4(req.to.ip) && !this.socketTranslates(src, req)) return this.podLoopback(src, src.pod, req);
    const hops: Hop[] = [];
    const target = this.index.owner(req.to.ip);
    let at = src.node;
    if (!at) {
      const entry = entryNodeFor(this.index, () => this.proxyModel(), req, target);
      hops.push(this.sourceHop(src, req, entry && `; it enters the cluster at node ${entry.node.name} (${entry.node.ip}): ${entry.why}`));
      if (!entry) return failed(outside(this.index, hops, req.to.ip, 'external'));
      at = entry.node;
    } else hops.push(this.sourceHop(src, req, ''));
    return this.fromNode(req, src, at, target, hops);
  }

  /** The path once the packet is on a node: the Service proxy, hostPort, the destination, route, policy. */
  private fromNode(req: ConnectRequest, src: Source, first: NodeInfo, target: AddressOwner, hops: Hop[]): Plan {
    const { to, protocol } = req;
    // From a node's own namespace a packet to 127.0.0.0/8 leaves with source 127.0.0.1 (the lo route's src).
    const sourceIP = src.inNodeNamespace && isLoopbackIPv4(to.ip) ? '127.0.0.1' : src.ip;
    let at = first;
    let leavingPod = src.pod && !src.inNodeNamespace ? src.pod : undefined;
    let decision = this.decide(at, src, sourceIP, req, true);
    // NodePort rules match only addresses LOCAL to the node (`-m addrtype --dst-type LOCAL`): a packet for another
    // node's IP passes this node's rules untouched, is routed there and matches in that node's PREROUTING.
    if (decision.verdict === 'none' && target.kind === 'node' && target.node.name !== at.name) {
      hops.push(routeHop(this.config, { node: at, ...(leavingPod ? { pod: leavingPod } : {}) }, { node: target.node, ip: to.ip }));
      leavingPod = undefined;
      at = target.node;
      decision = this.decide(at, src, sourceIP, req, false);
    }
    const hook = 'hook' in decision ? decision.hook : undefined;
    const proxy = hook ? 'cilium' : this.config.proxyMode;
    if (decision.verdict === 'none' && 'unservedClusterIP' in decision) {
      const hop: Hop = { stage: 'service', at: `node ${at.name}`, summary: `${ciliumHookName(decision.hook)} on node ${at.name}: ${decision.reason}; the packet follows the node's default route out of the cluster and nothing answers`, objects: [serviceObject(decision.unservedClusterIP)] };
      hops.push(hop);
      return failed(failure('timeout', 'NO_ROUTE', hop.summary, hops));
    }
    if (decision.verdict === 'reject' || decision.verdict === 'drop') {
      const denied = decision.verdict === 'drop' && decision.entry === 'loadBalancerIP' && outsideSourceRanges(decision.servicePort.loadBalancerSourceRanges, sourceIP);
      const hop = hook ? ciliumRefusalHop(at, hook, decision, to, denied, src.pod) : refusalHop(at, this.config.proxyMode, decision, to, denied);
      hop.service = serviceStep(at, proxy, decision, sourceIP, to);
      hops.push(hop);
      // socket-LB refuses in the connect() call itself: EHOSTUNREACH, which clients report as "No route to host".
      const kind = decision.verdict === 'drop' ? 'timeout' : hook === 'socket' ? 'unreachable' : 'refused';
      return failed(failure(kind, denied ? 'SOURCE_RANGE_DENIED' : 'NO_ENDPOINTS', hop.summary, hops));
    }
    let dst: Endpoint = to;
    let srcIP = sourceIP;
    let snat = false;
    let via = '';
    if (decision.verdict === 'dnat' && decision.candidates.length === 0) {
      const who = hook ? ciliumHookName(hook) : `kube-proxy (${this.config.proxyMode})`;
      const hop: Hop = {
        stage: 'service',
        at: `node ${at.name}`,
        summary: `${who} on node ${at.name} matches ${describeServicePort(decision.servicePort)} but has no endpoint to send to (${decision.reason})`,
        objects: [serviceObject(decision.servicePort)],
        service: serviceStep(at, proxy, decision, sourceIP, to),
      };
      hops.push(hop);
      return failed(failure('timeout', 'NO_ENDPOINTS', hop.summary, hops));
    }
    if (decision.verdict === 'dnat') {
      this.picked = true;
      // IPVS's rr scheduler takes real servers in turn; iptables' statistic, nftables' numgen and Cilium's default
      // loadBalancer.algorithm (random) draw at random.
      const pick = this.balancer.pick(at.name, decision.servicePort, decision.candidates, sourceIP, decision.affinityTimeoutSeconds, hook !== undefined || this.config.proxyMode !== 'ipvs');
      const podOfIP = (ip: string) => this.index.podOfIP(ip);
      const hop = hook ? ciliumServiceHop(at, hook, decision, pick, to, src.pod, podOfIP) : serviceHop(at, this.config.proxyMode, decision, pick, to, podOfIP);
      hop.service = serviceStep(at, proxy, decision, sourceIP, to, pick.candidate.endpoint);
      hops.push(hop);
      dst = { ip: pick.candidate.endpoint.ip, port: pick.candidate.endpoint.port };
      if (hook) {
        // socket-LB: the socket is connected to the backend, and the kernel picks its source for that address.
        if (hook === 'socket') srcIP = src.ip;
        else if (pick.candidate.masquerade) [srcIP, snat] = [hook === 'lxc' ? SERVICE_LOOPBACK_ADDRESS : (at.ip ?? sourceIP), true];
        hops.push(ciliumNatHop(at, hook, { ip: sourceIP, port: 0 }, to, dst, srcIP, decision, src.pod));
      } else {
        if (pick.candidate.masquerade && at.ip) [srcIP, snat] = [at.ip, true];
        const why = masqueradeWhy(decision, sourceIP, dst.ip);
        hops.push(natHop(at, { ip: sourceIP, port: 0 }, to, dst, snat ? srcIP : undefined, why, [serviceObject(decision.servicePort)]));
      }
      via = `; reached through ${describeServicePort(decision.servicePort)}, whose endpoint is ${dst.ip}:${dst.port}`;
    } else {
      const local = (target.kind === 'node' && target.node.name === at.name) || (target.kind === 'loopback' && src.inNodeNamespace);
      const m = local ? this.index.hostPort(at.name, protocol, to.port, to.ip) : undefined;
      if (m) {
        dst = { ip: m.pod.status?.podIP as string, port: m.containerPort };
        if (kubeProxyReplaced(this.config)) {
          // Cilium's HostPort frontend: socket-LB on the node the connection is made on, else the BPF program on eth0.
          const onSource = src.node !== undefined && at.name === src.node.name;
          if (onSource) srcIP = src.ip;
          hops.push(ciliumHostPortHop(at, onSource ? 'socket' : 'device', { ip: sourceIP, port: 0 }, to, m, srcIP));
        } else {
          // portmap's CNI-HOSTPORT-MASQ: localhost sources (route_localnet) and a pod reaching its own hostPort.
          if ((isLoopbackIPv4(sourceIP) || src.pod === m.pod) && at.ip) [srcIP, snat] = [at.ip, true];
          hops.push(hostPortHop(at, { ip: sourceIP, port: 0 }, to, m, snat ? srcIP : undefined));
        }
        via = `; reached through hostPort ${to.port} on node ${at.name}`;
      }
    }
    return this.toDestination(req, src, { at, leavingPod, dst, srcIP, snat, via }, hops);
  }

  private toDestination(req: ConnectRequest, src: Source, p: { at: NodeInfo; leavingPod?: KubeObject; dst: Endpoint; srcIP: string; snat: boolean; via: string }, hops: Hop[]): Plan {
    const { at, dst } = p;
    const protocol = req.protocol;
    const owner = this.index.owner(dst.ip);
    let destPod: KubeObject | undefined;
    let destNode: NodeInfo | undefined;
    if (owner.kind === 'pod') {
      destPod = owner.pod;
      destNode = this.index.node(owner.pod.spec?.nodeName ?? '');
    } else if (owner.kind === 'node') destNode = owner.node;
    else if (owner.kind === 'loopback') destNode = at;
    else return failed(nowhere(this.config, this.index, { hops, at, owner, dst, protocol }));
    if (!destNode) return failed(failure('unreachable', 'NO_ROUTE', `${destPod ? podName(destPod) : dst.ip} is on node ${destPod?.spec?.nodeName}, which the cluster does not have`, hops));
    hops.push(routeHop(this.config, { node: at, ...(p.leavingPod ? { pod: p.leavingPod } : {}) }, { node: destNode, ...(destPod ? { pod: destPod } : {}), ip: dst.ip }));
    const q = { sourcePod: src.pod, sourceIP: p.srcIP, snat: p.snat, destinationPod: destPod, destinationIP: dst.ip, port: dst.port, protocol, at: destPod ? podName(destPod) : src.at };
    if (policyApplies(q)) {
      const r = this.verdicts.check(q);
      hops.push(r.hop);
      if (!r.allowed) return failed(failure('timeout', 'POLICY_DENIED', r.message, hops));
    }
    const plan: DeliveryPlan = { kind: 'deliver', hops, node: destNode, dst: { ip: dst.ip, port: dst.port }, protocol, srcIP: p.srcIP, via: p.via, memo: new Map(), refs: new Map() };
    if (destPod) plan.pod = destPod;
    else plan.hostPods = this.index.hostNetworkPodsOn(destNode.name);
    return plan;
  }

  /** 127.0.0.0/8 inside a pod: lo of the namespace every container of the pod shares. Nothing leaves; no policy. */
  private podLoopback(src: Source, pod: KubeObject, req: ConnectRequest): Plan {
    const hops = [
      this.sourceHop(src, req, ''),
      { stage: 'route' as const, at: src.at, summary: `${req.to.ip} is loopback: the packet stays on lo in ${podName(pod)}'s network namespace, which all its containers share; no NetworkPolicy applies`, objects: [podObject(pod)] },
    ];
    return { kind: 'deliver', hops, pod, node: src.node!, dst: { ip: req.to.ip, port: req.to.port }, protocol: req.protocol, srcIP: '127.0.0.1', via: '', memo: new Map(), refs: new Map() };
  }

  /** Whether Cilium's socket-LB on the source's node has a frontend for the destination (kube-proxy replacement only). */
  private socketTranslates(src: Source, req: ConnectRequest): boolean {
    return kubeProxyReplaced(this.config) && src.node !== undefined && this.decide(src.node, src, src.ip, req, true).verdict !== 'none';
  }

  /**
   * What the Service proxy on `node` does with the connection. Under Cilium's kube-proxy replacement: socket-LB on
   * the node the connection is made on (`onSourceNode`), the BPF NodePort path on eth0 for packets from elsewhere.
   * Under Cilium with kube-proxy: Cilium's per-packet balancing of a pod's cluster-IP connections, kube-proxy's rules
   * for the rest. Otherwise kube-proxy's rules.
   */
  private decide(node: NodeInfo, src: Source, sourceIP: string, req: ConnectRequest, onSourceNode: boolean): Decision {
    const view = this.proxyModel().forNode(node.name);
    const flow = { sourceIP, protocol: req.protocol.toLowerCase() as ProxyProtocol, destinationIP: req.to.ip, destinationPort: req.to.port };
    if (this.config.cni.name === 'cilium') {
      if (kubeProxyReplaced(this.config)) {
        const hook: CiliumHook = onSourceNode && src.kind !== 'external' ? 'socket' : 'device';
        return chooseCilium(flow, hook, ciliumContext(view), src.inNodeNamespace);
      }
      if (onSourceNode && src.pod && !src.inNodeNamespace) {
        const d = chooseCilium(flow, 'lxc', ciliumContext(view));
        if (d.verdict !== 'none') return d;
      }
    }
    return view.choose(flow);
  }

  private source(req: ConnectRequest): Source {
    const from = req.from;
    if (from.kind === 'external') return { kind: 'external', ip: from.ip, inNodeNamespace: false, at: 'external' };
    if (from.kind === 'node') {
      const node = this.index.node(from.name);
      if (!node) throw new NotFoundError('nodes', from.name);
      if (!node.ip) throw new Error(`node ${node.name} has no InternalIP address to connect from`);
      return { kind: 'node', ip: node.ip, node, inNodeNamespace: true, at: `node ${node.name}` };
    }
    const pod = this.index.pod(from.namespace, from.name);
    if (!pod) throw new NotFoundError('pods', `${from.namespace}/${from.name}`);
    const name = podName(pod);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') throw new Error(`${name} has finished (phase ${phase}): its network namespace is gone`);
    if (!pod.spec?.nodeName) throw new Error(`${name} is not scheduled to a node: it has no network namespace to connect from`);
    const ip = pod.status?.podIP as string | undefined;
    if (!ip) throw new Error(`${name} on node ${pod.spec.nodeName} has no IP yet (status.podIP is empty)`);
    const node = this.index.node(pod.spec.nodeName);
    if (!node) throw new Error(`${name} runs on node ${pod.spec.nodeName}, which the cluster does not have`);
    const hostNetwork = pod.spec.hostNetwork === true;
    return { kind: 'pod', ip: hostNetwork ? (node.ip ?? ip) : ip, node, pod, inNodeNamespace: hostNetwork, at: name };
  }

  private sourceHop(src: Source, req: ConnectRequest, entry: string | undefined): Hop {
    const dial = `opens a ${req.protocol} connection to ${req.to.ip}:${req.to.port}`;
    if (src.kind === 'external') return { stage: 'source', at: 'external', summary: `external client ${src.ip} ${dial}${entry ?? ''}`, objects: [] };
    if (src.kind === 'node') return { stage: 'source', at: src.at, summary: `node ${src.node!.name} (${src.ip}) ${dial} from its own network namespace`, objects: [describeObject('Node', undefined, src.node!.name)] };
    const pod = src.pod!;
    const where = src.inNodeNamespace ? `uses the host network of node ${src.node!.name} (${src.ip}) and` : `(${src.ip}) on node ${src.node!.name}`;
    return { stage: 'source', at: src.at, summary: `${podName(pod)} ${where} ${dial}`, objects: [podObject(pod)] };
  }

  private workloads(pod: KubeObject): PodWorkloads {
    let w = this.answered.get(pod);
    if (!w) this.answered.set(pod, (w = this.podWorkloadsOf(pod)));
    return w;
  }

  private podWorkloadsOf(pod: KubeObject): PodWorkloads {
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const c = this.cache.get(key);
    // The same object as last time needs no signature: the store hands out new objects when anything changes.
    if (c && c.pod === pod) return c.workloads;
    const signature = workloadSignature(pod);
    if (c && c.signature === signature) {
      c.pod = pod;
      return c.workloads;
    }
    // The same pod (uid) with new annotations or IP keeps its containers, and so their logs.
    const carried = c && c.pod.metadata.uid === pod.metadata.uid ? { logs: c.workloads.logs } : {};
    const workloads = workloadsForPod(pod, { clock: this.opts.clock, ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}), ...carried });
    this.cache.set(key, { pod, signature, workloads });
    return workloads;
  }

  private proxyModel(): ProxyModel {
    this.proxy ??= buildProxyModel(this.objects, this.config);
    return this.proxy;
  }

  private policyEngine(): NetPolEngine {
    this.engine ??= policyEngineFor({ objects: this.objects, config: this.config });
    return this.engine;
  }

  private ephemeralPort(): number {
    const port = this.nextPort;
    this.nextPort = port >= EPHEMERAL_PORTS.max ? EPHEMERAL_PORTS.min : port + 1;
    return port;
  }
}

/** Whether loadBalancerSourceRanges (when set) leave the source out: the firewall chain's DROP. */
function outsideSourceRanges(ranges: readonly string[], sourceIP: string): boolean {
  const ip = parseIPv4(sourceIP);
  if (ranges.length === 0 || ip === undefined) return false;
  return !ranges.some((r) => {
    const c = parseCidr(r, true);
    return c !== undefined && cidrContains(c, ip);
  });
}

// The NetworkPolicy engine: compiled once from a cluster's pods, namespaces and policies; answers one connection with
// its reasons, builds the all-pairs matrix, and derives a new engine cheaply when only policies change.

import type { ClusterConfig } from '../core/cluster-config.js';
import type { Selector } from '../core/labels.js';
import type { KubeObject } from '../core/types.js';
import { AddressSegments, IpRange } from './address-segments.js';
import { buildClassMatrix, ClassMatrix, updateClassMatrix } from './class-matrix.js';
import { CompiledPolicy, compilePolicy, Isolation, isolationOf, updateIsolation } from './compile.js';
import { EvalContext, evaluateQuery, Lookups } from './evaluate.js';
import { PolicyMatrix } from './matrix.js';
import { PodSelectorIndex } from './pod-index.js';
import { policySettingsFor } from './settings.js';
import type { ConnectionQuery, PolicyEngine, PolicySettings, Verdict } from './types.js';
import { policyFootprint, Universe } from './universe.js';
import { ClusterViews, clusterViews, compareNamespaced, NodeView, policyView, PolicyView, RuleView } from './views.js';

/** A change of policies: objects to create or replace, and "namespace/name" keys to delete. */
export interface PolicyChange {
  apply?: KubeObject[];
  delete?: string[];
}

/** What engines derived from one another share: the pods' side, which policy changes never touch. */
interface PodSide {
  views: Omit<ClusterViews, 'policies'>;
  universe: Universe;
  lookups: Lookups;
  podIndex: PodSelectorIndex;
}

/** A matrix to derive from: the previous engine's, and the rows a change touched. */
interface MatrixBase {
  matrix: ClassMatrix;
  ingressOf: Set<number>;
  egressOf: Set<number>;
}

interface EngineState {
  pods: PodSide;
  /** Sorted by namespace/name. */
  policies: CompiledPolicy[];
  isolation: Isolation;
  /** The ipBlocks of the policies (what the universe's segments must be cut by). */
  blocks: BlockCounts;
  base?: MatrixBase;
  /** How this engine came about: compiled from scratch, or derived from another sharing its pod classes. */
  derivation: 'compiled' | 'derived';
}

/** Each distinct ipBlock of the policies, counted: the segment boundaries are its ranges' (while counted > 0). */
type BlockCounts = Map<string, { ranges: IpRange[]; count: number }>;

function countBlocks(policies: readonly PolicyView[], into: BlockCounts = new Map(), sign = 1): BlockCounts {
  const add = (rules: RuleView[] | undefined) => {
    for (const r of rules ?? [])
      for (const peer of r.peers) {
        if (peer.kind !== 'ipBlock') continue;
        const e = into.get(peer.key);
        if (!e) into.set(peer.key, { ranges: peer.ranges, count: sign });
        else if ((e.count += sign) === 0) into.delete(peer.key);
      }
  };
  for (const p of policies) {
    add(p.ingress);
    add(p.egress);
  }
  return into;
}

/** True when the ipBlocks cut the address space exactly as the universe's segments do. */
function sameSegments(u: Universe, blocks: BlockCounts): boolean {
  const ranges: IpRange[] = [];
  for (const b of blocks.values()) for (const r of b.ranges) ranges.push(r);
  return u.segments.sameAs(new AddressSegments(ranges));
}

export class NetPolEngine implements PolicyEngine {
  private readonly ctx: EvalContext;
  private classes?: ClassMatrix;
  private index?: Map<string, Map<string, CompiledPolicy>>;

  /** Use buildPolicyEngine. */
  constructor(
    readonly settings: PolicySettings,
    private readonly state: EngineState,
  ) {
    const { universe, lookups } = state.pods;
    this.ctx = { universe, isolation: state.isolation, settings, ...lookups };
  }

  /** Allowed or denied, and why. Throws NotFoundError for an unknown pod, RangeError for an address that is not IPv4. */
  evaluate(q: ConnectionQuery): Verdict {
    return evaluateQuery(this.ctx, q);
  }

  /** All-pairs connectivity of the pods (of `namespaces`, when given) and the external segments. */
  matrix(opts: { namespaces?: string[] } = {}): PolicyMatrix {
    const u = this.state.pods.universe;
    const wanted = opts.namespaces ? new Set(opts.namespaces) : undefined;
    const pods: number[] = [];
    u.pods.forEach((p, i) => {
      if (!wanted || wanted.has(p.namespace)) pods.push(i);
    });
    return new PolicyMatrix(u, this.settings.enforced ? this.classMatrix() : undefined, this.settings, pods);
  }

  /** The class-level matrix, built on first use (or derived from the previous engine's after a policy change). */
  classMatrix(): ClassMatrix {
    if (!this.classes) {
      const { pods, isolation, base } = this.state;
      this.classes = base ? updateClassMatrix(base.matrix, isolation, base.ingressOf, base.egressOf) : buildClassMatrix(pods.universe, isolation);
      this.state.base = undefined;
    }
    return this.classes;
  }

  /** Sizes, for benchmarks and `--verbose` output. */
  stats(): { pods: number; namespaces: number; policies: number; podClasses: number; segments: number; connectionSets: number; derivation: 'compiled' | 'derived' } {
    const u = this.state.pods.universe;
    return {
      pods: u.pods.length,
      namespaces: u.namespaces.length,
      policies: this.state.policies.length,
      podClasses: u.classes.length,
      segments: u.segments.count,
      connectionSets: u.table.size,
      derivation: this.state.derivation,
    };
  }

  /**
   * An engine for the same pods with this complete list of policies: those whose object or spec is unchanged keep
   * their compiled form, the rest go through withPolicyChange.
   */
  withPolicies(policies: KubeObject[]): NetPolEngine {
    const index = this.byName();
    const apply: KubeObject[] = [];
    const seen = new Set<CompiledPolicy>();
    for (const o of policies) {
      if (o.kind !== 'NetworkPolicy') continue;
      const current = index.get(o.metadata.namespace ?? 'default')?.get(o.metadata.name);
      if (current) seen.add(current);
      const old = current?.source;
      if (old === o || (old && unchanged(old, o))) continue;
      apply.push(o);
    }
    const gone = seen.size === this.state.policies.length ? [] : this.state.policies.filter((p) => !seen.has(p)).map((p) => p.view.key);
    return this.withPolicyChange({ apply, delete: gone });
  }

  /** The policies by namespace, then name (two levels, so lookups hash the names the objects already hold). */
  private byName(): Map<string, Map<string, CompiledPolicy>> {
    if (!this.index) {
      this.index = new Map();
      for (const p of this.state.policies) {
        let names = this.index.get(p.view.namespace);
        if (!names) this.index.set(p.view.namespace, (names = new Map()));
        names.set(p.view.name, p);
      }
    }
    return this.index;
  }

  /**
   * An engine with some policies created, replaced or deleted, for the same pods and namespaces. It shares this
   * engine's pod classes, selections and unchanged matrix rows; only rows of pods the changed policies select (before
   * or after) are recomputed. A change that needs finer pod classes (a label key no selector used, new ipBlock
   * boundaries) compiles from scratch.
   */
  withPolicyChange(change: PolicyChange): NetPolEngine {
    const s = this.state;
    // The last object of a key wins, as when applying a stream of manifests.
    const byKey = new Map<string, { object: KubeObject; view: PolicyView }>();
    const selects = (ns: string, sel: Selector) => s.pods.podIndex.selectsAny(ns, sel);
    for (const o of change.apply ?? []) if (o.kind === 'NetworkPolicy') byKey.set(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, { object: o, view: policyView(o, selects) });
    const applied = [...byKey.values()];
    const index = this.byName();
    const gone = new Set<CompiledPolicy>();
    for (const key of [...(change.delete ?? []), ...byKey.keys()]) {
      const slash = key.indexOf('/');
      const p = index.get(key.slice(0, slash))?.get(key.slice(slash + 1));
      if (p) gone.add(p);
    }
    const removed = [...gone];
    const kept = removed.length ? s.policies.filter((p) => !gone.has(p)) : s.policies;
    const copy: BlockCounts = new Map([...s.blocks].map(([k, v]) => [k, { ...v }]));
    const blocks = countBlocks(applied.map((a) => a.view), countBlocks(removed.map((p) => p.view), copy, -1));
    const labelKeys = policyFootprint(applied.map((a) => a.view)).labelKeys;
    const u = s.pods.universe;
    if (!sameSegments(u, blocks) || ![...labelKeys].every((k) => u.footprint.labelKeys.has(k))) {
      const sources = [...kept.map((p) => p.source ?? p.view), ...applied.map((a) => a.object)];
      return fromParts(s.pods, sources, this.settings);
    }
    const added = applied.map((a) => compilePolicy(u, a.view, a.object));
    const policies = kept.slice();
    for (const p of added) policies.splice(insertionPoint(policies, p), 0, p);
    const base = this.classes ? { matrix: this.classes, ingressOf: new Set<number>(), egressOf: new Set<number>() } : undefined;
    for (const p of [...removed, ...added])
      for (const c of p.selected) {
        if (p.ingress) base?.ingressOf.add(c);
        if (p.egress) base?.egressOf.add(c);
      }
    const isolation = updateIsolation(s.isolation, removed, added);
    return new NetPolEngine(this.settings, { pods: s.pods, policies, isolation, blocks, base, derivation: 'derived' });
  }
}

/**
 * Whether a policy object is unchanged: the same uid and generation (the API server bumps generation on every spec
 * change, and so does flatnet's reconcile), or else the same spec.
 */
function unchanged(old: KubeObject, o: KubeObject): boolean {
  const [a, b] = [old.metadata, o.metadata];
  if (a.uid !== undefined && a.uid === b.uid && a.generation !== undefined && a.generation === b.generation) return true;
  return JSON.stringify(old.spec) === JSON.stringify(o.spec);
}

/** Where `p` goes in `sorted` (by namespace/name). */
function insertionPoint(sorted: readonly CompiledPolicy[], p: CompiledPolicy): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNamespaced(sorted[mid].view, p.view) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lookupsOf(u: Universe, nodes: readonly NodeView[]): Lookups {
  const podByKey = new Map<string, number>();
  const podByIP = new Map<number, number>();
  u.pods.forEach((p, i) => {
    podByKey.set(p.key, i);
    if (p.ip !== undefined && !p.hostNetwork) podByIP.set(p.ip, i);
  });
  return { podByKey, podByIP, nodeByIP: new Map(nodes.map((n) => [n.ip, n])) };
}

/**
 * Compiles from the pods' side (views, and the pod selector index when an earlier engine made one) and the policies
 * (API objects, or views already made from them).
 */
function fromParts(pods: Pick<PodSide, 'views'> & Partial<PodSide>, policies: readonly (KubeObject | PolicyView)[], settings: PolicySettings): NetPolEngine {
  const views = pods.views;
  const podIndex = pods.podIndex ?? new PodSelectorIndex(views.pods, (p) => !(p.hostNetwork && settings.hostNetworkIsNodeTraffic));
  const selects = (ns: string, sel: Selector) => podIndex.selectsAny(ns, sel);
  const pv = policies.map((p) => ('kind' in p ? { view: policyView(p, selects), source: p } : { view: p, source: undefined }));
  pv.sort((a, b) => compareNamespaced(a.view, b.view));
  const policyViews = pv.map((p) => p.view);
  const universe = new Universe(views.pods, views.namespaces, policyFootprint(policyViews), settings);
  const compiled = pv.map((p) => compilePolicy(universe, p.view, p.source));
  const side: PodSide = { views, universe, lookups: lookupsOf(universe, views.nodes), podIndex };
  return new NetPolEngine(settings, { pods: side, policies: compiled, isolation: isolationOf(universe, compiled), blocks: countBlocks(policyViews), derivation: 'compiled' });
}

/**
 * Compiles an engine from a cluster's objects (pods, namespaces, nodes, ReplicaSets for owners, NetworkPolicies).
 *
 * @example
 * const cluster = clusterFromYaml(yaml);
 * const engine = buildPolicyEngine(cluster.objects, policySettingsFor(cluster.config));
 * engine.evaluate({ from: { kind: 'pod', namespace: 'prod', name: 'web-1' }, to: { kind: 'ip', ip: '10.244.1.7' }, port: 'http', protocol: 'TCP' });
 */
export function buildPolicyEngine(objects: KubeObject[], settings: PolicySettings): NetPolEngine {
  return fromParts({ views: clusterViews(objects, { policies: false }) }, objects.filter((o) => o.kind === 'NetworkPolicy'), settings);
}

/** The engine of a built cluster (a BuiltCluster or anything with its objects and config), under its CNI's settings. */
export function policyEngineFor(cluster: { objects: KubeObject[]; config: Pick<ClusterConfig, 'cni'> }): NetPolEngine {
  return buildPolicyEngine(cluster.objects, policySettingsFor(cluster.config));
}

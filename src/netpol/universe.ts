// The peers policies can tell apart: pods grouped into classes that every selector, named port and ipBlock treats
// alike, then the address segments the ipBlocks cut (external hosts, nodes and hostNetwork pods), then one
// element for an address-less non-pod. Selections of namespaces, pods and peers are memoized per universe.

import type { Selector } from '../core/labels.js';
import type { Labels } from '../core/types.js';
import { AddressSegments, IpRange } from './address-segments.js';
import { Bits, fullBits, newBits, orInto, setBit } from './bitset.js';
import { ConnectionSetTable } from './connection-set.js';
import { LabelIndex } from './label-index.js';
import type { PolicySettings } from './types.js';
import type { NamespaceView, PeerView, PodView, PolicyView, RuleView } from './views.js';

/** A group of pods no policy can tell apart. */
export interface PodClass {
  ns: number;
  /** The pods' labels restricted to keys some selector uses. */
  labels: Labels;
  namedPorts: Map<string, number>;
  /** The address segment of the pods' IP when ipBlocks match pod IPs; -1 otherwise. */
  segment: number;
}

/** The label keys selectors use, and the ipBlock ranges: what decides how finely pods must be grouped. */
export interface PolicyFootprint {
  labelKeys: Set<string>;
  ranges: IpRange[];
}

export function policyFootprint(policies: readonly PolicyView[]): PolicyFootprint {
  const labelKeys = new Set<string>();
  const ranges: IpRange[] = [];
  const blocks = new Set<string>();
  const addKeys = (sel: Selector | undefined) => sel?.forEach((r) => labelKeys.add(r.key));
  const addRules = (rules: readonly RuleView[] | undefined) => {
    for (const rule of rules ?? [])
      for (const peer of rule.peers) {
        if (peer.kind === 'selector') addKeys(peer.podSelector);
        else if (!blocks.has(peer.key)) {
          blocks.add(peer.key);
          for (const r of peer.ranges) ranges.push(r);
        }
      }
  };
  for (const p of policies) {
    // An inert policy selects no pod, so neither its selector nor its rules need pods told apart.
    if (p.inert) continue;
    addKeys(p.podSelector);
    addRules(p.ingress);
    addRules(p.egress);
  }
  return { labelKeys, ranges };
}

function projectedKey(labels: Labels, keys: Set<string>): [string, Labels] {
  const out: Labels = {};
  const present = Object.keys(labels).filter((k) => keys.has(k)).sort();
  for (const k of present) out[k] = labels[k];
  return [present.map((k) => `${k}=${labels[k]}`).join('\u0001'), out];
}

export class Universe {
  readonly classes: PodClass[] = [];
  /** Universe index of every pod of `pods` (a class, a segment for node traffic, or `unaddressed`). */
  readonly elementOfPod: Int32Array;
  readonly segments: AddressSegments;
  readonly segmentBase: number;
  readonly unaddressed: number;
  readonly size: number;
  readonly nsIndex = new Map<string, number>();
  /** Shared by every engine derived from this universe, so their matrices hold comparable ids. */
  readonly table = new ConnectionSetTable();
  private readonly nsStart: Int32Array;
  private readonly nsEnd: Int32Array;
  private readonly segmentClasses = new Map<number, number[]>();
  private readonly classIndex: LabelIndex;
  private readonly namespaceIndex: LabelIndex;
  private readonly nsMemo = new Map<string, number[]>();
  private readonly selectionMemo = new Map<string, number[]>();
  private readonly peerMemo = new Map<string, Bits>();
  private readonly unionMemo = new Map<string, Bits>();
  /** Port entries without names → connection-set id (compile.ts). */
  readonly portSetMemo = new Map<string, number>();
  private allBits?: Bits;

  constructor(
    readonly pods: readonly PodView[],
    readonly namespaces: readonly NamespaceView[],
    readonly footprint: PolicyFootprint,
    readonly settings: PolicySettings,
  ) {
    namespaces.forEach((n, i) => this.nsIndex.set(n.name, i));
    this.segments = new AddressSegments(footprint.ranges);
    this.nsStart = new Int32Array(namespaces.length);
    this.nsEnd = new Int32Array(namespaces.length);
    this.elementOfPod = new Int32Array(pods.length);
    const nodeTraffic = this.groupPods();
    this.segmentBase = this.classes.length;
    this.unaddressed = this.segmentBase + this.segments.count;
    this.size = this.unaddressed + 1;
    for (const i of nodeTraffic) {
      const ip = pods[i].ip;
      this.elementOfPod[i] = ip === undefined ? this.unaddressed : this.segmentBase + this.segments.segmentOf(ip);
    }
    this.classIndex = new LabelIndex(this.classes.map((c) => c.labels));
    this.namespaceIndex = new LabelIndex(namespaces.map((n) => n.labels));
  }

  /** True when a pod is node traffic: a hostNetwork pod under the docs' option 2 (§9). */
  isNodeTraffic(pod: PodView): boolean {
    return pod.hostNetwork && this.settings.hostNetworkIsNodeTraffic;
  }

  /** Assigns classes in pod order (pods are sorted by namespace, so a namespace's classes are contiguous). */
  private groupPods(): number[] {
    const byKey = new Map<string, number>();
    const nodeTraffic: number[] = [];
    this.nsStart.fill(-1);
    this.pods.forEach((pod, i) => {
      if (this.isNodeTraffic(pod)) return void nodeTraffic.push(i);
      const ns = this.nsIndex.get(pod.namespace)!;
      const segment = this.settings.ipBlockMatchesPods && pod.ip !== undefined ? this.segments.segmentOf(pod.ip) : -1;
      const [labelKey, labels] = projectedKey(pod.labels, this.footprint.labelKeys);
      const portKey = [...pod.namedPorts].map(([k, v]) => `${k}=${v}`).sort().join(',');
      const key = `${ns}\u0000${labelKey}\u0000${portKey}\u0000${segment}`;
      let c = byKey.get(key);
      if (c === undefined) {
        c = this.classes.length;
        byKey.set(key, c);
        this.classes.push({ ns, labels, namedPorts: pod.namedPorts, segment });
        if (this.nsStart[ns] < 0) this.nsStart[ns] = c;
        this.nsEnd[ns] = c + 1;
        if (segment >= 0) {
          const list = this.segmentClasses.get(segment);
          if (list) list.push(c);
          else this.segmentClasses.set(segment, [c]);
        }
      }
      this.elementOfPod[i] = c;
    });
    for (let ns = 0; ns < this.nsStart.length; ns++) if (this.nsStart[ns] < 0) this.nsStart[ns] = this.nsEnd[ns] = 0;
    return nodeTraffic;
  }

  isPodClass(e: number): boolean {
    return e < this.segmentBase;
  }

  /** The universe element of a non-pod address. */
  elementOfAddress(ip: number | undefined): number {
    return ip === undefined ? this.unaddressed : this.segmentBase + this.segments.segmentOf(ip);
  }

  everything(): Bits {
    return (this.allBits ??= fullBits(this.size));
  }

  selectNamespaces(sel: Selector, key: string): number[] {
    let r = this.nsMemo.get(key);
    if (!r) this.nsMemo.set(key, (r = this.namespaceIndex.select(sel)));
    return r;
  }

  /** The pod classes of namespace `ns` that `sel` matches (a policy's spec.podSelector). */
  selectInNamespace(ns: number, sel: Selector, key: string): number[] {
    const memoKey = `${ns}\u0000${key}`;
    let r = this.selectionMemo.get(memoKey);
    if (!r) this.selectionMemo.set(memoKey, (r = this.classIndex.select(sel, this.nsStart[ns], this.nsEnd[ns])));
    return r;
  }

  /** What one peer of a policy in namespace `policyNs` matches, as bits over the universe (§4, §7). */
  peerBits(peer: PeerView, policyNs: number): Bits {
    const key = peer.key;
    let bits = this.peerMemo.get(key);
    if (!bits) this.peerMemo.set(key, (bits = peer.kind === 'ipBlock' ? this.ipBlockBits(peer.ranges) : this.selectorBits(peer, policyNs)));
    return bits;
  }

  /** The union of several peers' bits (a rule's `from` or `to`), memoized like the peers themselves. */
  unionOfPeers(peers: readonly PeerView[], policyNs: number): Bits {
    const key = peers.map((p) => p.key).join('\u0001');
    let bits = this.unionMemo.get(key);
    if (!bits) {
      bits = newBits(this.size);
      for (const p of peers) orInto(bits, this.peerBits(p, policyNs));
      this.unionMemo.set(key, bits);
    }
    return bits;
  }

  private selectorBits(peer: Extract<PeerView, { kind: 'selector' }>, policyNs: number): Bits {
    const bits = newBits(this.size);
    const nss = peer.namespaceSelector ? this.selectNamespaces(peer.namespaceSelector, peer.namespaceKey) : [policyNs];
    const sel = peer.podSelector;
    if (sel && sel.length > 0 && nss.length > 8 && this.classIndex.indexable(sel)) {
      const wanted = new Uint8Array(this.namespaces.length);
      for (const ns of nss) wanted[ns] = 1;
      for (const c of this.classIndex.select(sel)) if (wanted[this.classes[c].ns]) setBit(bits, c);
      return bits;
    }
    for (const ns of nss) {
      if (!sel || sel.length === 0) for (let c = this.nsStart[ns]; c < this.nsEnd[ns]; c++) setBit(bits, c);
      else for (const c of this.selectInNamespace(ns, sel, peer.podKey)) setBit(bits, c);
    }
    return bits;
  }

  private ipBlockBits(ranges: readonly IpRange[]): Bits {
    const bits = newBits(this.size);
    for (const [lo, hi] of ranges) {
      const last = this.segments.segmentOf(hi);
      for (let s = this.segments.segmentOf(lo); s <= last; s++) {
        setBit(bits, this.segmentBase + s);
        for (const c of this.segmentClasses.get(s) ?? []) setBit(bits, c);
      }
    }
    return bits;
  }
}

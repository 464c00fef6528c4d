// The all-pairs connectivity over a universe's elements: what each destination's ingress side allows from every
// source and what each source's egress side allows to every destination, one connection-set id per cell, built
// with bitset unions per port set. Rows are separate arrays: rows of unisolated elements share one all-allowed row,
// and after a policy change a derived matrix recomputes only the affected rows and shares the rest.

import { Bits, forEachBit, newBits, orInto } from './bitset.js';
import { ALL_CONNECTIONS, NO_CONNECTIONS } from './connection-set.js';
import { CompiledPolicy, CompiledRule, Isolation, rulePorts } from './compile.js';
import type { Universe } from './universe.js';

type IdArray = Uint16Array | Uint32Array;

/** The ingress and egress halves of the matrix; a cell is their intersection (§1: both sides must allow). */
export class ClassMatrix {
  constructor(
    readonly universe: Universe,
    /** ingress[d][s]: what d's ingress side allows from s. */
    readonly ingress: readonly IdArray[],
    /** egress[s][d]: what s's egress side allows to d. */
    readonly egress: readonly IdArray[],
    /** The row every unisolated element shares. */
    readonly allRow: IdArray,
  ) {}

  /** The connection-set id allowed from element s to element d. */
  cell(s: number, d: number): number {
    return this.universe.table.intersect(this.egress[s][d], this.ingress[d][s]);
  }
}

function rulesOf(policies: readonly CompiledPolicy[], dir: 'ingress' | 'egress'): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (const p of policies) for (const r of p[dir] ?? []) out.push(r);
  return out;
}

/**
 * One row of a direction's half for pod class `e`: the union, over the rules isolating it, of each rule's ports on
 * every peer it matches. Rules with the same port set are OR-ed as bits first, so a cell is touched once per distinct
 * port set rather than once per rule. Returns `allRow` when some rule allows everything from everyone.
 */
function computeRow(u: Universe, rules: CompiledRule[], e: number, dir: 'ingress' | 'egress', make: () => IdArray, allRow: IdArray): IdArray {
  const table = u.table;
  const byPorts = new Map<number, Bits>();
  const named: CompiledRule[] = [];
  for (const r of rules) {
    // Ingress ports resolve on the destination, which is this row's pod; egress named ports on each remote pod.
    const k = dir === 'ingress' ? rulePorts(u, r, e) : r.fixedPorts;
    if (k < 0) {
      named.push(r);
      continue;
    }
    if (k === NO_CONNECTIONS) continue;
    if (k === ALL_CONNECTIONS && r.bits === u.everything()) return allRow;
    let acc = byPorts.get(k);
    if (!acc) byPorts.set(k, (acc = newBits(u.size)));
    orInto(acc, r.bits);
  }
  const row = make();
  for (const [k, bits] of byPorts) {
    if (byPorts.size === 1) setWhere(row, bits, k);
    else forEachBit(bits, (s) => (row[s] = table.union(row[s], k)));
  }
  for (const r of named) forEachBit(r.bits, (d) => (row[d] = table.union(row[d], rulePorts(u, r, d))));
  return row;
}

/** row[i] = value for every i in bits; whole words at a time where all 32 are set (namespace-wide peers). */
function setWhere(row: IdArray, bits: Bits, value: number): void {
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w];
    if (word === 0) continue;
    if (word === 0xffffffff) {
      row.fill(value, w << 5, Math.min(row.length, (w + 1) << 5));
      continue;
    }
    while (word !== 0) {
      const low = word & -word;
      row[(w << 5) + (31 - Math.clz32(low))] = value;
      word ^= low;
    }
  }
}

interface Builder {
  u: Universe;
  iso: Isolation;
  make: () => IdArray;
  allRow: IdArray;
}

function row(b: Builder, e: number, dir: 'ingress' | 'egress'): IdArray {
  const pols = b.u.isPodClass(e) ? b.iso[dir][e] : [];
  return pols.length === 0 ? b.allRow : computeRow(b.u, rulesOf(pols, dir), e, dir, b.make, b.allRow);
}

function builder(u: Universe, iso: Isolation, wide: boolean): Builder {
  const n = u.size;
  const make = wide ? () => new Uint32Array(n) : () => new Uint16Array(n);
  const allRow = make().fill(ALL_CONNECTIONS);
  return { u, iso, make, allRow };
}

/** 16-bit cells hold up to 65,535 distinct connection sets; past that the matrix is rebuilt with 32-bit cells. */
function tooNarrow(b: Builder): boolean {
  return b.allRow instanceof Uint16Array && b.u.table.size > 0xffff;
}

/** Builds the whole matrix. */
export function buildClassMatrix(u: Universe, iso: Isolation, wide = false): ClassMatrix {
  const b = builder(u, iso, wide);
  const ingress: IdArray[] = [];
  const egress: IdArray[] = [];
  for (let e = 0; e < u.size; e++) {
    ingress.push(row(b, e, 'ingress'));
    egress.push(row(b, e, 'egress'));
  }
  if (tooNarrow(b)) return buildClassMatrix(u, iso, true);
  return new ClassMatrix(u, ingress, egress, b.allRow);
}

/** A matrix sharing `base`'s rows except the ingress rows of `ingressOf` and the egress rows of `egressOf`. */
export function updateClassMatrix(base: ClassMatrix, iso: Isolation, ingressOf: Iterable<number>, egressOf: Iterable<number>): ClassMatrix {
  const u = base.universe;
  const b: Builder = { ...builder(u, iso, base.allRow instanceof Uint32Array), allRow: base.allRow };
  const ingress = base.ingress.slice();
  const egress = base.egress.slice();
  for (const d of ingressOf) ingress[d] = row(b, d, 'ingress');
  for (const s of egressOf) egress[s] = row(b, s, 'egress');
  if (tooNarrow(b)) return buildClassMatrix(u, iso, true);
  return new ClassMatrix(u, ingress, egress, b.allRow);
}

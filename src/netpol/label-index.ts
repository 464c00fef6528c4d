// An inverted index from label key=value to item ids, so a selector with an `In` requirement (matchLabels
// included) only checks the items that carry one of its values instead of scanning every item.

import { matches, Selector } from '../core/labels.js';
import type { Labels } from '../core/types.js';

export class LabelIndex {
  private readonly byPair = new Map<string, Map<string, number[]>>();

  /** Items are numbered by their position in `labels`; ids in every posting list stay ascending. */
  constructor(private readonly labels: readonly Labels[]) {
    labels.forEach((l, id) => {
      for (const k in l) {
        let values = this.byPair.get(k);
        if (!values) this.byPair.set(k, (values = new Map()));
        const list = values.get(l[k]);
        if (list) list.push(id);
        else values.set(l[k], [id]);
      }
    });
  }

  /**
   * The posting lists of the `In` requirement of `sel` with the fewest ids (one list per value), or undefined when
   * it has none. Lists are not merged: a range query reads each list's slice instead.
   */
  private candidates(sel: Selector): number[][] | undefined {
    let best: number[][] | undefined;
    let bestSize = Infinity;
    for (const r of sel) {
      if (r.operator !== 'In') continue;
      const values = this.byPair.get(r.key);
      const lists: number[][] = [];
      let size = 0;
      for (const v of new Set(r.values)) {
        const l = values?.get(v);
        if (l) {
          lists.push(l);
          size += l.length;
        }
      }
      if (size < bestSize) [best, bestSize] = [lists, size];
    }
    return best;
  }

  /** The ids in [start, end) whose labels match `sel`, ascending. */
  select(sel: Selector, start = 0, end = this.labels.length): number[] {
    const out: number[] = [];
    const cands = this.candidates(sel);
    if (!cands) {
      for (let id = start; id < end; id++) if (matches(sel, this.labels[id])) out.push(id);
      return out;
    }
    for (const list of cands) for (let i = lowerBound(list, start); i < list.length && list[i] < end; i++) if (matches(sel, this.labels[list[i]])) out.push(list[i]);
    // Values of one key are exclusive (a label has one value), so lists never share an id; only order needs fixing.
    return cands.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  /** True when some id in [start, end) matches `sel`. */
  any(sel: Selector, start = 0, end = this.labels.length): boolean {
    const cands = this.candidates(sel);
    if (!cands) {
      for (let id = start; id < end; id++) if (matches(sel, this.labels[id])) return true;
      return false;
    }
    for (const list of cands) for (let i = lowerBound(list, start); i < list.length && list[i] < end; i++) if (matches(sel, this.labels[list[i]])) return true;
    return false;
  }

  /** True when `sel` has an `In` requirement, so `select` over the whole index is cheap. */
  indexable(sel: Selector): boolean {
    return sel.some((r) => r.operator === 'In');
  }
}

function lowerBound(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

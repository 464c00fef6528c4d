// Which pods a policy's spec.podSelector selects, answered on the pods themselves before any pod classes exist: a
// policy that selects no pod never decides a verdict, so its rules need not be converted, compiled or cut into segments.

import type { Selector } from '../core/labels.js';
import { LabelIndex } from './label-index.js';
import type { PodView } from './views.js';

export class PodSelectorIndex {
  private readonly index: LabelIndex;
  private readonly ranges = new Map<string, [number, number]>();

  /** `pods` sorted by namespace; `selectable` says which pods policies may select (not node traffic, §9). */
  constructor(pods: readonly PodView[], selectable: (p: PodView) => boolean) {
    const subjects = pods.filter(selectable);
    subjects.forEach((p, i) => {
      const r = this.ranges.get(p.namespace);
      if (r) r[1] = i + 1;
      else this.ranges.set(p.namespace, [i, i + 1]);
    });
    this.index = new LabelIndex(subjects.map((p) => p.labels));
  }

  /** True when `sel` selects at least one pod of namespace `ns`. */
  selectsAny(ns: string, sel: Selector): boolean {
    const r = this.ranges.get(ns);
    return r !== undefined && this.index.any(sel, r[0], r[1]);
  }
}

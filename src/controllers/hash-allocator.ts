// Stable allocation from a range: a hash of the owner's name picks the first slot to try, then linear probing.
// An owner keeps its slot across reconciles (callers claim previous allocations first), so adding or removing
// one object never moves another.

import { hash53 } from '../core/hash.js';

export class HashAllocator {
  private readonly used: Uint8Array;
  private free: number;

  /** A range of `size` slots, numbered 0..size-1. */
  constructor(readonly size: number) {
    this.used = new Uint8Array(size);
    this.free = size;
  }

  /** Marks a slot taken; false if it already was (or lies outside the range). */
  claim(slot: number): boolean {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.size || this.used[slot]) return false;
    this.used[slot] = 1;
    this.free--;
    return true;
  }

  isUsed(slot: number): boolean {
    return this.used[slot] === 1;
  }

  /**
   * Takes the first free slot at or after hash(key) within [from, to) (wrapping around inside that window);
   * undefined when the window is full.
   */
  allocate(key: string, from = 0, to = this.size): number | undefined {
    const width = to - from;
    if (width <= 0 || this.free === 0) return undefined;
    const start = hash53(key) % width;
    for (let i = 0; i < width; i++) {
      const slot = from + ((start + i) % width);
      if (!this.used[slot]) {
        this.used[slot] = 1;
        this.free--;
        return slot;
      }
    }
    return undefined;
  }
}

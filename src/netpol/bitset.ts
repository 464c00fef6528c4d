// Fixed-size bitsets over a universe of peers (Uint32Array words): what a compiled peer or rule matches.

export type Bits = Uint32Array;

export function newBits(size: number): Bits {
  return new Uint32Array((size + 31) >>> 5);
}

/** Every element of a universe of `size`. */
export function fullBits(size: number): Bits {
  const b = newBits(size);
  b.fill(0xffffffff);
  const extra = b.length * 32 - size;
  if (extra > 0) b[b.length - 1] = 0xffffffff >>> extra;
  return b;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5] |= 1 << (i & 31);
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** dst |= src. */
export function orInto(dst: Bits, src: Bits): void {
  for (let w = 0; w < src.length; w++) dst[w] |= src[w];
}

export function isEmptyBits(b: Bits): boolean {
  for (let w = 0; w < b.length; w++) if (b[w] !== 0) return false;
  return true;
}

/** Calls `fn` with every set index, ascending. */
export function forEachBit(b: Bits, fn: (i: number) => void): void {
  for (let w = 0; w < b.length; w++) {
    let word = b[w];
    while (word !== 0) {
      const low = word & -word;
      fn((w << 5) + (31 - Math.clz32(low)));
      word ^= low;
    }
  }
}

// Small deterministic hashes for generated names and stable allocations (no node:crypto in core).

/** FNV-1a, 32 bits, over the UTF-16 code units of s (ASCII input in practice). */
export function fnv32a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A 53-bit hash (cyrb53): fewer collisions than 32 bits when spreading over large ranges. */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

// The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable digits, so generated names
// never spell words.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * rand.SafeEncodeString: maps each byte to the alphabet. The Deployment controller applies it to the decimal
 * form of the pod template's FNV-32a hash, which is why pod-template-hash values look like `5d8f7c9b6d`.
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** n characters of the name alphabet derived from a key: the deterministic stand-in for rand.String(n). */
export function nameSuffix(key: string, n = 5): string {
  let h = hash53(key);
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ALPHANUMS[h % ALPHANUMS.length];
    h = Math.floor(h / ALPHANUMS.length);
    if (h === 0) h = hash53(key, i + 1);
  }
  return out;
}

/** A UUID-shaped identifier derived from a key, so uids are deterministic too. */
export function uidFor(key: string): string {
  const hex = (n: number) => n.toString(16).padStart(14, '0').slice(-14);
  const a = hex(hash53(key, 1)) + hex(hash53(key, 2)) + hex(hash53(key, 3));
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${'89ab'[parseInt(a[16], 16) % 4]}${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

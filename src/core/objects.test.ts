// canonicalJson and jsonEqual agree: equal canonical strings exactly when jsonEqual says equal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, jsonEqual } from './objects.js';

/** JSON-ish values with undefined-valued keys sprinkled in (which both functions ignore). */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.constantFrom('', 'a', 'b', '1')),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(tie('node'), fc.constant(undefined)), { maxKeys: 3 })),
})).node;

/** The same value with every object's keys in reverse insertion order. */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]));
}

test('jsonEqual(a, b) holds exactly when canonicalJson(a) === canonicalJson(b)', () => {
  fc.assert(
    fc.property(value, value, (a, b) => {
      assert.equal(jsonEqual(a, b), canonicalJson(a) === canonicalJson(b));
      assert.ok(jsonEqual(a, reordered(a)));
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test('jsonEqual tells a null-valued key from an absent one, and ignores undefined-valued keys', () => {
  assert.equal(jsonEqual({ a: null }, {}), false);
  assert.equal(jsonEqual({ a: undefined }, {}), true);
  assert.equal(jsonEqual([1, 2], [2, 1]), false);
  assert.equal(jsonEqual({ a: [1] }, { a: { 0: 1 } }), false);
  assert.equal(canonicalJson({ b: 1, a: [null, 'x'] }), '{"a":[null,"x"],"b":1}');
});

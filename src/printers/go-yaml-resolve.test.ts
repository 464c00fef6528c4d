// Tests for go-yaml v2's plain-scalar resolution (what kubectl quotes) and map key order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goYamlKeyLess, needsQuoting } from './go-yaml-resolve.js';

const keyOrderCases: { name: string; keys: string[] }[] = [
  { name: 'digit runs compare as numbers', keys: ['a2', 'a9', 'a10', 'a100'] },
  { name: 'non-letters sort before letters', keys: ['_x', '1', 'A', 'a'] },
  { name: 'a shorter prefix sorts first', keys: ['app', 'app.kubernetes.io/name'] },
  { name: 'upper-case letters sort before lower-case ones', keys: ['Z', 'a'] },
];
for (const c of keyOrderCases) {
  test(`goYamlKeyLess: ${c.name}`, () => {
    const shuffled = [...c.keys].reverse();
    assert.deepEqual(
      shuffled.sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0)),
      c.keys,
    );
  });
}

const quotingCases: { name: string; input: string; want: boolean }[] = [
  { name: 'a word is plain', input: 'nginx', want: false },
  { name: 'YAML 1.1 booleans are quoted', input: 'on', want: true },
  { name: 'single-letter booleans are quoted', input: 'N', want: true },
  { name: 'null words are quoted', input: '~', want: true },
  { name: 'the empty string is quoted', input: '', want: true },
  { name: 'decimal integers are quoted', input: '8080', want: true },
  { name: 'hex, octal and binary integers are quoted', input: '0o17', want: true },
  { name: 'integers with underscores are quoted', input: '1_000', want: true },
  { name: 'integers beyond 64 bits are still quoted, as floats', input: '123456789012345678901234567890', want: true },
  { name: 'hex beyond 64 bits is a plain string', input: '0x1ffffffffffffffffff', want: false },
  { name: 'floats are quoted', input: '-1.5e3', want: true },
  { name: 'an exponent out of range is a plain string', input: '1e400', want: false },
  { name: 'timestamps are quoted', input: '2024-01-02T03:04:05Z', want: true },
  { name: 'a date that does not exist is a plain string', input: '2024-02-30', want: false },
  { name: 'base-60 numbers are quoted', input: '1:30', want: true },
  { name: 'a version string is plain', input: 'v1.32.0', want: false },
  { name: 'an IP address is plain', input: '10.96.0.10', want: false },
];
for (const c of quotingCases) {
  test(`needsQuoting: ${c.name}`, () => {
    assert.equal(needsQuoting(c.input), c.want);
  });
}

// parseIPv4 accepts exactly the dotted quads the original regular expression did, and reads them to the same number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIPv4 } from './ip.js';

/** The definition parseIPv4 replaced: four 1–3 digit octets, each ≤ 255, no leading zero. */
function byRegex(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    if (Number(m[i]) > 255 || (m[i].length > 1 && m[i][0] === '0')) return undefined;
    n = n * 256 + Number(m[i]);
  }
  return n;
}

const cases = [
  { name: 'an ordinary address reads as its 32-bit number', input: '10.96.0.1', want: 0x0a600001 },
  { name: 'the lowest address', input: '0.0.0.0', want: 0 },
  { name: 'the highest address', input: '255.255.255.255', want: 0xffffffff },
  { name: 'an octet above 255 is refused', input: '10.0.0.256', want: undefined },
  { name: 'a leading zero is refused', input: '10.0.0.01', want: undefined },
  { name: 'four digits in an octet are refused', input: '10.0.0.1000', want: undefined },
  { name: 'three octets are refused', input: '10.0.1', want: undefined },
  { name: 'five octets are refused', input: '10.0.0.1.2', want: undefined },
  { name: 'an empty octet is refused', input: '10..0.1', want: undefined },
  { name: 'a trailing newline is refused', input: '10.0.0.1\n', want: undefined },
  { name: 'a leading space is refused', input: ' 10.0.0.1', want: undefined },
  { name: 'a CIDR is refused', input: '10.0.0.0/8', want: undefined },
  { name: 'a non-ASCII digit is refused', input: '10.0.0.١', want: undefined },
  { name: 'an IPv6 address is refused', input: '::1', want: undefined },
];

for (const c of cases) test(`parseIPv4: ${c.name}`, () => assert.equal(parseIPv4(c.input), c.want));

test('parseIPv4 refuses what is not a string', () => assert.equal(parseIPv4(undefined as unknown as string), undefined));

test('parseIPv4 agrees with the regular expression it replaced on dotted strings of digits', () => {
  const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^[0-9]{0,4}$/), fc.constantFrom('00', '01', '255', '256', 'a', ' 1', '+1', '1e2'));
  const dotted = fc.array(octet, { minLength: 1, maxLength: 6 }).map((xs) => xs.join('.'));
  fc.assert(
    fc.property(fc.oneof(dotted, fc.string({ maxLength: 16 })), (s) => assert.equal(parseIPv4(s), byRegex(s))),
    { numRuns: 20000, seed: 11 },
  );
});

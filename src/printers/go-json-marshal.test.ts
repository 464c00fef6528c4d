// Tests for Go's encoding/json as kubectl prints `-o json`, and Go's number formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoNumber, goJsonMarshalIndent } from './go-json-marshal.js';

const numberCases: { name: string; input: number; want: string }[] = [
  { name: 'integers print in decimal', input: 30080, want: '30080' },
  { name: 'fractions print in the shortest form', input: 0.25, want: '0.25' },
  { name: 'a million and above switches to exponent form', input: 2500000.5, want: '2.5000005e+06' },
  { name: 'small fractions switch to exponent form', input: 0.000015, want: '1.5e-05' },
];
for (const c of numberCases) {
  test(`formatGoNumber: ${c.name}`, () => {
    assert.equal(formatGoNumber(c.input), c.want);
  });
}

test('goJsonMarshalIndent: keys are sorted byte-wise at every level, indented four spaces', () => {
  const got = goJsonMarshalIndent({ b: { z: 1, '10': 2, '9': 3, a: [] }, a: {}, c: [{ y: 1, x: 2 }] });
  const want = [
    '{',
    '    "a": {},',
    '    "b": {',
    '        "10": 2,',
    '        "9": 3,',
    '        "a": [],',
    '        "z": 1',
    '    },',
    '    "c": [',
    '        {',
    '            "x": 2,',
    '            "y": 1',
    '        }',
    '    ]',
    '}',
  ].join('\n');
  assert.equal(got, want);
});

test('goJsonMarshalIndent: HTML-significant characters and line separators are escaped as Go does', () => {
  assert.equal(goJsonMarshalIndent({ a: '<b>&\u2028\u2029"\n' }), '{\n    "a": "\\u003cb\\u003e\\u0026\\u2028\\u2029\\"\\n"\n}');
});

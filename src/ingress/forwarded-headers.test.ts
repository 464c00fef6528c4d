// Tests for the upstream request headers ingress-nginx sets with its default ConfigMap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedHeaders, ForwardedInput, requestId } from './forwarded-headers.js';

const base: ForwardedInput = { remoteAddress: '192.168.1.7', host: 'api.example.com', scheme: 'https', serverPort: 443, requestCounter: 1 };

const cases: { name: string; input: ForwardedInput; want: Record<string, string> }[] = [
  {
    name: 'a plain https request gets the X-Forwarded-* set, X-Real-IP and a generated X-Request-ID',
    input: base,
    want: {
      Host: 'api.example.com',
      'X-Request-ID': '00000000000000000000000000000001',
      'X-Real-IP': '192.168.1.7',
      'X-Forwarded-For': '192.168.1.7',
      'X-Forwarded-Host': 'api.example.com',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Scheme': 'https',
      'X-Scheme': 'https',
    },
  },
  {
    name: "the client's X-Forwarded-For is not trusted but kept as X-Original-Forwarded-For, and its X-Request-ID is kept",
    input: { ...base, scheme: 'http', serverPort: 80, host: 'api.example.com:80', headers: { 'x-forwarded-for': '1.2.3.4', 'x-request-id': 'abc' }, xForwardedPrefix: '/api' },
    want: {
      Host: 'api.example.com:80',
      'X-Request-ID': 'abc',
      'X-Real-IP': '192.168.1.7',
      'X-Forwarded-For': '192.168.1.7',
      'X-Forwarded-Host': 'api.example.com:80',
      'X-Forwarded-Port': '80',
      'X-Forwarded-Proto': 'http',
      'X-Forwarded-Scheme': 'http',
      'X-Scheme': 'http',
      'X-Original-Forwarded-For': '1.2.3.4',
      'X-Forwarded-Prefix': '/api',
    },
  },
];

for (const c of cases) test(c.name, () => assert.deepEqual(forwardedHeaders(c.input), c.want));

test('request IDs are 32 hex digits and differ per counter', () => {
  assert.equal(requestId(255), '000000000000000000000000000000ff');
  assert.notEqual(requestId(1), requestId(2));
  assert.throws(() => requestId(-1), /counter: Invalid value: -1/);
});

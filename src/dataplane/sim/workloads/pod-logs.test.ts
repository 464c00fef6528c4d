// Pod logs keep the newest lines up to a bound and read per container like `kubectl logs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodLogs, rfc3339Nano } from './pod-logs.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, s));

function filled(capacity: number, n: number): PodLogs {
  const logs = new PodLogs(capacity);
  for (let i = 0; i < n; i++) logs.append({ time: at(i), container: i % 2 ? 'b' : 'a', stream: 'stdout', line: `line ${i}` });
  return logs;
}

const cases = [
  { name: 'lines are read per container, oldest first', logs: filled(10, 4), container: 'a', opts: {}, want: ['line 0', 'line 2'] },
  { name: 'a full buffer drops the oldest lines of any container', logs: filled(3, 6), container: 'b', opts: {}, want: ['line 3', 'line 5'] },
  { name: 'timestamps prefix RFC 3339 times', logs: filled(10, 2), container: 'b', opts: { timestamps: true }, want: ['2026-11-23T10:00:01Z line 1'] },
  { name: 'tail keeps the last N lines', logs: filled(10, 6), container: 'a', opts: { tail: 2 }, want: ['line 2', 'line 4'] },
  { name: 'tail 0 keeps none', logs: filled(10, 6), container: 'a', opts: { tail: 0 }, want: [] },
  { name: 'sinceTime keeps lines at or after it', logs: filled(10, 6), container: 'a', opts: { sinceTime: at(2) }, want: ['line 2', 'line 4'] },
  { name: 'an unknown container has no lines', logs: filled(10, 6), container: 'c', opts: {}, want: [] },
];

for (const c of cases) test(c.name, () => assert.deepEqual(c.logs.lines(c.container, c.opts), c.want));

test('the number of dropped lines is counted', () => assert.equal(filled(3, 6).dropped, 3));
test('a capacity below one is rejected with the value', () => assert.throws(() => new PodLogs(0), /PodLogs capacity: Invalid value: 0: must be a positive integer/));
test('RFC 3339 nano trims trailing zeros of the fraction', () => assert.deepEqual([rfc3339Nano(new Date('2026-11-23T10:00:00.250Z')), rfc3339Nano(at(0))], ['2026-11-23T10:00:00.25Z', '2026-11-23T10:00:00Z']));

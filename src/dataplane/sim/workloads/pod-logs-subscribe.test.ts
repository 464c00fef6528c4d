// PodLogs subscriptions, what `kubectl logs -f` and `attach` follow: every line appended after subscribing, in order,
// until unsubscribed, and copies that the subscriber cannot use to change the kept lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodLogs, type LogEntry } from './pod-logs.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, s));

test('a subscriber gets the lines appended after it subscribed, of every container, until it stops', () => {
  const logs = new PodLogs(10);
  logs.append({ time: at(0), container: 'a', stream: 'stdout', line: 'before' });
  const seen: string[] = [];
  const stop = logs.subscribe((e) => seen.push(`${e.container}/${e.stream}: ${e.line}`));
  logs.append({ time: at(1), container: 'a', stream: 'stdout', line: 'one' });
  logs.append({ time: at(2), container: 'b', stream: 'stderr', line: 'two' });
  stop();
  logs.append({ time: at(3), container: 'a', stream: 'stdout', line: 'after' });
  assert.deepEqual(seen, ['a/stdout: one', 'b/stderr: two']);
});

test('a subscriber that unsubscribes another during a line does not stop that one from getting it', () => {
  const logs = new PodLogs(10);
  const seen: string[] = [];
  let stopSecond = () => {};
  logs.subscribe(() => stopSecond());
  stopSecond = logs.subscribe((e) => seen.push(e.line));
  logs.append({ time: at(0), container: 'a', stream: 'stdout', line: 'x' });
  logs.append({ time: at(1), container: 'a', stream: 'stdout', line: 'y' });
  assert.deepEqual(seen, ['x']);
});

test('a subscriber changing its entry changes neither the kept line nor its time', () => {
  const logs = new PodLogs(10);
  logs.subscribe((e: LogEntry) => {
    e.line = 'changed';
    e.time.setTime(0);
  });
  logs.append({ time: at(5), container: 'a', stream: 'stdout', line: 'kept' });
  assert.deepEqual(logs.lines('a', { timestamps: true }), ['2026-11-23T10:00:05Z kept']);
});

test('a full ring still tells subscribers about the line that pushed the oldest out', () => {
  const logs = new PodLogs(1);
  const seen: string[] = [];
  logs.subscribe((e) => seen.push(e.line));
  logs.append({ time: at(0), container: 'a', stream: 'stdout', line: 'first' });
  logs.append({ time: at(1), container: 'a', stream: 'stdout', line: 'second' });
  assert.deepEqual([seen, logs.lines('a'), logs.dropped], [['first', 'second'], ['second'], 1]);
});

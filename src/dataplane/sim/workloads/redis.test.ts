// redis answers RESP and inline commands on 6379 as redis 7 does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../../../core/clock.js';
import { workloadsForPod, type StreamListener } from './pod-workloads.js';
import { connection, testPod } from './workload-fixtures.js';

const redis = (args?: string[]) => testPod([{ name: 'redis', image: 'redis:7.2', args, ports: [{ containerPort: 6379 }] }], { namespace: 'cache' });
const conn = connection('10.244.2.3:51234', '10.244.1.5:6379');

const cases = [
  { name: 'PING in RESP gets +PONG', send: ['*1\r\n$4\r\nPING\r\n'], want: '+PONG\r\n', close: false },
  { name: 'an inline PING gets +PONG', send: ['PING\r\n'], want: '+PONG\r\n', close: false },
  { name: 'PING with a message gets it back as a bulk string', send: ['*2\r\n$4\r\nping\r\n$2\r\nhi\r\n'], want: '$2\r\nhi\r\n', close: false },
  { name: 'ECHO gets its argument back', send: ['*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n'], want: '$5\r\nhello\r\n', close: false },
  { name: 'ECHO without an argument is an arity error', send: ['ECHO\r\n'], want: "-ERR wrong number of arguments for 'echo' command\r\n", close: false },
  { name: 'an unknown command is named with its arguments', send: ['FOO a b\r\n'], want: "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", close: false },
  { name: 'a command split across reads is answered once complete', send: ['*1\r\n$4\r\nPI', 'NG\r\n'], want: '+PONG\r\n', close: false },
  { name: 'SET then GET returns the value', send: ['SET k v\r\nGET k\r\nGET nope\r\n'], want: '+OK\r\n$1\r\nv\r\n$-1\r\n', close: false },
  { name: 'QUIT answers +OK and closes', send: ['QUIT\r\n'], want: '+OK\r\n', close: true },
  { name: 'an HTTP request is answered up to the Host: line, then the connection is closed', send: ['GET / HTTP/1.1\r\nHost: redis:6379\r\n\r\n'], want: "-ERR wrong number of arguments for 'get' command\r\n", close: true },
];

for (const c of cases) {
  test(c.name, async () => {
    const w = workloadsForPod(redis(), { clock: new FixedClock(new Date('2026-11-23T10:00:00Z')) });
    const session = (w.listeners[0] as StreamListener).open(conn);
    let out = '';
    let close = false;
    for (const chunk of c.send) {
      const r = await session.send(Buffer.from(chunk));
      out += r.data.toString('latin1');
      close = r.close;
    }
    assert.deepEqual([out, close], [c.want, c.close]);
  });
}

test('redis listens on 6379/TCP, or where --port says', () => {
  const clock = new FixedClock(new Date('2026-11-23T10:00:00Z'));
  assert.deepEqual(workloadsForPod(redis(), { clock }).describe(), ['redis:7.2 (redis 7.2.5) in container redis serves RESP on 6379/TCP']);
  const moved = workloadsForPod(redis(['redis-server', '--port', '6380']), { clock });
  assert.deepEqual(moved.listeners.map((l) => `${l.port}/${l.protocol}`), ['6380/TCP']);
  assert.match(moved.notListening[0].reason, /redis 7\.2\.5 listens on 6380\/TCP; containerPort 6379\/TCP is informational/);
});

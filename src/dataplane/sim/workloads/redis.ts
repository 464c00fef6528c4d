// redis as the network sees it: RESP (and inline commands) on 6379 with PING, ECHO, GET/SET/DEL, QUIT, Redis 7's
// error wording, and its guard against HTTP requests (src/server.c processCommand, src/networking.c).

import type { Container } from '../../../core/types.js';
import type { ConnectionInfo } from '../../types.js';
import { concreteVersion, containerArgv, type ImageRef, parseFlags, portNumber } from './image-ref.js';
import type { Binding, Program, ProgramContext, StreamReply, StreamServer, StreamSession } from './listener.js';

/** The version redis reports when the tag names none (`7.2`, `latest`). */
export const DEFAULT_REDIS_VERSION = '7.2.5';

/** The image's Dockerfile: ENTRYPOINT ["docker-entrypoint.sh"], CMD ["redis-server"]. */
const IMAGE = { entrypoint: ['docker-entrypoint.sh'], cmd: ['redis-server'] };

const simple = (s: string) => `+${s}\r\n`;
const bulk = (s: Buffer | undefined) => (s === undefined ? '$-1\r\n' : `$${s.length}\r\n${s.toString('latin1')}\r\n`);
const error = (s: string) => `-${s.replace(/[\r\n]/g, ' ')}\r\n`;
const integer = (n: number) => `:${n}\r\n`;

/** Splits complete commands off the front of a buffer: multibulk (`*2\r\n$4\r\nECHO\r\n...`) or inline (`PING\r\n`). */
function nextCommand(buf: Buffer): { argv: Buffer[]; rest: Buffer } | { error: string } | undefined {
  if (buf[0] === 0x2a /* '*' */) {
    const eol = buf.indexOf('\r\n');
    if (eol < 0) return undefined;
    const n = Number(buf.subarray(1, eol).toString('latin1'));
    if (!Number.isInteger(n) || n > 1024 * 1024) return { error: 'Protocol error: invalid multibulk length' };
    let at = eol + 2;
    const argv: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      if (at >= buf.length) return undefined;
      if (buf[at] !== 0x24 /* '$' */) return { error: `Protocol error: expected '$', got '${String.fromCharCode(buf[at])}'` };
      const e = buf.indexOf('\r\n', at);
      if (e < 0) return undefined;
      const len = Number(buf.subarray(at + 1, e).toString('latin1'));
      if (!Number.isInteger(len) || len < 0 || len > 512 * 1024 * 1024) return { error: 'Protocol error: invalid bulk length' };
      if (buf.length < e + 2 + len + 2) return undefined;
      argv.push(buf.subarray(e + 2, e + 2 + len));
      at = e + 2 + len + 2;
    }
    return { argv, rest: buf.subarray(at) };
  }
  const nl = buf.indexOf('\n');
  if (nl < 0) return undefined;
  const line = buf.subarray(0, nl).toString('latin1').replace(/\r$/, '');
  const argv = line.split(/[ \t]+/).filter((s) => s !== '').map((s) => Buffer.from(s, 'latin1'));
  return { argv, rest: buf.subarray(nl + 1) };
}

/** A redis server holding string keys in memory, shared by every connection to the pod. */
export function redisServer(ctx: ProgramContext): StreamServer {
  const data = new Map<string, Buffer>();
  const arity: Record<string, number> = { ping: -1, echo: 2, get: 2, set: -3, del: -2, exists: -2, quit: -1, command: -1 };
  const run = (argv: Buffer[], conn: ConnectionInfo): StreamReply => {
    const name = argv[0].toString('latin1');
    const cmd = name.toLowerCase();
    if (cmd === 'post' || cmd === 'host:') {
      ctx.log(`1:M ${redisTime(ctx.clock.now())} # Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection from ${conn.source.ip}:${conn.source.port} aborted.`);
      return { data: Buffer.alloc(0), close: true };
    }
    const a = arity[cmd];
    if (a === undefined) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i].toString('latin1').slice(0, 128 - args.length)}' `;
      return { data: Buffer.from(error(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${args}`), 'latin1'), close: false };
    }
    if ((a > 0 && argv.length !== a) || (a < 0 && argv.length < -a) || (cmd === 'ping' && argv.length > 2)) {
      return { data: Buffer.from(error(`ERR wrong number of arguments for '${cmd}' command`), 'latin1'), close: false };
    }
    const reply = (s: string, close = false): StreamReply => ({ data: Buffer.from(s, 'latin1'), close });
    switch (cmd) {
      case 'ping':
        return reply(argv.length === 2 ? bulk(argv[1]) : simple('PONG'));
      case 'echo':
        return reply(bulk(argv[1]));
      case 'get':
        return reply(bulk(data.get(argv[1].toString('latin1'))));
      case 'set':
        if (argv.length !== 3) return reply(error('ERR syntax error'));
        data.set(argv[1].toString('latin1'), Buffer.from(argv[2]));
        return reply(simple('OK'));
      case 'del':
      case 'exists': {
        const keys = argv.slice(1).map((k) => k.toString('latin1'));
        const n = keys.filter((k) => data.has(k)).length;
        if (cmd === 'del') keys.forEach((k) => data.delete(k));
        return reply(integer(n));
      }
      case 'quit':
        return reply(simple('OK'), true);
      default: // COMMAND (redis-cli asks for COMMAND DOCS at start): an empty list is enough for it.
        return reply('*0\r\n');
    }
  };
  return {
    kind: 'stream',
    open(conn: ConnectionInfo): StreamSession {
      let pending: Buffer = Buffer.alloc(0);
      return {
        receive(chunk: Buffer): StreamReply {
          pending = Buffer.concat([pending, chunk]);
          const out: Buffer[] = [];
          for (;;) {
            const next = nextCommand(pending);
            if (next === undefined) break;
            if ('error' in next) {
              out.push(Buffer.from(error(`ERR ${next.error}`), 'latin1'));
              return { data: Buffer.concat(out), close: true };
            }
            pending = next.rest;
            if (next.argv.length === 0) continue;
            const r = run(next.argv, conn);
            out.push(r.data);
            if (r.close) return { data: Buffer.concat(out), close: true };
          }
          return { data: Buffer.concat(out), close: false };
        },
      };
    },
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** redis' log time: `23 Nov 2026 10:00:00.000`. */
function redisTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

/** The redis-server program: version from a concrete tag, else 7.2.5; `--port N` moves it off 6379. */
export function redisProgram(ctx: ProgramContext, image: ImageRef, c: Container): Program {
  const version = concreteVersion(image.tag) ?? DEFAULT_REDIS_VERSION;
  const argv = containerArgv(c, IMAGE);
  const port = portNumber(parseFlags(argv).values.get('port') ?? '6379');
  const name = `redis ${version}`;
  if (port === undefined) return { name, bindings: [], idle: 'redis-server exits: --port is not a valid port' };
  const server = redisServer(ctx);
  const bind = (p: number): Binding => ({ port: p, protocol: 'TCP', address: '0.0.0.0', speaks: 'RESP', server });
  const t = redisTime(ctx.startedAt);
  return {
    name,
    bindings: [bind(port)],
    rebind: (p, protocol) => (protocol === 'TCP' ? bind(p) : undefined),
    startupLogs: [
      `1:C ${t} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo`,
      `1:C ${t} * Redis version=${version}, bits=64, commit=00000000, modified=0, pid=1, just started`,
      `1:C ${t} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf`,
      `1:M ${t} * monotonic clock: POSIX clock_gettime`,
      `1:M ${t} * Running mode=standalone, port=${port}.`,
      `1:M ${t} * Server initialized`,
      `1:M ${t} * Ready to accept connections tcp`,
    ].map((line) => ({ line, stream: 'stdout' as const })),
  };
}

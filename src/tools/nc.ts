// nc as OpenBSD's netcat (netcat-openbsd: `Connection to host (ip) port [tcp/http] succeeded!`) and busybox's
// nc-1.10 clone (networking/nc_bloaty.c: `host (ip:port) open`): port checks with -z, or stdin sent over the
// connection and the server's answer printed (`echo PING | nc redis 6379`).

import { connect, lookupHost, SIM_TIMING, fail, type ToolContext, type ToolResult } from './tool-context.js';
import type { ConnectOutcome } from '../dataplane/types.js';

/** getservbyport names from /etc/services (netbase) for the ports people check. */
const SERVICES: Record<string, string> = { '22': 'ssh', '25': 'smtp', '53': 'domain', '80': 'http', '443': 'https', '3306': 'mysql', '5432': 'postgresql', '6379': 'redis', '8080': 'http-alt', '9090': 'websm' };

interface NcOptions {
  zero: boolean;
  verbose: number;
  udp: boolean;
  numeric: boolean;
  waitMs?: number;
  host?: string;
  port?: string;
}

function parseNc(argv: string[]): NcOptions | ToolResult {
  const o: NcOptions = { zero: false, verbose: 0, udp: false, numeric: false };
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') {
      pos.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const f = a[j];
      if (f === 'z') o.zero = true;
      else if (f === 'v') o.verbose++;
      else if (f === 'u') o.udp = true;
      else if (f === 'n') o.numeric = true;
      else if (f === 'w' || f === 'q') {
        const v = a.slice(j + 1) || argv[++i];
        if (!v || !/^\d+$/.test(v)) return fail(1, `nc: invalid number '${v ?? ''}'\n`);
        if (f === 'w') o.waitMs = Number(v) * 1000;
        break;
      } else if (f === 'l' || f === 'e' || f === 'k' || f === 'p' || f === 's') return fail(2, `flatnet: nc -${f} is not emulated (flatnet exec only opens outbound connections)\n`);
      else return fail(1, `nc: invalid option -- '${f}'\n`);
    }
  }
  if (pos.length !== 2) return fail(1, pos.length < 2 ? 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n' : 'flatnet: nc with several ports is not emulated\n');
  [o.host, o.port] = pos;
  return o;
}

/** Sends stdin on an open connection and returns what comes back (until the server's answer; see the note). */
async function converse(ctx: ToolContext, out: Extract<ConnectOutcome, { kind: 'connected' }>, notes: string[]): Promise<string> {
  const s = out.session;
  const data = Buffer.from(ctx.stdin);
  if (s.kind === 'datagram') return (await s.datagram(data))?.toString('latin1') ?? '';
  if (s.kind === 'http') {
    notes.push('the server speaks HTTP: nc sends stdin as is, and flatnet answers only a complete request');
    const m = /^(\S+) (\S+) (HTTP\/1\.[01])\r?\n([\s\S]*?)\r?\n\r?\n/.exec(ctx.stdin);
    if (!m) return '';
    const headers = m[4].split(/\r?\n/).filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as [string, string]);
    const res = await s.http({ method: m[1], target: m[2], version: m[3] as 'HTTP/1.1', headers });
    return `${res.version} ${res.status} ${res.reason}\r\n${res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${res.body.toString('latin1')}`;
  }
  let text = s.greeting?.data.toString('latin1') ?? '';
  if (s.greeting?.close) return text;
  if (data.length > 0) {
    const r = await s.send(data);
    text += r.data.toString('latin1');
    if (!r.close) notes.push('the server keeps the connection open: nc would wait for it (or -w/-q) before exiting; flatnet stops after its answer');
  }
  return text;
}

/** Runs `nc [-zvun] [-w secs] host port`. */
export async function runNc(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const o = parseNc(argv);
  if ('exitCode' in o) return o;
  const openbsd = (ctx.toolbox.nc ?? 'openbsd') === 'openbsd';
  const host = o.host!;
  const portText = o.port!;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return fail(1, openbsd ? `nc: port number invalid: ${portText}\n` : `nc: bad port '${portText}'\n`);
  const lookup = await lookupHost(ctx, host);
  if (!lookup.ok) {
    const gai = ctx.toolbox.libc === 'musl' ? 'Name does not resolve' : lookup.error === 'TIMEOUT' ? 'Temporary failure in name resolution' : 'Name or service not known';
    return fail(1, openbsd ? `nc: getaddrinfo for host "${host}" port ${port}: ${gai}\n` : `nc: bad address '${host}'\n`);
  }
  const ip = lookup.addresses[0];
  const proto = o.udp ? 'udp' : 'tcp';
  const out = connect(ctx, ip, port, o.udp ? 'UDP' : 'TCP');
  const notes: string[] = [];
  const target = openbsd ? `${host} port ${port} (${proto})` : `${host} (${ip}:${port})`;
  if (out.kind !== 'connected' && !(o.udp && out.kind === 'timeout')) {
    notes.push(out.message);
    let errno = out.kind === 'refused' ? 'Connection refused' : out.kind === 'unreachable' ? 'No route to host' : 'Connection timed out';
    if (out.kind === 'timeout' && o.waitMs === undefined) notes.push(`nc waits for the kernel to give up on the SYN (${SIM_TIMING.kernelConnectTimeoutMs / 1000} s); flatnet answers at once`);
    if (out.kind === 'timeout' && o.waitMs !== undefined && openbsd) return { stdout: '', stderr: `nc: connect to ${target} timed out: Operation now in progress\n`, exitCode: 1, notes };
    if (openbsd) return { stdout: '', stderr: `nc: connect to ${target} failed: ${errno}\n`, exitCode: 1, notes };
    // nc_bloaty: at one -v a refusal is not printed; other errors are.
    errno = o.verbose > 1 || (o.verbose === 1 && out.kind !== 'refused') ? `nc: ${target}: ${errno}\n` : '';
    return { stdout: '', stderr: errno, exitCode: 1, notes };
  }
  let stderr = '';
  if (o.verbose > 0) {
    if (openbsd) stderr = `Connection to ${host}${host !== ip && !o.numeric ? ` (${ip})` : ''} ${port} port [${proto}/${o.numeric ? '*' : (SERVICES[String(port)] ?? '*')}] succeeded!\n`;
    else stderr = `${target} open\n`;
  }
  if (o.zero || out.kind !== 'connected') return { stdout: '', stderr, exitCode: 0, notes };
  return { stdout: await converse(ctx, out, notes), stderr, exitCode: 0, notes };
}

// busybox 1.36 wget (networking/wget.c): `wget -qO- URL` prints the body; without -q it reports `Connecting to`,
// the progress line as it looks on a pipe, and where the file went. Error messages and exit status 1 are busybox's.

import { exchange, header, hostHeader, parseHttpUrl, resolveLocation, type HttpUrl } from './http-client.js';
import { connect, fail, lookupHost, SIM_TIMING, type ToolContext, type ToolResult } from './tool-context.js';

interface WgetOptions {
  quiet: boolean;
  output?: string;
  serverResponse: boolean;
  spider: boolean;
  timeoutMs: number;
  headers: string[];
  userAgent: string;
  url?: string;
}

const USAGE = 'BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n';

function parseWget(argv: string[]): WgetOptions | ToolResult {
  // busybox wget's default network timeout is 900 s (wget.c: G.timeout_seconds = 900).
  const o: WgetOptions = { quiet: false, serverResponse: false, spider: false, timeoutMs: 900_000, headers: [], userAgent: 'Wget' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const long = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (long) {
      const v = () => long[2] ?? argv[++i];
      if (long[1] === 'quiet') o.quiet = true;
      else if (long[1] === 'output-document') o.output = v();
      else if (long[1] === 'server-response') o.serverResponse = true;
      else if (long[1] === 'spider') o.spider = true;
      else if (long[1] === 'timeout') o.timeoutMs = Number(v()) * 1000;
      else if (long[1] === 'header') o.headers.push(v() ?? '');
      else if (long[1] === 'user-agent') o.userAgent = v() ?? 'Wget';
      else if (long[1] === 'no-check-certificate') continue;
      else return fail(2, `flatnet: wget option ${a} is not emulated\n`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j];
        if (f === 'q') o.quiet = true;
        else if (f === 'S') o.serverResponse = true;
        else if (f === 'O' || f === 'T' || f === 'U') {
          const v = a.slice(j + 1) || argv[++i];
          if (v === undefined) return fail(1, `wget: option requires an argument -- '${f}'\n${USAGE}`);
          if (f === 'O') o.output = v;
          else if (f === 'T') o.timeoutMs = Number(v) * 1000;
          else o.userAgent = v;
          break;
        } else return fail(1, `wget: invalid option -- '${f}'\n${USAGE}`);
      }
      continue;
    }
    if (o.url !== undefined) return fail(2, 'flatnet: wget with more than one URL is not emulated\n');
    o.url = a;
  }
  if (o.url === undefined) return fail(1, USAGE);
  return o;
}

/** The file name wget saves to: the URL's last path component, `index.html` for a directory. */
function fileName(u: HttpUrl): string {
  const path = u.target.replace(/[?#].*$/, '');
  return path.slice(path.lastIndexOf('/') + 1) || 'index.html';
}

/** libbb/progress.c on a pipe: name in 20 columns, percent, a 32-star bar (80-column default), size in 5, ETA. */
function progress(name: string, size: number): string {
  return `${name.padEnd(20).slice(0, 20)} 100% |${'*'.repeat(32)}| ${String(size).padStart(5)}  0:00:00 ETA\n`;
}

/** Runs `wget [-q] [-O FILE] [-S] [-T SEC] [--spider] URL`. */
export async function runWget(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const o = parseWget(argv);
  if ('exitCode' in o) return o;
  let raw = o.url!;
  let stderr = '';
  const notes: string[] = [];
  const die = (msg: string) => ({ stdout: '', stderr: `${stderr}wget: ${msg}\n`, exitCode: 1, notes });
  for (let redirects = 0; redirects <= 16; redirects++) {
    const u = parseHttpUrl(raw);
    if ('problem' in u) return die(u.problem === 'scheme' ? `not an http or ftp url: ${raw}` : `bad address '${raw}'`);
    if (u.scheme === 'https') return { ...die('TLS is not emulated'), notes: ['flatnet does not emulate TLS; busybox wget would start a TLS handshake here'] };
    const lookup = await lookupHost(ctx, u.host);
    if (!lookup.ok) return die(`bad address '${u.host}'`);
    const ip = lookup.addresses[0];
    if (!o.quiet) stderr += `Connecting to ${hostHeader(u)} (${ip}:${u.port})\n`;
    const out = connect(ctx, ip, u.port);
    if (out.kind !== 'connected') {
      notes.push(out.message);
      if (out.kind === 'timeout' && o.timeoutMs < SIM_TIMING.kernelConnectTimeoutMs) return die('download timed out');
      if (out.kind === 'timeout') notes.push(`wget waits for the kernel to give up on the SYN (${SIM_TIMING.kernelConnectTimeoutMs / 1000} s); flatnet answers at once`);
      return die(`can't connect to remote host (${ip}): ${out.kind === 'refused' ? 'Connection refused' : out.kind === 'unreachable' ? 'No route to host' : 'Connection timed out'}`);
    }
    const headers: [string, string][] = [['Host', hostHeader(u)], ['User-Agent', o.userAgent]];
    for (const h of o.headers) {
      const i = h.indexOf(':');
      if (i > 0) headers.push([h.slice(0, i), h.slice(i + 1).trim()]);
    }
    headers.push(['Connection', 'close']);
    const ex = await exchange(ctx, out.session, { method: o.spider ? 'HEAD' : 'GET', target: u.target, version: 'HTTP/1.1', headers });
    if (ex.serverMs > o.timeoutMs) return die('download timed out');
    if (ex.kind !== 'response') return die(ex.kind === 'empty' ? 'error getting response: Connection reset by peer' : 'server returned error: garbage');
    const res = ex.response;
    if (o.serverResponse) stderr += `  ${res.version} ${res.status} ${res.reason}\n${res.headers.map(([k, v]) => `  ${k}: ${v}\n`).join('')}`;
    const location = header(res.headers, 'Location');
    if ([301, 302, 303, 307, 308].includes(res.status) && location) {
      raw = resolveLocation(u, location);
      continue;
    }
    if (res.status >= 400 || (res.status >= 300 && res.status !== 304)) return die(`server returned error: ${res.version} ${res.status} ${res.reason}`);
    if (o.spider) return { stdout: '', stderr: o.quiet ? stderr : `${stderr}remote file exists\n`, exitCode: 0, notes };
    const body = res.body.toString('utf8');
    const target = o.output ?? fileName(u);
    if (target === '-') {
      if (!o.quiet) stderr += `writing to stdout\n${progress('-', res.body.length)}written to stdout\n`;
      return { stdout: body, stderr, exitCode: 0, notes };
    }
    notes.push(`${target}: not written (exec in flatnet has no container filesystem)`);
    if (!o.quiet) stderr += `saving to '${target}'\n${progress(target, res.body.length)}'${target}' saved\n`;
    return { stdout: '', stderr, exitCode: 0, notes };
  }
  return die('too many redirections');
}

// curl over the simulated network: the pod's resolver, a data-plane connection, one HTTP exchange (redirects with -L),
// with curl's messages, exit codes (6, 7, 22, 28, 52, ...), -v lines, progress meter and --write-out.

import type { ConnectOutcome, HttpHeader, HttpRequest, HttpResponse } from '../dataplane/types.js';
import { CURL_TRY, CurlUsage, parseCurlArgs, type CurlOptions } from './curl-args.js';
import { curlDialect, PROGRESS_HEADER, progressLine, progressWhileWaiting, writeOut, type CurlDialect, type WriteOutValues } from './curl-output.js';
import { exchange, header, hostHeader, parseHttpUrl, resolveLocation, responseHeadText, type HttpUrl } from './http-client.js';
import { connect, connectMs, lookupHost, SIM_TIMING, type ToolContext, type ToolResult } from './tool-context.js';

/** curl's exit codes (libcurl-errors(3)) that the simulation can produce. */
const E = { UNSUPPORTED_PROTOCOL: 1, URL_MALFORMAT: 3, COULDNT_RESOLVE_HOST: 6, COULDNT_CONNECT: 7, HTTP_RETURNED_ERROR: 22, OPERATION_TIMEDOUT: 28, SSL_CONNECT_ERROR: 35, GOT_NOTHING: 52, TOO_MANY_REDIRECTS: 47 };

/** curl's timer fires a little after the deadline; the messages report that instant. */
const TIMER_SLACK_MS = 2;

/** One run's accumulated output and timings. */
class Transfer {
  stdout = '';
  stderr = '';
  notes: string[] = [];
  /** Elapsed simulated ms since the transfer started. */
  ms = 0;
  times = { namelookup: 0, connect: 0, pretransfer: 0, starttransfer: 0, total: 0, redirect: 0 };
  response?: HttpResponse;
  remote?: { ip: string; port: number; localIp: string; localPort: number };
  redirects = 0;
  bodyBytes = 0;
  requestBytes = 0;
  url = '';
  method = 'GET';
  /** The error curl reports (%{errormsg}), when the transfer failed. */
  error = '';

  constructor(
    readonly o: CurlOptions & { noProgress: boolean },
    readonly dialect: CurlDialect,
  ) {}

  get meter(): boolean {
    return !this.o.silent && !this.o.noProgress;
  }

  info(line: string): void {
    if (this.o.verbose) this.stderr += `* ${line}\n`;
  }
}

/** Where connect attempts bind locally when the kernel would pick an ephemeral port (deterministic stand-in). */
function localPortFor(ip: string, port: number): number {
  let h = 2166136261;
  for (const c of `${ip}:${port}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return 32768 + (h % (60999 - 32768));
}

function closingLine(t: Transfer): string {
  return t.dialect.lowercaseClosing ? 'closing connection #0' : 'Closing connection 0';
}

/** Ends the transfer with a curl error: the final meter line, the verbose echo of the error, then `curl: (N) msg`. */
function failure(t: Transfer, code: number, message: string): number {
  t.error = message;
  t.info(message);
  if (t.meter) t.stderr += `${progressLine({ received: 0, elapsedMs: t.ms })}\n`;
  t.info(closingLine(t));
  if (!t.o.silent || t.o.showError) t.stderr += `curl: (${code}) ${message}\n`;
  return code;
}

function buildRequest(t: Transfer, u: HttpUrl): HttpRequest {
  const o = t.o;
  const method = o.method ?? (o.head ? 'HEAD' : o.data !== undefined ? 'POST' : 'GET');
  const defaults: HttpHeader[] = [['Host', hostHeader(u)]];
  if (o.user !== undefined) defaults.push(['Authorization', `Basic ${Buffer.from(o.user.includes(':') ? o.user : `${o.user}:`).toString('base64')}`]);
  defaults.push(['User-Agent', o.userAgent ?? `curl/${t.dialect.version}`], ['Accept', '*/*']);
  // Old curl sent User-Agent before Host.
  if (t.dialect.legacy) defaults.unshift(...defaults.splice(defaults.findIndex(([k]) => k === 'User-Agent'), 1));
  let headers = defaults;
  for (const h of o.headers) {
    // -H "Name:" removes a header, "Name;" sends it empty, "Name: v" replaces curl's own (lib/http.c).
    const semi = /^([^:;\s]+);\s*$/.exec(h);
    const m = /^([^:\s]+):\s*(.*)$/s.exec(h);
    const name = semi ? semi[1] : m?.[1];
    if (!name) continue;
    const value = semi ? '' : m![2];
    const i = headers.findIndex(([k]) => k.toLowerCase() === name.toLowerCase());
    if (!semi && value === '') headers = headers.filter((_, j) => j !== i);
    else if (i >= 0 && i < defaults.length) headers = headers.map((x, j) => (j === i ? [name, value] : x));
    else headers = [...headers, [name, value]];
  }
  let body: Buffer | undefined;
  if (o.data !== undefined) {
    body = Buffer.from(o.data);
    if (!header(headers, 'Content-Length')) headers.push(['Content-Length', String(body.length)]);
    if (!header(headers, 'Content-Type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  }
  t.method = method;
  return { method, target: u.target, version: o.http10 ? 'HTTP/1.0' : 'HTTP/1.1', headers, ...(body ? { body } : {}) };
}

/** The connect deadline: --connect-timeout and --max-time, whichever is sooner (lib/connect.c Curl_timeleft). */
function connectDeadline(o: CurlOptions): number | undefined {
  const limits = [o.connectTimeoutMs, o.maxTimeMs].filter((x): x is number => x !== undefined && x > 0);
  return limits.length ? Math.min(...limits) : undefined;
}

/** A connection that failed: refused, unreachable or silently dropped. Returns the exit code. */
function connectFailed(ctx: ToolContext, t: Transfer, u: HttpUrl, ip: string, out: Exclude<ConnectOutcome, { kind: 'connected' }>): number {
  const from = t.dialect.connectFromLine ? ` from ${ctx.ip} port ${localPortFor(ip, u.port)}` : '';
  const failed = `Failed to connect to ${u.host} port ${u.port} after`;
  if (t.dialect.legacy && !(out.kind === 'timeout' && (connectDeadline(t.o) ?? Infinity) < SIM_TIMING.kernelConnectTimeoutMs)) {
    const errno = out.kind === 'refused' ? 'Connection refused' : out.kind === 'unreachable' ? 'No route to host' : 'Connection timed out';
    t.notes.push(out.message);
    t.ms += out.kind === 'timeout' ? SIM_TIMING.kernelConnectTimeoutMs : SIM_TIMING.failureMs;
    t.info(errno);
    return failure(t, E.COULDNT_CONNECT, `Failed connect to ${u.host}:${u.port}; ${errno}`);
  }
  if (out.kind === 'timeout') {
    const deadline = connectDeadline(t.o);
    t.notes.push(`${out.message}: the SYN is never answered`);
    if (deadline !== undefined && deadline < SIM_TIMING.kernelConnectTimeoutMs) {
      if (t.meter) t.stderr += progressWhileWaiting(deadline).slice(progressLine({ received: 0, elapsedMs: 0 }).length);
      t.ms = deadline + TIMER_SLACK_MS;
      return failure(t, E.OPERATION_TIMEDOUT, `Connection timed out after ${t.ms} milliseconds`);
    }
    t.notes.push(`without --connect-timeout or --max-time curl waits for the kernel to give up on the SYN (${SIM_TIMING.kernelConnectTimeoutMs / 1000} s); flatnet answers at once`);
    if (t.meter) t.stderr += progressWhileWaiting(SIM_TIMING.kernelConnectTimeoutMs).slice(progressLine({ received: 0, elapsedMs: 0 }).length);
    t.ms += SIM_TIMING.kernelConnectTimeoutMs;
    t.info(`connect to ${ip} port ${u.port}${from} failed: Connection timed out`);
    // lib/connect.c: the socket's ETIMEDOUT turns CURLE_COULDNT_CONNECT into CURLE_OPERATION_TIMEDOUT.
    return failure(t, E.OPERATION_TIMEDOUT, `${failed} ${Math.floor(t.ms)} ms: Couldn't connect to server`);
  }
  t.ms += SIM_TIMING.failureMs;
  t.notes.push(out.message);
  t.info(`connect to ${ip} port ${u.port}${from} failed: ${out.kind === 'refused' ? 'Connection refused' : 'No route to host'}`);
  return failure(t, E.COULDNT_CONNECT, `${failed} ${Math.floor(t.ms)} ms: Couldn't connect to server`);
}

/** One request to one URL; returns the exit code, or a URL to follow. */
async function fetchOnce(ctx: ToolContext, t: Transfer, raw: string): Promise<number | { follow: string }> {
  const u = parseHttpUrl(raw);
  if ('problem' in u) {
    if (u.problem === 'scheme') return failure(t, E.UNSUPPORTED_PROTOCOL, t.dialect.hostResolvedLines ? `Protocol "${u.scheme}" not supported` : `Protocol "${u.scheme}" not supported or disabled in libcurl`);
    return failure(t, E.URL_MALFORMAT, 'URL rejected: Malformed input to a URL function');
  }
  t.url = u.normalized;
  const lookup = await lookupHost(ctx, u.host);
  t.ms += lookup.ms;
  t.times.namelookup = t.ms / 1000;
  if (!lookup.ok) {
    const deadline = connectDeadline(t.o);
    if (lookup.error === 'TIMEOUT') {
      t.notes.push(`DNS queries to ${ctx.resolvConf.nameservers[0]} get no answer (${lookup.detail})`);
      if (deadline !== undefined && deadline < lookup.ms) {
        t.ms = deadline + TIMER_SLACK_MS;
        return failure(t, E.OPERATION_TIMEDOUT, `Resolving timed out after ${t.ms} milliseconds`);
      }
    }
    return failure(t, E.COULDNT_RESOLVE_HOST, `Could not resolve host: ${u.host}${t.dialect.legacy ? '; Name or service not known' : ''}`);
  }
  if (lookup.via === 'dns' && t.dialect.hostResolvedLines) {
    t.info(`Host ${u.host}:${u.port} was resolved.`);
    t.info('IPv6: (none)');
    t.info(`IPv4: ${lookup.addresses.join(', ')}`);
  }
  const ip = lookup.addresses[0];
  if (t.dialect.legacy) t.info(`About to connect() to ${u.host} port ${u.port} (#0)`);
  t.info(t.dialect.legacy ? `  Trying ${ip}...` : `  Trying ${ip}:${u.port}...`);
  const out = connect(ctx, ip, u.port);
  if (out.kind !== 'connected') return connectFailed(ctx, t, u, ip, out);
  t.ms += connectMs(ctx, ip, out);
  t.times.connect = t.ms / 1000;
  t.remote = { ip, port: u.port, localIp: ctx.ip, localPort: out.delivered.conn.source.port };
  t.info(`Connected to ${u.host} (${ip}) port ${u.port}${t.dialect.connectionIdOnConnect ? ' (#0)' : ''}`);
  if (u.scheme === 'https') {
    t.notes.push('TLS is not emulated: the simulated server answers plain HTTP, so the handshake fails as against a plain-HTTP port');
    return failure(t, E.SSL_CONNECT_ERROR, 'OpenSSL/3.3.2: error:0A00010B:SSL routines::wrong version number');
  }
  if (t.dialect.usingHttp1) t.info('using HTTP/1.x');
  return transfer(ctx, t, u, out.session);
}

async function transfer(ctx: ToolContext, t: Transfer, u: HttpUrl, session: Extract<ConnectOutcome, { kind: 'connected' }>['session']): Promise<number | { follow: string }> {
  const req = buildRequest(t, u);
  const head = `${req.method} ${req.target} ${req.version}\r\n${req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  t.requestBytes += head.length + (req.body?.length ?? 0);
  if (t.o.verbose) t.stderr += head.split('\r\n').slice(0, -1).map((l) => `> ${l}\r\n`).join('');
  // tool_cb_dbg.c: data sent or received is announced, not shown, when the output is not a terminal.
  if (t.o.verbose && req.body) t.stderr += t.dialect.legacy ? '} [data not shown]\n' : `} [${req.body.length} bytes data]\n`;
  if (t.dialect.requestSentOff) t.info(req.body ? `upload completely sent off: ${req.body.length} bytes` : 'Request completely sent off');
  t.times.pretransfer = t.ms / 1000;
  const ex = await exchange(ctx, session, req);
  if (t.o.maxTimeMs !== undefined && t.ms + ex.serverMs > t.o.maxTimeMs) {
    if (t.meter) t.stderr += progressWhileWaiting(t.o.maxTimeMs).slice(progressLine({ received: 0, elapsedMs: 0 }).length);
    t.ms = t.o.maxTimeMs + TIMER_SLACK_MS;
    t.notes.push(`the server takes ${ex.serverMs} ms to answer (flatnet.dev/latency)`);
    return failure(t, E.OPERATION_TIMEDOUT, `Operation timed out after ${t.ms} milliseconds with 0 bytes received`);
  }
  t.ms += ex.serverMs + SIM_TIMING.sameNodeRttMs;
  t.times.starttransfer = t.ms / 1000;
  if (ex.kind === 'empty') return failure(t, E.GOT_NOTHING, 'Empty reply from server');
  // curl 7.66+ refuses HTTP/0.9 (an answer without a status line) unless --http0.9.
  if (ex.kind === 'not-http') return failure(t, 1, 'Received HTTP/0.9 when not allowed');
  const res = ex.response;
  t.response = res;
  const headText = responseHeadText(res);
  if (t.o.verbose) t.stderr += headText.split('\r\n').slice(0, -1).map((l) => `< ${l}\r\n`).join('');
  if ((t.o.fail || t.o.failWithBody) && res.status >= 400) {
    if (t.o.failWithBody) t.stdout += res.body.toString('utf8');
    return failure(t, E.HTTP_RETURNED_ERROR, `The requested URL returned error: ${res.status}`);
  }
  const location = header(res.headers, 'Location');
  if (t.o.include || t.o.head) t.stdout += headText;
  const following = t.o.location && location !== undefined && res.status >= 300 && res.status < 400;
  // With -L a redirect's own body is read and dropped (lib/http.c: "Ignore the body of this response").
  if (res.body.length > 0 && !t.o.head) {
    t.bodyBytes += res.body.length;
    if (following) t.info('Ignoring the response-body');
    if (t.o.verbose) t.stderr += t.dialect.legacy ? '{ [data not shown]\n' : `{ [${res.body.length} bytes data]\n`;
    if (!following && t.o.output === undefined && !t.o.remoteName) t.stdout += res.body.toString('utf8');
    else if (!following && t.o.output !== '/dev/null') t.notes.push(`${t.o.output ?? 'the remote file name'}: not written (exec in flatnet has no container filesystem)`);
  }
  t.times.total = t.ms / 1000;
  const closes = /close/i.test(header(res.headers, 'Connection') ?? '') || res.version === 'HTTP/1.0';
  if (following && location) {
    if (t.meter) t.stderr += progressLine({ received: t.bodyBytes, elapsedMs: t.ms });
    t.info(closes ? closingLine(t) : `Connection #0 to host ${u.host} left intact`);
    const next = resolveLocation(u, location);
    t.info(`Issue another request to this URL: '${next}'`);
    return { follow: next };
  }
  if (t.meter) t.stderr += `${progressLine({ received: t.bodyBytes, expected: contentLength(res), elapsedMs: t.ms })}\n`;
  t.info(closes ? (t.dialect.lowercaseClosing ? 'shutting down connection #0' : closingLine(t)) : `Connection #0 to host ${u.host} left intact`);
  return 0;
}

function contentLength(res: HttpResponse): number | undefined {
  const v = header(res.headers, 'Content-Length');
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function writeOutValues(t: Transfer, exitCode: number, message: string): WriteOutValues {
  const res = t.response;
  return {
    httpCode: res?.status ?? 0,
    exitCode,
    errorMessage: message,
    times: { ...t.times, total: t.ms / 1000 },
    sizeDownload: t.bodyBytes,
    sizeHeader: res ? responseHeadText(res).length : 0,
    sizeRequest: t.requestBytes,
    remoteIp: t.remote?.ip ?? '',
    remotePort: t.remote?.port ?? '',
    localIp: t.remote?.localIp ?? '',
    localPort: t.remote?.localPort ?? '',
    urlEffective: t.url,
    url: t.o.urls[0] ?? '',
    contentType: (res && header(res.headers, 'Content-Type')) ?? '',
    numRedirects: t.redirects,
    numConnects: t.remote ? 1 : 0,
    httpVersion: res ? res.version.slice(5) : '0',
    method: t.method,
    scheme: t.url.startsWith('https') ? 'https' : 'http',
    redirectUrl: (res && res.status >= 300 && res.status < 400 && header(res.headers, 'Location')) || '',
    headers: res?.headers ?? [],
  };
}

/** Runs `curl argv...`. */
export async function runCurl(ctx: ToolContext, argv: string[]): Promise<ToolResult & { notes: string[] }> {
  let o: ReturnType<typeof parseCurlArgs>;
  try {
    o = parseCurlArgs(argv);
  } catch (e) {
    if (e instanceof CurlUsage) return { stdout: '', stderr: e.stderr, exitCode: e.exitCode, notes: [] };
    throw e;
  }
  if (o.urls.length === 0) return { stdout: '', stderr: argv.length === 0 ? CURL_TRY : `curl: no URL specified!\n${CURL_TRY}`, exitCode: 2, notes: [] };
  if (o.urls.length > 1) return { stdout: '', stderr: 'flatnet: curl with more than one URL is not emulated\n', exitCode: 2, notes: [] };
  const t = new Transfer(o, curlDialect(ctx.toolbox.curl ?? '8.14.1'));
  if (t.meter) t.stderr += PROGRESS_HEADER + progressLine({ received: 0, elapsedMs: 0 });
  let url = o.urls[0];
  let code: number;
  for (;;) {
    const r = await fetchOnce(ctx, t, url);
    if (typeof r === 'number') {
      code = r;
      break;
    }
    if (++t.redirects > 50) {
      code = failure(t, E.TOO_MANY_REDIRECTS, 'Maximum (50) redirects followed');
      break;
    }
    url = r.follow;
  }
  if (o.writeOut !== undefined) {
    const w = writeOut(o.writeOut, writeOutValues(t, code, t.error));
    t.stdout += w.stdout;
    t.stderr += w.stderr;
  }
  return { stdout: t.stdout, stderr: t.stderr, exitCode: code, notes: t.notes };
}

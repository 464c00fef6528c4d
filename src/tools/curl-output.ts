// What curl writes besides the body: the -v lines as each curl release words them, the progress meter on stderr
// (lib/progress.c), and the --write-out variables (src/tool_writeout.c), all from simulated timings.

/** The -v lines that changed between curl releases (checked against curl's lib/ sources at each tag). */
export interface CurlDialect {
  version: string;
  /** `* Connected to h (ip) port p (#0)` before 8.3.0 (lib/url.c Curl_verboseconnect). */
  connectionIdOnConnect: boolean;
  /** `* Host h:p was resolved.` / `* IPv6: (none)` / `* IPv4: ...` for host names, from 8.6.0 (lib/hostip.c). */
  hostResolvedLines: boolean;
  /** `* connect to ip port p from ip port q failed: ...` from 8.6.0 (lib/cf-socket.c); before: `connect to ip port p failed`. */
  connectFromLine: boolean;
  /** `* Request completely sent off` from 8.7.0 (lib/request.c). */
  requestSentOff: boolean;
  /** `* using HTTP/1.x` after connecting, for every HTTP transfer from 8.10.0 (lib/url.c). */
  usingHttp1: boolean;
  /** `* closing connection #0` from 8.9.0 (lib/conncache.c); before: `* Closing connection 0` (lib/url.c). */
  lowercaseClosing: boolean;
  /**
   * curl before 7.50 (CentOS 7's 7.29.0): `* About to connect() to h port p (#0)`, `*   Trying ip...`, User-Agent
   * before Host, `{ [data not shown]`, and `Failed connect to h:p; Connection refused` (exit 7 for a timeout too).
   */
  legacy: boolean;
}

function atLeast(version: string, want: string): boolean {
  const a = version.split('.').map(Number);
  const b = want.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The dialect of a curl version (7.x releases all print as 7.88.1 does; flatnet checks that one against the real curl). */
export function curlDialect(version: string): CurlDialect {
  return {
    version,
    connectionIdOnConnect: !atLeast(version, '8.3.0'),
    hostResolvedLines: atLeast(version, '8.6.0'),
    connectFromLine: atLeast(version, '8.6.0'),
    requestSentOff: atLeast(version, '8.7.0'),
    usingHttp1: atLeast(version, '8.10.0'),
    lowercaseClosing: atLeast(version, '8.9.0'),
    legacy: !atLeast(version, '7.50.0'),
  };
}

/** lib/progress.c max5data: a byte count in at most five columns. */
export function max5data(bytes: number): string {
  const K = 1024;
  const M = K * K;
  const G = M * K;
  if (bytes < 100000) return String(bytes).padStart(5);
  if (bytes < 10000 * K) return `${String(Math.floor(bytes / K)).padStart(4)}k`;
  if (bytes < 100 * M) return `${String(Math.floor(bytes / M)).padStart(2)}.${Math.floor((bytes % M) / (M / 10))}M`;
  if (bytes < 10000 * M) return `${String(Math.floor(bytes / M)).padStart(4)}M`;
  return `${String(Math.floor(bytes / G)).padStart(4)}G`;
}

/** lib/progress.c time2str: `--:--:--` for zero, else `%2d:%02d:%02d`. */
function time2str(seconds: number): string {
  if (seconds <= 0) return '--:--:--';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${String(h).padStart(2)}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export const PROGRESS_HEADER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n';

/** One progress-meter update (`\r` + the line), as progress_meter() prints it. */
export function progressLine(p: { received: number; expected?: number; elapsedMs: number }): string {
  const known = p.expected !== undefined;
  const total = known ? p.expected! : p.received;
  const speed = p.received === 0 ? 0 : Math.floor((p.received * 1000) / Math.max(p.elapsedMs, 1));
  const pct = (t: number, c: number) => (t > 10000 ? Math.floor(c / Math.floor(t / 100)) : t > 0 ? Math.floor((c * 100) / t) : 0);
  const dlPct = known && speed > 0 ? pct(p.expected!, p.received) : 0;
  const estSecs = known && speed > 0 ? Math.floor(p.expected! / speed) : 0;
  const spent = Math.floor(p.elapsedMs / 1000);
  const pad3 = (n: number) => String(n).padStart(3);
  return `\r${pad3(pct(total, p.received))} ${max5data(total)}  ${pad3(dlPct)} ${max5data(p.received)}  ${pad3(0)} ${max5data(0)}  ${max5data(speed)}  ${max5data(0)} ${time2str(estSecs)} ${time2str(spent)} ${time2str(estSecs > 0 ? estSecs - spent : 0)} ${max5data(speed)}`;
}

/**
 * The meter's updates while a transfer that ends after `elapsedMs` is under way: one at the start and one per whole
 * second (curl redraws once a second), without the final one.
 */
export function progressWhileWaiting(elapsedMs: number): string {
  let s = progressLine({ received: 0, elapsedMs: 0 });
  for (let t = 1000; t < elapsedMs; t += 1000) s += progressLine({ received: 0, elapsedMs: t });
  return s;
}

/** The values --write-out can show. */
export interface WriteOutValues {
  httpCode: number;
  exitCode: number;
  errorMessage: string;
  /** Seconds, curl's doubles. */
  times: { namelookup: number; connect: number; pretransfer: number; starttransfer: number; total: number; redirect: number };
  sizeDownload: number;
  sizeHeader: number;
  sizeRequest: number;
  remoteIp: string;
  remotePort: number | '';
  localIp: string;
  localPort: number | '';
  urlEffective: string;
  url: string;
  contentType: string;
  numRedirects: number;
  numConnects: number;
  httpVersion: string;
  method: string;
  scheme: string;
  redirectUrl: string;
  headers: [string, string][];
}

/** Renders a --write-out template (tool_writeout.c): `%{var}`, `%header{name}`, `%%`, and \n \r \t \\ escapes. */
export function writeOut(template: string, v: WriteOutValues): { stdout: string; stderr: string } {
  const secs = (s: number) => s.toFixed(6);
  const vars: Record<string, string> = {
    http_code: String(v.httpCode).padStart(3, '0'),
    response_code: String(v.httpCode).padStart(3, '0'),
    exitcode: String(v.exitCode),
    errormsg: v.errorMessage,
    time_namelookup: secs(v.times.namelookup),
    time_connect: secs(v.times.connect),
    time_appconnect: secs(0),
    time_pretransfer: secs(v.times.pretransfer),
    time_starttransfer: secs(v.times.starttransfer),
    time_redirect: secs(v.times.redirect),
    time_total: secs(v.times.total),
    size_download: String(v.sizeDownload),
    size_header: String(v.sizeHeader),
    size_request: String(v.sizeRequest),
    size_upload: '0',
    speed_download: String(v.times.total > 0 ? Math.floor(v.sizeDownload / v.times.total) : 0),
    speed_upload: '0',
    remote_ip: v.remoteIp,
    remote_port: String(v.remotePort),
    local_ip: v.localIp,
    local_port: String(v.localPort),
    url_effective: v.urlEffective,
    url: v.url,
    content_type: v.contentType,
    num_redirects: String(v.numRedirects),
    num_connects: String(v.numConnects),
    http_version: v.httpVersion,
    method: v.method,
    scheme: v.scheme,
    redirect_url: v.redirectUrl,
  };
  let out = '';
  let err = '';
  let toStderr = false;
  const emit = (s: string) => (toStderr ? (err += s) : (out += s));
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '%' && template[i + 1] === '%') {
      emit('%');
      i++;
    } else if (c === '%' && template.startsWith('%{', i)) {
      const end = template.indexOf('}', i);
      if (end < 0) {
        emit(template.slice(i));
        break;
      }
      const name = template.slice(i + 2, end);
      if (name === 'stderr') toStderr = true;
      else if (name === 'stdout') toStderr = false;
      else if (name in vars) emit(vars[name]);
      else err += `curl: unknown --write-out variable: '${name}'\n`;
      i = end;
    } else if (c === '%' && template.startsWith('%header{', i)) {
      const end = template.indexOf('}', i);
      const name = template.slice(i + 8, end).toLowerCase();
      emit(v.headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '');
      i = end;
    } else if (c === '\\' && i + 1 < template.length) {
      const e = template[++i];
      emit(e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '\\' ? '\\' : `\\${e}`);
    } else emit(c);
  }
  return { stdout: out, stderr: err };
}

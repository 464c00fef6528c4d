// curl's command line as curl's own parser reads it (src/tool_getparam.c): bundled short options (`-sSL`), values
// attached or in the next word (`-o/dev/null`, `-m 3`), long options without `=`, and its usage errors verbatim.

/** The options flatnet's curl honours. */
export interface CurlOptions {
  urls: string[];
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  head: boolean;
  include: boolean;
  output?: string;
  remoteName: boolean;
  writeOut?: string;
  headers: string[];
  method?: string;
  data?: string;
  maxTimeMs?: number;
  connectTimeoutMs?: number;
  location: boolean;
  fail: boolean;
  failWithBody: boolean;
  userAgent?: string;
  user?: string;
  http10: boolean;
}

/** A usage error as curl prints it (exit 2), or an option flatnet does not emulate. */
export class CurlUsage extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    super(stderr);
  }
}

const TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n";

type Kind = 'flag' | 'value' | 'number' | 'ignored-flag' | 'ignored-value';

/** Long name → [short letter, kind]. "ignored" options change nothing observable in the simulation. */
const LONG: Record<string, [string | undefined, Kind]> = {
  silent: ['s', 'flag'],
  'show-error': ['S', 'flag'],
  verbose: ['v', 'flag'],
  head: ['I', 'flag'],
  include: ['i', 'flag'],
  output: ['o', 'value'],
  'remote-name': ['O', 'flag'],
  'write-out': ['w', 'value'],
  header: ['H', 'value'],
  request: ['X', 'value'],
  data: ['d', 'value'],
  'data-raw': [undefined, 'value'],
  'data-binary': [undefined, 'value'],
  'data-ascii': [undefined, 'value'],
  'max-time': ['m', 'number'],
  'connect-timeout': [undefined, 'number'],
  location: ['L', 'flag'],
  fail: ['f', 'flag'],
  'fail-with-body': [undefined, 'flag'],
  'user-agent': ['A', 'value'],
  user: ['u', 'value'],
  insecure: ['k', 'ignored-flag'],
  ipv4: ['4', 'ignored-flag'],
  'no-buffer': ['N', 'ignored-flag'],
  'http1.1': [undefined, 'ignored-flag'],
  'http1.0': ['0', 'flag'],
  compressed: [undefined, 'ignored-flag'],
  'no-progress-meter': [undefined, 'flag'],
  'no-keepalive': [undefined, 'ignored-flag'],
  'progress-bar': ['#', 'ignored-flag'],
  url: [undefined, 'value'],
  noproxy: [undefined, 'ignored-value'],
};

/** Options curl has whose effect flatnet does not reproduce: refused rather than silently ignored. */
const NOT_EMULATED = new Set(['proxy', 'x', 'resolve', 'connect-to', 'cacert', 'cert', 'key', 'ipv6', '6', 'http2', 'http3', 'unix-socket', 'upload-file', 'T', 'form', 'F', 'cookie', 'b', 'cookie-jar', 'c', 'retry', 'trace', 'trace-ascii', 'limit-rate', 'range', 'r', 'continue-at', 'C', 'get', 'G', 'data-urlencode', 'json', 'parallel', 'Z', 'config', 'K', 'interface', 'local-port', 'dns-servers', 'doh-url']);

const SHORT: Record<string, string> = Object.fromEntries(Object.entries(LONG).filter(([, [s]]) => s !== undefined).map(([long, [s]]) => [s as string, long]));

function seconds(option: string, v: string): number {
  // curl's str2udouble: a non-negative decimal number of seconds.
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(v)) throw new CurlUsage(`curl: option ${option}: expected a proper numerical parameter\n${TRY}`, 2);
  return Math.round(Number(v) * 1000);
}

function apply(o: CurlOptions, long: string, value: string | undefined, shown: string, counters: { noProgress: boolean }): void {
  switch (long) {
    case 'silent': o.silent = true; break;
    case 'show-error': o.showError = true; break;
    case 'verbose': o.verbose = true; break;
    case 'head': o.head = true; break;
    case 'include': o.include = true; break;
    case 'output': o.output = value; break;
    case 'remote-name': o.remoteName = true; break;
    case 'write-out': o.writeOut = value; break;
    case 'header': o.headers.push(value!); break;
    case 'request': o.method = value; break;
    case 'data': case 'data-raw': case 'data-binary': case 'data-ascii':
      // Several -d join with '&' (tool_getparam.c: "append the data to the previous data with a '&'").
      o.data = o.data === undefined ? value : `${o.data}&${value}`;
      break;
    case 'max-time': o.maxTimeMs = seconds(shown, value!); break;
    case 'connect-timeout': o.connectTimeoutMs = seconds(shown, value!); break;
    case 'location': o.location = true; break;
    case 'fail': o.fail = true; break;
    case 'fail-with-body': o.failWithBody = true; break;
    case 'user-agent': o.userAgent = value; break;
    case 'user': o.user = value; break;
    case 'http1.0': o.http10 = true; break;
    case 'no-progress-meter': counters.noProgress = true; break;
    case 'url': o.urls.push(value!); break;
    default: break;
  }
}

/** Parses curl's argv (without `curl`). Throws CurlUsage with curl's message for a bad command line. */
export function parseCurlArgs(argv: string[]): CurlOptions & { noProgress: boolean } {
  const o: CurlOptions = { urls: [], silent: false, showError: false, verbose: false, head: false, include: false, remoteName: false, headers: [], location: false, fail: false, failWithBody: false, http10: false };
  const counters = { noProgress: false };
  const take = (i: number, shown: string): string => {
    if (i >= argv.length) throw new CurlUsage(`curl: option ${shown}: requires parameter\n${TRY}`, 2);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--') && a.length > 2) {
      let name = a.slice(2);
      // --no-X turns a boolean off (tool_getparam.c "--no-" prefix); only the ones that matter here.
      if (name.startsWith('no-') && LONG[name.slice(3)]?.[1] === 'flag' && !LONG[name]) {
        name = name.slice(3);
        if (name === 'silent') o.silent = false;
        else if (name === 'verbose') o.verbose = false;
        continue;
      }
      if (NOT_EMULATED.has(name)) throw new CurlUsage(`flatnet: curl option ${a} is not emulated\n`, 2);
      const spec = LONG[name];
      if (!spec) throw new CurlUsage(`curl: option ${a}: is unknown\n${TRY}`, 2);
      const value = spec[1] === 'value' || spec[1] === 'number' || spec[1] === 'ignored-value' ? take(++i, a) : undefined;
      apply(o, name, value, a, counters);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const letter = a[j];
        const shown = `-${letter}`;
        if (NOT_EMULATED.has(letter)) throw new CurlUsage(`flatnet: curl option ${shown} is not emulated\n`, 2);
        const long = SHORT[letter];
        if (!long) throw new CurlUsage(`curl: option ${a}: is unknown\n${TRY}`, 2);
        const kind = LONG[long][1];
        if (kind === 'value' || kind === 'number' || kind === 'ignored-value') {
          const rest = a.slice(j + 1);
          const value = rest !== '' ? rest : take(++i, shown);
          apply(o, long, value, shown, counters);
          break;
        }
        apply(o, long, undefined, shown, counters);
      }
      continue;
    }
    o.urls.push(a);
  }
  return { ...o, noProgress: counters.noProgress };
}

export const CURL_TRY = TRY;

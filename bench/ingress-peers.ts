// The Ingress benchmark's peers and tools: http-echo stand-in backends (node:http), an nginx configured like
// ingress-nginx for the same hosts and paths, wrk with a host-rotating Lua script, and the output parsers.

import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRoute } from './ingress-cluster.js';

/** A TCP port on 127.0.0.1 that is free right now (the kernel's pick). */
export async function freeTcpPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A Node child process with its output collected: in memory, or in `logFile` (for `flatnet up`, whose log a file keeps
 * off the benchmark process and its pipe).
 */
export class NodeChild {
  private buffered = '';
  readonly proc: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(
    args: string[],
    private readonly logFile?: string,
  ) {
    const fd = logFile ? openSync(logFile, 'w') : undefined;
    this.proc = spawn(process.execPath, args, { stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'] });
    if (fd !== undefined) closeSync(fd);
    this.proc.stdout?.on('data', (d) => (this.buffered += d));
    this.proc.stderr?.on('data', (d) => (this.buffered += d));
    this.exited = new Promise((r) => this.proc.on('exit', () => r()));
  }

  /** Everything the child has printed so far. */
  get out(): string {
    return this.logFile ? readFileSync(this.logFile, 'utf8') : this.buffered;
  }

  /** Waits until the output matches `re`; fails when the child exits first or after `timeoutMs`. */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = this.out;
      const m = re.exec(out);
      if (m) return m;
      if (this.proc.exitCode !== null || Date.now() > deadline) throw new Error(`waiting for ${re}: ${this.proc.exitCode !== null ? `exited ${this.proc.exitCode}` : 'timed out'}:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 10 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident memory of the child now, in MB. */
  rssMB(): number {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  }
}

/** The path of a command, or undefined; nginx lives in /usr/sbin, which a non-root PATH may lack. */
export function findCommand(name: string, fallbacks: string[] = []): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  return fallbacks.find((p) => existsSync(p));
}

/**
 * Serves one node:http server per text on a loopback port, answering what the simulated http-echo 1.0 pods send:
 * 200, the text and a newline, X-App-Name/X-App-Version, Content-Type sniffed as Go does. Prints `ports [..]`.
 * (node:http also adds Connection/Keep-Alive response headers, which http-echo does not send.)
 */
export async function serveEchoBackends(texts: string[]): Promise<void> {
  const ports: number[] = [];
  for (const text of texts) {
    const body = Buffer.from(`${text}\n`);
    const headers = { 'X-App-Name': 'http-echo', 'X-App-Version': '1.0.0', 'Content-Length': String(body.length), 'Content-Type': 'text/plain; charset=utf-8' };
    const server = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, headers);
      res.end(body);
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.push((server.address() as { port: number }).port);
  }
  console.log(`ports ${JSON.stringify(ports)}`);
}

/** The request headers ingress-nginx's nginx.tmpl sets towards the upstream (as src/ingress/forwarded-headers.ts). */
const PROXY_HEADERS = [
  'proxy_set_header Host $http_host;',
  'proxy_set_header X-Request-ID $request_id;',
  'proxy_set_header X-Real-IP $remote_addr;',
  'proxy_set_header X-Forwarded-For $remote_addr;',
  'proxy_set_header X-Forwarded-Host $http_host;',
  'proxy_set_header X-Forwarded-Port $server_port;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_set_header X-Forwarded-Scheme $scheme;',
  'proxy_set_header X-Scheme $scheme;',
  'proxy_set_header Proxy "";',
  'proxy_set_header Connection "";',
];

/**
 * nginx.conf for the routes: one upstream per Service (`default-NAME-80`, ingress-nginx's name) with keepalive, one
 * server per host with ingress-nginx's Prefix locations (`= /p` and `/p/`), a 404 default server, access_log off.
 * Settings follow ingress-nginx's ConfigMap defaults where they matter here: worker_processes auto,
 * keepalive_requests 1000 to clients, upstream keepalive 320 connections / 10000 requests / 60 s, proxy_buffering off.
 */
export function nginxConfig(dir: string, port: number, routes: BenchRoute[], upstreams: Map<string, number[]>): string {
  const upstreamName = (svc: string) => `default-${svc}-80`;
  const lines = [
    'worker_processes auto;',
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    '  keepalive_requests 1000;',
    '  keepalive_timeout 75s;',
    '  proxy_http_version 1.1;',
    '  proxy_buffering off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`),
    ...PROXY_HEADERS.map((h) => `  ${h}`),
  ];
  for (const [svc, ports] of upstreams) {
    lines.push(`  upstream ${upstreamName(svc)} {`, ...ports.map((p) => `    server 127.0.0.1:${p};`), '    keepalive 320;', '    keepalive_requests 10000;', '    keepalive_timeout 60s;', '  }');
  }
  lines.push(`  server { listen 127.0.0.1:${port} default_server; server_name _; location / { return 404; } }`);
  const hosts = [...new Set(routes.map((r) => r.host))];
  for (const host of hosts) {
    lines.push(`  server {`, `    listen 127.0.0.1:${port};`, `    server_name ${host};`);
    for (const r of routes.filter((x) => x.host === host)) {
      const to = `proxy_pass http://${upstreamName(r.service)};`;
      lines.push(`    location = ${r.path} { ${to} }`, `    location ${r.path}/ { ${to} }`);
    }
    lines.push('    location / { return 404; }', '  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}

/** A running nginx (daemon off, so the child is the master) and its stop. */
export interface RunningNginx {
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `nginx -c CONF -p DIR -e DIR/error.log -g 'daemon off; pid DIR/nginx.pid;'` and waits for `port`. */
export async function startNginx(nginx: string, dir: string, conf: string, port: number): Promise<RunningNginx> {
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const proc = spawn(nginx, ['-c', confFile, '-p', dir, '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}:\n${out}${readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000)}`);
    if ((await httpGet(port, '_', '/').catch(() => undefined)) !== undefined) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer on port ${port}:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGQUIT'); // graceful shutdown of the master and its workers
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/** One GET with a Host header (on a fresh connection unless an agent is given): status and body. */
export function httpGet(port: number, host: string, path: string, agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host }, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A wrk script that sends the routes in turn (each thread keeps its own counter), Host header and path together. */
export function wrkScript(routes: { host: string; path: string }[]): string {
  const list = routes.map((r) => `{${JSON.stringify(r.host)}, ${JSON.stringify(r.path)}}`).join(',\n  ');
  return `-- Generated by bench/ingress-peers.ts: rotate over the Ingress routes.
local routes = {
  ${list}
}
local i = 0
request = function()
  i = i % #routes + 1
  return wrk.format("GET", routes[i][2], { Host = routes[i][1] })
end
`;
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** "Non-2xx or 3xx responses" (wrk counts status > 399). */
  non2xx: number;
  /** Socket errors: connect + read + write + timeout. */
  socketErrors: number;
  raw: string;
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : NaN;
}

/** Parses wrk's `--latency` report. */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    raw: out,
  };
}

/** `wrk -t2 -cC -dS --latency [-s script] URL`, keep-alive (wrk's default). */
export function runWrk(wrk: string, url: string, opts: { seconds: number; threads: number; connections: number; script?: string }): WrkResult {
  const args = [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', ...(opts.script ? ['-s', opts.script] : []), url];
  const r = spawnSync(wrk, args, { encoding: 'utf8', timeout: (opts.seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return parseWrk(r.stdout);
}

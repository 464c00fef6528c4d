// The HTTP client side shared by curl and wget: URL parsing as the tools accept URLs (a missing scheme means http),
// and one request/response exchange over a data-plane session, timed on the simulated clock.

import type { HttpHeader, HttpRequest, HttpResponse, Session } from '../dataplane/types.js';
import type { ToolContext } from './tool-context.js';

export interface HttpUrl {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Whether the URL named the port. */
  explicitPort: boolean;
  /** Path and query, `/` when empty. */
  target: string;
  /** The URL as curl reports it (%{url_effective}): scheme added, `/` added for an empty path. */
  normalized: string;
}

export type UrlProblem = { problem: 'scheme'; scheme: string } | { problem: 'malformed' };

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

/** Parses a URL as curl does: no scheme means http (curl guesses from the host name; flatnet always says http). */
export function parseHttpUrl(raw: string): HttpUrl | UrlProblem {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(raw);
  const scheme = (m ? m[1] : 'http').toLowerCase();
  const rest = m ? m[2] : raw;
  if (scheme !== 'http' && scheme !== 'https') return { problem: 'scheme', scheme: m![1] };
  const slash = rest.search(/[/?#]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  let target = slash < 0 ? '/' : rest.slice(slash);
  target = target.replace(/#.*$/, '');
  if (target.startsWith('?')) target = `/${target}`;
  if (target === '') target = '/';
  const hostPort = authority.replace(/^[^@]*@/, '');
  const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!pm || pm[1] === '' || /[\s<>"{}|\\^`]/.test(pm[1])) return { problem: 'malformed' };
  const host = pm[1].toLowerCase();
  const explicitPort = pm[2] !== undefined && pm[2] !== '';
  const port = explicitPort ? Number(pm[2]) : DEFAULT_PORTS[scheme];
  if (port < 1 || port > 65535) return { problem: 'malformed' };
  return { scheme, host, port, explicitPort, target, normalized: `${scheme}://${hostPort}${target}` };
}

/** The Host header value: the port only when it is not the scheme's default (lib/http.c). */
export function hostHeader(u: HttpUrl): string {
  return u.port === DEFAULT_PORTS[u.scheme] ? u.host : `${u.host}:${u.port}`;
}

/** Resolves a Location against the URL it came from. */
export function resolveLocation(base: HttpUrl, location: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return location;
  const origin = `${base.scheme}://${base.explicitPort ? `${base.host}:${base.port}` : base.host}`;
  if (location.startsWith('/')) return `${origin}${location}`;
  const dir = base.target.replace(/[?#].*$/, '').replace(/[^/]*$/, '');
  return `${origin}${dir}${location}`;
}

/** How an exchange on an accepted connection ended. */
export type Exchange =
  | { kind: 'response'; response: HttpResponse; serverMs: number }
  /** The server closed without a byte (redis hangs up on an HTTP request at its Host: line). */
  | { kind: 'empty'; serverMs: number }
  /** The server answered bytes that are not HTTP. */
  | { kind: 'not-http'; data: Buffer; serverMs: number };

/** The request's bytes as they go on the wire. */
export function requestBytes(req: HttpRequest): Buffer {
  const head = `${req.method} ${req.target} ${req.version}\r\n${req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), req.body ?? Buffer.alloc(0)]);
}

/** Sends one request on the session and reads the answer; serverMs is what the simulated clock advanced meanwhile. */
export async function exchange(ctx: ToolContext, session: Session, req: HttpRequest): Promise<Exchange> {
  const t0 = ctx.clock.now().getTime();
  const elapsed = () => ctx.clock.now().getTime() - t0;
  if (session.kind === 'http') {
    const response = await session.http(req);
    return { kind: 'response', response, serverMs: elapsed() };
  }
  if (session.kind === 'datagram') return { kind: 'empty', serverMs: 0 };
  const parts: Buffer[] = [];
  if (session.greeting) parts.push(session.greeting.data);
  if (!session.greeting?.close) {
    const reply = await session.send(requestBytes(req));
    parts.push(reply.data);
  }
  const data = Buffer.concat(parts);
  if (data.length === 0) return { kind: 'empty', serverMs: elapsed() };
  return { kind: 'not-http', data, serverMs: elapsed() };
}

/** Header lines as they come off the wire, status line first, each ending in CRLF. */
export function responseHeadText(res: HttpResponse): string {
  return `${res.version} ${res.status} ${res.reason}\r\n${res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

export function header(headers: readonly HttpHeader[], name: string): string | undefined {
  const n = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

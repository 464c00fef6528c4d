// hashicorp/http-echo as the network sees it: its -text (or $ECHO_TEXT) plus a newline, -status-code, /health,
// the X-App-Name/X-App-Version headers, and its request log on stdout (github.com/hashicorp/http-echo main.go, handlers.go).

import type { Container } from '../../../core/types.js';
import type { HttpRequest } from '../../types.js';
import { concreteVersion, containerArgv, envValue, type ImageRef, parseFlags, parseListenAddress } from './image-ref.js';
import { goDuration, goResponse, headerValue, logTime, requestPath } from './http-message.js';
import type { Binding, HttpServer, Program, ProgramContext } from './listener.js';

/** The image's Dockerfile: ENTRYPOINT ["/http-echo"], ENV ECHO_TEXT="hello-world", EXPOSE 5678. */
const IMAGE = { entrypoint: ['/http-echo'], cmd: [] as string[] };
const IMAGE_ECHO_TEXT = 'hello-world';

/** The version http-echo puts in X-App-Version: the tag's x.y.z (`1.0` is the 1.0.0 release). */
function appVersion(tag: string): string {
  return concreteVersion(tag) ?? (/^\d+\.\d+$/.test(tag) ? `${tag}.0` : '1.0.0');
}

export function httpEchoServer(ctx: ProgramContext, text: string, status: number, version: string): HttpServer {
  const appHeaders: [string, string][] = [['X-App-Name', 'http-echo'], ['X-App-Version', version]];
  // The same bytes every time; responses share them (nothing writes into a response body).
  const health = Buffer.from('{"status":"ok"}\n');
  const echoed = Buffer.from(`${text}\n`);
  return {
    kind: 'http',
    serve(req: HttpRequest) {
      const now = ctx.clock.now();
      // mux.HandleFunc("/health", ...) matches only that exact path; everything else goes to "/".
      if (requestPath(req) === '/health') return goResponse(req, 200, appHeaders, health, now);
      return goResponse(req, status, appHeaders, echoed, now);
    },
    // httpLog wraps only "/": `%v %s %s "%s %s %s" %d %d "%s" %v` (time, Host, RemoteAddr, method, path, proto,
    // status, bytes of the last write, User-Agent, duration).
    accessLog({ req, res, conn, start, end }) {
      if (requestPath(req) === '/health') return undefined;
      const host = headerValue(req.headers, 'Host') ?? '';
      const ua = headerValue(req.headers, 'User-Agent') ?? '';
      const written = req.method === 'HEAD' ? echoed.length : res.body.length;
      return { line: `${logTime(end)} ${host} ${conn.source.ip}:${conn.source.port} "${req.method} ${requestPath(req)} ${req.version}" ${res.status} ${written} "${ua}" ${goDuration(end.getTime() - start.getTime())}`, stream: 'stdout' };
    },
  };
}

/** The http-echo program: flags parsed as Go's flag package would; a missing text or stray argument exits 127. */
export function httpEchoProgram(ctx: ProgramContext, image: ImageRef, c: Container): Program {
  const version = appVersion(image.tag);
  const name = `http-echo ${version}`;
  const { values, positional } = parseFlags(containerArgv(c, IMAGE).slice(1), ['version']);
  const text = values.get('text') || envValue(c, 'ECHO_TEXT') || (c.env?.some((e) => e.name === 'ECHO_TEXT') ? '' : IMAGE_ECHO_TEXT);
  if (values.has('version')) return { name, bindings: [], idle: 'http-echo -version prints its version and exits' };
  if (!text) return { name, bindings: [], idle: 'http-echo exits 127: Missing -text option or ECHO_TEXT env var!' };
  if (positional.length > 0) return { name, bindings: [], idle: `http-echo exits 127: Too many arguments! (${positional.join(' ')})` };
  const statusFlag = values.get('status-code') ?? '200';
  const status = Number(statusFlag);
  if (!/^\d+$/.test(statusFlag) || status < 100 || status > 999) return { name, bindings: [], idle: `http-echo exits 2: invalid value "${statusFlag}" for flag -status-code` };
  const listen = values.get('listen') ?? ':5678';
  const addr = parseListenAddress(listen);
  if (!addr) return { name, bindings: [], idle: `http-echo exits: [ERR] server exited with: listen tcp: address ${listen}: missing port in address` };
  const server = httpEchoServer(ctx, text, status, version);
  const bind = (port: number, address = addr.address): Binding => ({ port, protocol: 'TCP', address, speaks: 'HTTP', server });
  return {
    name,
    bindings: [bind(addr.port)],
    rebind: (port, protocol) => (protocol === 'TCP' ? bind(port, '0.0.0.0') : undefined),
    startupLogs: [{ line: `${logTime(ctx.startedAt)} [INFO] server is listening on ${listen}`, stream: 'stderr' }],
  };
}

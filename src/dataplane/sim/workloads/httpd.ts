// The official httpd (Apache) image as the network sees it: port 80, "It works!", Apache's headers and 404 page,
// and the image's `common` access-log format on stdout.

import type { HttpHeader, HttpRequest, HttpResponse } from '../../types.js';
import { concreteVersion, type ImageRef } from './image-ref.js';
import { headerValue, httpDate, logTime, requestLine, requestPath, timeLocal } from './http-message.js';
import type { Binding, HttpServer, Program, ProgramContext } from './listener.js';

/** The version Apache reports when the tag names none (`2.4`, `latest`). */
export const DEFAULT_HTTPD_VERSION = '2.4.62';

/** htdocs/index.html of the httpd image (45 bytes). */
export const HTTPD_INDEX_PAGE = '<html><body><h1>It works!</h1></body></html>\n';

/** The index file's mtime as Apache's source tree ships it (Last-Modified and the ETag's mtime part). */
const INDEX_MTIME = new Date('2007-06-11T18:53:14Z');
const INDEX_ETAG = '"2d-432a5e4a73a80"';

function notFoundPage(): string {
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
</body></html>
`;
}

/** Apache answers `Connection: Keep-Alive` and `Keep-Alive:` only to a client that sent `Connection: keep-alive`. */
function keepAliveHeaders(req: HttpRequest): HttpHeader[] {
  const c = headerValue(req.headers, 'Connection')?.toLowerCase();
  if (c === 'keep-alive') return [['Keep-Alive', 'timeout=5, max=100'], ['Connection', 'Keep-Alive']];
  if (c === 'close' || req.version === 'HTTP/1.0') return [['Connection', 'close']];
  return [];
}

export function httpdServer(ctx: ProgramContext, version: string): HttpServer {
  const server = `Apache/${version} (Unix)`;
  return {
    kind: 'http',
    serve(req: HttpRequest): HttpResponse {
      const now = ctx.clock.now();
      const path = requestPath(req);
      const date: HttpHeader = ['Date', httpDate(now)];
      if (path !== '/' && path !== '/index.html') {
        const body = Buffer.from(notFoundPage(), 'latin1');
        const headers: HttpHeader[] = [date, ['Server', server], ['Content-Length', String(body.length)], ...keepAliveHeaders(req), ['Content-Type', 'text/html; charset=iso-8859-1']];
        return { version: 'HTTP/1.1', status: 404, reason: 'Not Found', headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : body };
      }
      const body = Buffer.from(HTTPD_INDEX_PAGE, 'latin1');
      const headers: HttpHeader[] = [
        date,
        ['Server', server],
        ['Last-Modified', httpDate(INDEX_MTIME)],
        ['ETag', INDEX_ETAG],
        ['Accept-Ranges', 'bytes'],
        ['Content-Length', String(body.length)],
        ...keepAliveHeaders(req),
        ['Content-Type', 'text/html'],
      ];
      return { version: 'HTTP/1.1', status: 200, reason: 'OK', headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : body };
    },
    // The image's httpd.conf: CustomLog /proc/self/fd/1 common, i.e. '%h %l %u %t "%r" %>s %b' (%b is - for 0 bytes).
    accessLog({ req, res, conn, end }) {
      return { line: `${conn.source.ip} - - [${timeLocal(end)}] "${requestLine(req)}" ${res.status} ${res.body.length || '-'}`, stream: 'stdout' };
    },
  };
}

/** The httpd program: version from a concrete tag, else 2.4.62; listens on 80/TCP. */
export function httpdProgram(ctx: ProgramContext, image: ImageRef): Program {
  const version = concreteVersion(image.tag) ?? DEFAULT_HTTPD_VERSION;
  const server = httpdServer(ctx, version);
  const bind = (port: number): Binding => ({ port, protocol: 'TCP', address: '0.0.0.0', speaks: 'HTTP', server });
  const t = ctx.startedAt;
  const stamp = `${t.toUTCString().slice(0, 3)} ${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, '0')} ${logTime(t).slice(11)}.000000 ${t.getUTCFullYear()}`;
  return {
    name: `Apache/${version}`,
    bindings: [bind(80)],
    rebind: (port, protocol) => (protocol === 'TCP' ? bind(port) : undefined),
    startupLogs: [
      { line: `[${stamp}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/${version} (Unix) configured -- resuming normal operations`, stream: 'stderr' },
      { line: `[${stamp}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'`, stream: 'stderr' },
    ],
  };
}

// The official nginx image as the network sees it: port 80, the packaged welcome page, nginx's error pages and
// headers, and the image's `main` access-log format on stdout.

import type { ConnectionInfo, HttpHeader, HttpRequest, HttpResponse } from '../../types.js';
import { concreteVersion, type ImageRef } from './image-ref.js';
import { headerValue, httpDate, logTime, requestLine, requestPath, timeLocal } from './http-message.js';
import type { Binding, HttpServer, LogStream, Program, ProgramContext } from './listener.js';

/** The version nginx reports when the tag names none (`latest`, `1.27`, `stable`). */
export const DEFAULT_NGINX_VERSION = '1.27.0';

/** /usr/share/nginx/html/index.html as the nginx package installs it (615 bytes). */
export const NGINX_WELCOME_PAGE = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

/** /usr/share/nginx/html/50x.html as the nginx package installs it. */
export const NGINX_50X_PAGE = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`;

/**
 * The mtime of the packaged html files in nginx:1.27.0 (Tue, 28 May 2024 13:22:30 GMT, ETag "6655da96-267").
 * Other versions ship other mtimes; flatnet uses this one for every version.
 */
const FILES_MTIME = new Date('2024-05-28T13:22:30Z');

const FILES: Record<string, string> = { '/index.html': NGINX_WELCOME_PAGE, '/50x.html': NGINX_50X_PAGE };

/** nginx's status lines where they differ from the RFC reason phrase (src/http/ngx_http_header_filter_module.c). */
const NGINX_REASONS: Record<number, string> = {
  200: 'OK', 304: 'Not Modified', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Not Allowed',
  413: 'Request Entity Too Large', 414: 'Request-URI Too Large', 500: 'Internal Server Error', 502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out',
};

/** nginx's built-in error page (src/http/ngx_http_special_response.c): CRLF line ends, the version in the tail. */
export function nginxErrorPage(status: number, version: string): string {
  const title = `${status} ${NGINX_REASONS[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx/${version}</center>\r\n</body>\r\n</html>\r\n`;
}

function etag(body: string): string {
  return `"${Math.floor(FILES_MTIME.getTime() / 1000).toString(16)}-${Buffer.byteLength(body).toString(16)}"`;
}

/** keep-alive unless the client asked to close or spoke HTTP/1.0 without asking to keep it. */
function connectionHeader(req: HttpRequest): string {
  const c = headerValue(req.headers, 'Connection')?.toLowerCase();
  if (c === 'close') return 'close';
  if (req.version === 'HTTP/1.0' && c !== 'keep-alive') return 'close';
  return 'keep-alive';
}

/** nginx escapes `"`, `\` and bytes outside printable ASCII in logged header values as \xHH. */
function logEscape(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return v.replace(/["\\]|[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The nginx HTTP server of the official image's default.conf: root /usr/share/nginx/html, index index.html. */
export function nginxServer(ctx: ProgramContext, version: string): HttpServer {
  let connections = 0;
  const server = `nginx/${version}`;
  const errorResponse = (req: HttpRequest, status: number, now: Date): HttpResponse => {
    const page = Buffer.from(nginxErrorPage(status, version), 'latin1');
    const headers: HttpHeader[] = [['Server', server], ['Date', httpDate(now)], ['Content-Type', 'text/html'], ['Content-Length', String(page.length)], ['Connection', connectionHeader(req)]];
    return { version: 'HTTP/1.1', status, reason: NGINX_REASONS[status] ?? 'Error', headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : page };
  };
  return {
    kind: 'http',
    serve(req: HttpRequest, conn: ConnectionInfo): HttpResponse {
      const now = ctx.clock.now();
      connections++;
      let path = requestPath(req);
      try {
        path = decodeURIComponent(path);
      } catch {
        return errorResponse(req, 400, now);
      }
      if (path.endsWith('/')) path += 'index.html';
      const file = FILES[path];
      if (file === undefined) {
        const host = headerValue(req.headers, 'Host');
        ctx.log(`${logTime(now)} [error] 29#29: *${connections} open() "/usr/share/nginx/html${path}" failed (2: No such file or directory), client: ${conn.source.ip}, server: localhost, request: "${requestLine(req)}"${host ? `, host: "${host}"` : ''}`, 'stderr');
        return errorResponse(req, 404, now);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return errorResponse(req, 405, now);
      const tag = etag(file);
      const lastModified = httpDate(FILES_MTIME);
      const inm = headerValue(req.headers, 'If-None-Match');
      const ims = headerValue(req.headers, 'If-Modified-Since');
      if ((inm !== undefined && inm.split(',').some((t) => t.trim() === tag || t.trim() === '*')) || (inm === undefined && ims === lastModified)) {
        const headers: HttpHeader[] = [['Server', server], ['Date', httpDate(now)], ['Last-Modified', lastModified], ['Connection', connectionHeader(req)], ['ETag', tag]];
        return { version: 'HTTP/1.1', status: 304, reason: 'Not Modified', headers, body: Buffer.alloc(0) };
      }
      const body = Buffer.from(file, 'utf8');
      const headers: HttpHeader[] = [
        ['Server', server],
        ['Date', httpDate(now)],
        ['Content-Type', 'text/html'],
        ['Content-Length', String(body.length)],
        ['Last-Modified', lastModified],
        ['Connection', connectionHeader(req)],
        ['ETag', tag],
        ['Accept-Ranges', 'bytes'],
      ];
      return { version: 'HTTP/1.1', status: 200, reason: 'OK', headers, body: req.method === 'HEAD' ? Buffer.alloc(0) : body };
    },
    // The image's nginx.conf: log_format main '$remote_addr - $remote_user [$time_local] "$request" '
    // '$status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for"', to /dev/stdout.
    accessLog({ req, res, conn, end }) {
      const h = (n: string) => logEscape(headerValue(req.headers, n));
      return { line: `${conn.source.ip} - - [${timeLocal(end)}] "${requestLine(req)}" ${res.status} ${res.body.length} "${h('Referer')}" "${h('User-Agent')}" "${h('X-Forwarded-For')}"`, stream: 'stdout' };
    },
  };
}

/** The nginx program of an nginx image: version from a concrete tag, else 1.27.0; listens on 80/TCP (default.conf). */
export function nginxProgram(ctx: ProgramContext, image: ImageRef): Program {
  const version = concreteVersion(image.tag) ?? DEFAULT_NGINX_VERSION;
  const server = nginxServer(ctx, version);
  const bind = (port: number): Binding => ({ port, protocol: 'TCP', address: '0.0.0.0', speaks: 'HTTP', server });
  const t = logTime(ctx.startedAt);
  const entry = '/docker-entrypoint.sh';
  return {
    name: `nginx/${version}`,
    bindings: [bind(80)],
    rebind: (port, protocol) => (protocol === 'TCP' ? bind(port) : undefined),
    startupLogs: [
      `${entry}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration`,
      `${entry}: Looking for shell scripts in /docker-entrypoint.d/`,
      `${entry}: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh`,
      '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
      '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
      `${entry}: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh`,
      `${entry}: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh`,
      `${entry}: Launching /docker-entrypoint.d/30-tune-worker-processes.sh`,
      `${entry}: Configuration complete; ready for start up`,
    ]
      .map((line): { line: string; stream: LogStream } => ({ line, stream: 'stdout' }))
      .concat(
        [`using the "epoll" event method`, `nginx/${version}`, 'start worker processes', 'start worker process 29'].map((m) => ({ line: `${t} [notice] 1#1: ${m}`, stream: 'stderr' as const })),
      ),
  };
}

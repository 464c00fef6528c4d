// node:http requests and responses converted to and from the data plane's HTTP messages, byte for byte: the header
// lines in the order and case they came, and a pod's response written exactly as its server wrote it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHeader, HttpRequest, HttpResponse, Session } from '../dataplane/types.js';

/** The request as the data plane's servers take it: the request line and header lines exactly as received. */
export function toHttpRequest(req: IncomingMessage, body: Buffer | undefined): HttpRequest {
  const headers: HttpHeader[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  const out: HttpRequest = { method: req.method ?? 'GET', target: req.url ?? '/', version: req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1', headers };
  if (body && body.length > 0) out.body = body;
  return out;
}

/**
 * Writes a response byte for byte as the pod's server wrote it. node:http adds Date, Connection, Keep-Alive,
 * Content-Length or Transfer-Encoding unless those are removed first (removing them also leaves keep-alive to the
 * request and the response's own Connection header), and always writes an HTTP/1.1 status line: an HTTP/1.0 answer
 * (Go answers in the request's version) gets its version put back in the stored head before anything is sent.
 */
export function writeHttpResponse(res: ServerResponse, r: HttpResponse): void {
  for (const name of ['Connection', 'Content-Length', 'Transfer-Encoding', 'Date']) res.removeHeader(name);
  res.writeHead(r.status, r.reason, flatHeaders(r.headers));
  const head = res as unknown as { _header?: unknown };
  if (r.version === 'HTTP/1.0' && typeof head._header === 'string' && head._header.startsWith('HTTP/1.1 ')) head._header = `HTTP/1.0 ${head._header.slice(9)}`;
  res.end(r.body);
}

/**
 * Answers one request received by a node:http server through a pod's HTTP session: reads the body, asks the pod's
 * server, writes its response byte for byte. A failing server resets the client's connection after `onError`.
 */
export function answerFromSession(req: IncomingMessage, res: ServerResponse, session: Extract<Session, { kind: 'http' }>, onError: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.once('end', () => {
    session
      .http(toHttpRequest(req, Buffer.concat(chunks)))
      .then((r) => writeHttpResponse(res, r))
      .catch((e: Error) => {
        onError(e);
        req.socket.destroy();
      });
  });
}

/**
 * Header lines as writeHead takes them, `[name, value, name, value, …]`: a loop builds the array for a fraction of
 * what Array.prototype.flat costs, on every response.
 */
export function flatHeaders(headers: readonly HttpHeader[]): string[] {
  const flat: string[] = new Array(headers.length * 2);
  for (let i = 0; i < headers.length; i++) {
    flat[2 * i] = headers[i][0];
    flat[2 * i + 1] = headers[i][1];
  }
  return flat;
}

// The request headers the Ingress proxy sets towards the backend, as ingress-nginx's nginx.tmpl does with its
// default ConfigMap (use-forwarded-headers false, generate-request-id true).

/** What the proxy knows about the client request. */
export interface ForwardedInput {
  /** The client's address as the proxy saw it ($remote_addr). */
  remoteAddress: string;
  /** The Host header as received, port included ($http_host); passed on unchanged. */
  host: string;
  scheme: 'http' | 'https';
  /** The port the proxy listener accepted the request on ($server_port). */
  serverPort: number;
  /** The request's own headers, lower-case names. */
  headers?: Record<string, string | undefined>;
  /** Sequence number of this request at the proxy; makes the generated X-Request-ID deterministic. */
  requestCounter: number;
  /** The match's xForwardedPrefix (set only when ingress-nginx rewrites and the annotation is present). */
  xForwardedPrefix?: string;
}

/** Request headers ingress-nginx clears before proxying (`proxy_set_header Proxy ""`, the HTTPoxy mitigation). */
export const CLEARED_REQUEST_HEADERS = ['proxy'] as const;

/**
 * The headers to set on the upstream request. With ingress-nginx's defaults the client's own X-Forwarded-For is
 * not trusted: X-Forwarded-For is just the client address, and the received value travels as
 * X-Original-Forwarded-For. X-Request-ID keeps the client's value, else nginx's 32-hex-digit $request_id.
 */
export function forwardedHeaders(input: ForwardedInput): Record<string, string> {
  const h = input.headers ?? {};
  const out: Record<string, string> = {
    Host: input.host,
    'X-Request-ID': h['x-request-id'] || requestId(input.requestCounter),
    'X-Real-IP': input.remoteAddress,
    'X-Forwarded-For': input.remoteAddress,
    'X-Forwarded-Host': input.host,
    'X-Forwarded-Port': String(input.serverPort),
    'X-Forwarded-Proto': input.scheme,
    'X-Forwarded-Scheme': input.scheme,
    'X-Scheme': input.scheme,
  };
  // nginx drops a header whose value is empty, so these appear only when the client sent them.
  if (h['x-forwarded-for']) out['X-Original-Forwarded-For'] = h['x-forwarded-for'];
  if (h['x-forwarded-host']) out['X-Original-Forwarded-Host'] = h['x-forwarded-host'];
  if (input.xForwardedPrefix) out['X-Forwarded-Prefix'] = input.xForwardedPrefix;
  return out;
}

/** A request ID shaped like nginx's $request_id (32 lower-case hex digits), derived from a counter. */
export function requestId(counter: number): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new Error(`requestId: counter: Invalid value: ${counter}: must be a non-negative integer`);
  return counter.toString(16).padStart(32, '0');
}

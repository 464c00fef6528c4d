// Builders for workload tests and callers: pods from one container spec, requests as curl sends them, connections.

import type { Container, KubeObject } from '../../../core/types.js';
import type { ConnectionInfo, HttpHeader, HttpRequest, Protocol } from '../../types.js';

/** A scheduled, running pod with the given containers (IP 10.244.1.5 on node-1 unless overridden). */
export function testPod(containers: Container[], opts: { name?: string; namespace?: string; ip?: string; node?: string; annotations?: Record<string, string>; hostname?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: opts.name ?? 'web-0', namespace: opts.namespace ?? 'default', annotations: opts.annotations },
    spec: { containers, nodeName: opts.node ?? 'node-1', ...(opts.hostname ? { hostname: opts.hostname } : {}) },
    status: { podIP: opts.ip ?? '10.244.1.5', startTime: '2026-11-23T09:00:00Z' },
  };
}

/** A request as `curl -s http://<host><target>` (curl 8.8.0) sends it, with extra headers appended. */
export function curlRequest(host: string, target = '/', opts: { method?: string; headers?: HttpHeader[]; version?: 'HTTP/1.0' | 'HTTP/1.1' } = {}): HttpRequest {
  return {
    method: opts.method ?? 'GET',
    target,
    version: opts.version ?? 'HTTP/1.1',
    headers: [['Host', host], ['User-Agent', 'curl/8.8.0'], ['Accept', '*/*'], ...(opts.headers ?? [])],
  };
}

/** A connection from source ip:port to the pod's destination ip:port. */
export function connection(source: string, destination: string, protocol: Protocol = 'TCP'): ConnectionInfo {
  const split = (s: string) => {
    const i = s.lastIndexOf(':');
    return { ip: s.slice(0, i), port: Number(s.slice(i + 1)) };
  };
  return { protocol, source: split(source), destination: split(destination) };
}

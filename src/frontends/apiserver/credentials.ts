// The API server's credentials and the kubeconfig that uses them: a self-signed serving certificate for the bound
// address, a random bearer token, both kept in the state directory so a restart keeps the kubeconfig valid.

import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ApiCredentials {
  cert: string;
  key: string;
  token: string;
}

/** The names the serving certificate covers: the bound address (a wildcard one means loopback), 127.0.0.1, localhost. */
function certificateNames(host: string): { ips: string[]; dns: string[] } {
  const ips = new Set(['127.0.0.1']);
  const dns = new Set(['localhost']);
  if (isIP(host) && host !== '0.0.0.0' && host !== '::') ips.add(host);
  else if (!isIP(host)) dns.add(host);
  return { ips: [...ips], dns: [...dns] };
}

/**
 * A self-signed certificate for `host`, marked as a CA so that kubectl (Go's crypto/x509) accepts it as its own root
 * in certificate-authority-data. The key is EC P-256, as kubeadm can issue (Go, curl and Node all accept it), because
 * an RSA key takes a noticeable part of a cold start to generate. The library loads only when a certificate is made.
 */
async function servingCertificate(host: string, now: Date): Promise<{ cert: string; key: string }> {
  const { ips, dns } = certificateNames(host);
  const notBeforeDate = new Date(now.getTime() - 86_400_000);
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'flatnet-apiserver' }, { name: 'organizationName', value: 'flatnet' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 366 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...ips.map((ip) => ({ type: 7 as const, ip })), ...dns.map((value) => ({ type: 2 as const, value }))] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Whether a saved certificate still serves `host` for at least a week. */
function stillValid(certPem: string, host: string, now: Date): boolean {
  try {
    const x = new X509Certificate(certPem);
    if (Date.parse(x.validTo) - now.getTime() < 7 * 86_400_000) return false;
    const san = x.subjectAltName ?? '';
    const { ips, dns } = certificateNames(host);
    return ips.every((ip) => san.includes(`IP Address:${ip}`)) && dns.every((d) => san.includes(`DNS:${d}`));
  } catch {
    return false;
  }
}

/**
 * The certificate, key and token in `<dir>` (tls.crt, tls.key, token), created on first use and kept afterwards;
 * the certificate is replaced when it does not cover `host` or expires within a week. Files are private (0600).
 */
export async function loadOrCreateCredentials(dir: string, host: string, now: Date): Promise<ApiCredentials> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  const tokenPath = join(dir, 'token');
  let cert = existsSync(certPath) ? readFileSync(certPath, 'utf8') : '';
  let key = existsSync(keyPath) ? readFileSync(keyPath, 'utf8') : '';
  if (!cert || !key || !stillValid(cert, host, now)) {
    ({ cert, key } = await servingCertificate(host, now));
    writeFileSync(keyPath, key, { mode: 0o600 });
    writeFileSync(certPath, cert, { mode: 0o600 });
  }
  let token = existsSync(tokenPath) ? readFileSync(tokenPath, 'utf8').trim() : '';
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
    token = randomBytes(32).toString('base64url');
    writeFileSync(tokenPath, `${token}\n`, { mode: 0o600 });
  }
  return { cert, key, token };
}

/** The kubeconfig for the server at `server` (cluster, user and context all named `flatnet`, namespace default). */
export function kubeconfigText(server: string, creds: ApiCredentials): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'flatnet', cluster: { server, 'certificate-authority-data': Buffer.from(creds.cert).toString('base64') } }],
    users: [{ name: 'flatnet', user: { token: creds.token } }],
    contexts: [{ name: 'flatnet', context: { cluster: 'flatnet', user: 'flatnet', namespace: 'default' } }],
    'current-context': 'flatnet',
    preferences: {},
  });
}

/** Writes the kubeconfig (mode 0600: it holds the token) and returns its path. */
export function writeKubeconfig(path: string, server: string, creds: ApiCredentials): string {
  writeFileSync(path, kubeconfigText(server, creds), { mode: 0o600 });
  return path;
}

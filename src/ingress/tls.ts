// TLS for the Ingress proxy: each TLS host's certificate from its kubernetes.io/tls Secret (or a "missing" marker
// so the server can make a self-signed one), and SNI selection among them.

import type { ObjectRef } from './ingress-classes.js';
import type { RouteTable } from './route-table.js';

/** ingress-nginx's fallback certificate subject when no --default-ssl-certificate is set. */
export const FAKE_CERTIFICATE_CN = 'Kubernetes Ingress Controller Fake Certificate';

export type HostCertificate =
  | { kind: 'secret'; host: string; ingress: ObjectRef; secret: ObjectRef; cert: string; key: string }
  | { kind: 'missing'; host: string; ingress: ObjectRef; secret?: ObjectRef; warning: string };

/**
 * The certificate of every host that has TLS, in host order. The Secret must be in the Ingress's namespace, of type
 * kubernetes.io/tls, with base64 tls.crt and tls.key. Anything else is "missing": ingress-nginx would serve its
 * default certificate; flatnet's server generates a self-signed one for the host and shows the warning.
 */
export function tlsCertificates(table: RouteTable): HostCertificate[] {
  return table
    .tlsServers()
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    .map(({ host, tls }) => {
      const ing = `Ingress ${tls.ingress.namespace}/${tls.ingress.name}`;
      const missing = (why: string, secret?: ObjectRef): HostCertificate => ({
        kind: 'missing',
        host,
        ingress: tls.ingress,
        ...(secret ? { secret } : {}),
        warning: `${ing}: TLS host ${host}: ${why}; serving a self-signed certificate for ${host}`,
      });
      if (!tls.secretName) return missing('the tls entry has no secretName');
      const ref = { namespace: tls.ingress.namespace, name: tls.secretName };
      const secret = table.secret(ref);
      const name = `Secret ${ref.namespace}/${ref.name}`;
      if (!secret) return missing(`${name} does not exist`, ref);
      if (secret.type !== 'kubernetes.io/tls') return missing(`${name} has type ${JSON.stringify(secret.type)}, not "kubernetes.io/tls"`, ref);
      const cert = decodePem(secret.data?.['tls.crt']);
      const key = decodePem(secret.data?.['tls.key']);
      if (!cert) return missing(`${name} data["tls.crt"] is not a base64 PEM certificate`, ref);
      if (!key) return missing(`${name} data["tls.key"] is not a base64 PEM private key`, ref);
      return { kind: 'secret', host, ingress: tls.ingress, secret: ref, cert, key };
    });
}

function decodePem(b64: unknown): string | undefined {
  if (typeof b64 !== 'string' || b64 === '') return undefined;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  return text.includes('-----BEGIN ') ? text : undefined;
}

/**
 * SNI selection as ingress-nginx's certificate.lua does it: the exact host, then the wildcard for its parent
 * (`*.foo.com` for `bar.foo.com`, one label only), else the default certificate (undefined).
 */
export function selectCertificate<T extends { host: string }>(certs: T[], serverName: string | undefined): T | undefined {
  if (!serverName) return undefined;
  const name = serverName.toLowerCase().replace(/\.$/, '');
  const exact = certs.find((c) => c.host === name);
  if (exact) return exact;
  const dot = name.indexOf('.');
  return dot > 0 ? certs.find((c) => c.host === `*${name.slice(dot)}`) : undefined;
}

// The certificates the Ingress HTTPS listener presents, by SNI: each TLS host's Secret, a self-signed certificate for
// a host whose Secret is missing, and ingress-nginx's "Fake Certificate" for every other name.

import { createSecureContext, SecureContext } from 'node:tls';
import { FAKE_CERTIFICATE_CN, HostCertificate, selectCertificate } from '../ingress/tls.js';

export interface KeyPair {
  cert: string;
  key: string;
}

/**
 * A self-signed certificate with subject CN `commonName` (and O `organization`) for the DNS names `dnsNames`
 * (default: the CN), valid from a day before `now` for a year. The key is EC P-256 (generated in milliseconds)
 * unless `rsa` asks for RSA 2048.
 */
export async function selfSignedCertificate(commonName: string, now: Date, opts: { organization?: string; dnsNames?: string[]; rsa?: boolean } = {}): Promise<KeyPair> {
  const attrs = [...(opts.organization ? [{ name: 'organizationName', value: opts.organization }] : []), { name: 'commonName', value: commonName }];
  const notBeforeDate = new Date(now.getTime() - 86_400_000);
  const { generate } = await import('selfsigned'); // loaded only when a certificate is made
  const pems = await generate(attrs, {
    ...(opts.rsa ? { keyType: 'rsa' as const, keySize: 2048 } : { keyType: 'ec' as const, curve: 'P-256' as const }),
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 366 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: (opts.dnsNames ?? [commonName]).map((value) => ({ type: 2 as const, value })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * ingress-nginx's default certificate when no --default-ssl-certificate is given (internal/net/ssl/ssl.go
 * GetFakeSSLCert → getFakeHostSSLCert("ingress.local")): RSA 2048, O=Acme Co, CN=Kubernetes Ingress Controller Fake
 * Certificate, DNS name ingress.local. It must be RSA for another reason too: it is the server's default context, and
 * when that holds an EC key OpenSSL keeps it even after SNICallback switches to a context with an RSA key (a Secret's
 * usual key type), so the client would get the fake certificate.
 */
function fakeCertificate(now: Date): Promise<KeyPair> {
  return selfSignedCertificate(FAKE_CERTIFICATE_CN, now, { organization: 'Acme Co', dnsNames: ['ingress.local'], rsa: true });
}

export interface IngressCertificatesOptions {
  /** Receives each certificate warning (a missing or unusable Secret) once. */
  warn: (message: string) => void;
}

/**
 * Per-SNI TLS contexts, rebuilt when the route table's certificates change. Contexts are cached by certificate and
 * key, so an unchanged Secret keeps its context across swaps; self-signed certificates are cached by host.
 */
export class IngressCertificates {
  private certs: HostCertificate[] = [];
  private readonly contexts = new Map<string, SecureContext>();
  private readonly generated = new Map<string, Promise<SecureContext>>();
  private readonly warned = new Set<string>();

  private constructor(
    /** The fake certificate, presented to clients that send no SNI or a name no TLS host has. */
    readonly defaultCertificate: KeyPair,
    private readonly opts: IngressCertificatesOptions,
  ) {}

  static async create(opts: IngressCertificatesOptions): Promise<IngressCertificates> {
    // Certificates are checked by real clients against the real clock, never the model's (which tests fix).
    return new IngressCertificates(await fakeCertificate(new Date()), opts);
  }

  /** Takes the certificates of a new route table; starts generating self-signed ones for hosts without a Secret. */
  update(certs: HostCertificate[]): void {
    this.certs = certs;
    for (const c of certs) {
      if (c.kind === 'missing') {
        this.warnOnce(c.warning);
        void this.selfSigned(c.host);
      } else this.secretContext(c);
    }
  }

  /** The context for a TLS ClientHello's server name (exact host, then `*.parent`, else the fake certificate). */
  async contextFor(serverName: string | undefined): Promise<SecureContext> {
    const c = selectCertificate(this.certs, serverName);
    if (!c) return this.context(this.defaultCertificate);
    if (c.kind === 'secret') return this.secretContext(c) ?? this.selfSigned(c.host);
    return this.selfSigned(c.host);
  }

  private secretContext(c: Extract<HostCertificate, { kind: 'secret' }>): SecureContext | undefined {
    try {
      return this.context(c);
    } catch (e) {
      const secret = `Secret ${c.secret.namespace}/${c.secret.name}`;
      this.warnOnce(`Ingress ${c.ingress.namespace}/${c.ingress.name}: TLS host ${c.host}: ${secret} data["tls.crt"]/data["tls.key"] cannot be used (${(e as Error).message}); serving a self-signed certificate for ${c.host}`);
      void this.selfSigned(c.host);
      return undefined;
    }
  }

  private context(pair: KeyPair): SecureContext {
    const key = `${pair.cert}\0${pair.key}`;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = createSecureContext({ cert: pair.cert, key: pair.key });
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  private selfSigned(host: string): Promise<SecureContext> {
    let p = this.generated.get(host);
    if (!p) {
      p = selfSignedCertificate(host, new Date()).then((pair) => createSecureContext(pair));
      this.generated.set(host, p);
    }
    return p;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.opts.warn(message);
  }
}

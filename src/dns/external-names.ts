// The world outside the cluster as the user models it (ClusterConfig spec.dns.externalNames): a Backend answering
// A records and CNAMEs for listed names, and PTR for their addresses, like a `hosts` block in front of `forward`.

import type { ExternalNameTarget } from '../core/cluster-config.js';
import { Backend, BackendLookup, BackendRequest, BackendService, NAME_ERROR } from './backend.js';
import { addressFromReverse } from './names.js';

export class ExternalNames implements Backend {
  private readonly byName = new Map<string, BackendService[]>();
  private readonly byAddress = new Map<string, string[]>();

  /** `names` as ClusterConfig resolves them: lowercase keys without the trailing dot. */
  constructor(names: Record<string, ExternalNameTarget>, ttl: number) {
    for (const key of Object.keys(names).sort()) {
      const t = names[key];
      const name = `${key}.`;
      if ('cname' in t) this.byName.set(name, [{ what: 'CNAME', host: `${t.cname}.`, port: -1, ttl, target: name }]);
      else {
        this.byName.set(name, t.addresses.map((ip) => ({ what: 'A', host: ip, port: -1, ttl, target: name })));
        for (const ip of t.addresses) {
          const l = this.byAddress.get(ip);
          if (l) l.push(name);
          else this.byAddress.set(ip, [name]);
        }
      }
    }
  }

  get size(): number {
    return this.byName.size;
  }

  owns(name: string): boolean {
    return this.byName.has(name);
  }

  services(req: BackendRequest): BackendLookup {
    return this.byName.get(req.name) ?? NAME_ERROR;
  }

  reverse(req: BackendRequest): BackendLookup {
    const ip = addressFromReverse(req.name);
    if (ip === undefined) return this.byName.has(req.name) ? [] : NAME_ERROR;
    const names = this.byAddress.get(ip);
    if (!names) return NAME_ERROR;
    return names.map((n) => ({ what: 'CNAME', host: n, port: -1, ttl: this.byName.get(n)![0].ttl, target: req.qname }));
  }
}

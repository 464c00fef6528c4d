// The cluster DNS engine's public interface: questions, records and answers in DNS terms, independent of the
// wire format. The UDP/TCP server (a thin wrapper) and the resolver emulation use only this.

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'SRV' | 'TXT' | 'SOA' | 'NS' | 'ANY';
export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR';

export interface Question {
  /** The name as asked, case preserved (answers echo the question's case, as CoreDNS does). */
  name: string;
  type: RecordType | string; // other types (MX, HINFO, AXFR...) arrive as their mnemonic
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** One resource record. `data` is an address (A/AAAA), a name (CNAME/PTR/NS), strings (TXT), SRV or SOA data. */
export type ResourceRecord =
  | { name: string; type: 'A' | 'AAAA'; ttl: number; data: string }
  | { name: string; type: 'CNAME' | 'PTR' | 'NS'; ttl: number; data: string }
  | { name: string; type: 'TXT'; ttl: number; data: string[] }
  | { name: string; type: 'SRV'; ttl: number; data: SrvData }
  | { name: string; type: 'SOA'; ttl: number; data: SoaData };

export interface Answer {
  rcode: Rcode;
  /** Authoritative answer (the AA bit): true for names in the cluster zone and its reverse zones. */
  authoritative: boolean;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

/** The cluster's DNS service as CoreDNS's kubernetes plugin (plus forward/externalNames) would answer. */
export interface ClusterDns {
  answer(q: Question): Promise<Answer>;
}

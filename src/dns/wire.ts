// DNS wire format for the cluster DNS server: requests are decoded with dns-packet; replies are encoded here, with
// name compression, EDNS0 OPT and UDP truncation, because dns-packet's encoder writes every name uncompressed.

import dnsPacket from 'dns-packet';
import { parseIPv4 } from '../core/ip.js';
import { parseIPv6 } from './names.js';
import type { Answer, Rcode, ResourceRecord } from './types.js';

export const HEADER_BYTES = 12;
/** RFC 1035 §4.2.1: the UDP limit without EDNS; RFC 6891 §6.2.5: smaller advertised sizes count as 512. */
export const MIN_UDP_PAYLOAD = 512;
/** The largest DNS message (the 2-byte length prefix of RFC 1035 §4.2.2 over TCP). */
export const MAX_MESSAGE_BYTES = 65535;

const TYPE_CODE: Record<ResourceRecord['type'] | 'OPT', number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41 };
/** Rcodes, plus BADVERS (RFC 6891 §9), which needs the extended rcode bits of the OPT record. */
const RCODE: Record<Rcode | 'BADVERS', number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 };
export const CLASS_IN = 1;
export const CLASS_ANY = 255;

export interface Edns {
  /** The requester's advertised UDP payload size (the OPT record's CLASS field). */
  udpPayloadSize: number;
  version: number;
  /** The DO bit (RFC 3225), echoed in the reply. */
  dnssecOk: boolean;
}

export interface WireQuestion {
  /** As decoded by dns-packet: no trailing dot, case preserved; the root is ".". */
  name: string;
  /** The mnemonic ("A", "SRV", "AXFR"); unknown types as RFC 3597's "TYPE65280". */
  type: string;
  qtype: number;
  qclass: number;
  /** The question's bytes as received, echoed verbatim, when its name holds no compression pointer. */
  wire?: Buffer;
}

/** What a reply needs from its request. */
export interface RequestHead {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  question?: WireQuestion;
  /** Present when the request carried an OPT record: the reply then carries one too (RFC 6891 §7). */
  edns?: Edns;
}

export type DecodedRequest =
  | { kind: 'drop'; reason: string }
  | { kind: 'reject'; rcode: 'FORMERR' | 'NOTIMP'; head: RequestHead; reason: string }
  | { kind: 'query'; head: RequestHead & { question: WireQuestion } };

/**
 * Where the name starting at `off` ends (after its zero label or pointer), negated when it ends in a compression
 * pointer; 0 if it runs off the end.
 */
function nameEnd(buf: Buffer, off: number): number {
  while (off < buf.length) {
    const len = buf[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? -(off + 2) : 0;
    off += len + 1;
  }
  return 0;
}

/**
 * Decodes one request. Garbage shorter than a header, and responses (QR set, so that two servers never answer each
 * other forever), are dropped; anything else that is not a well-formed single-question QUERY is rejected with an
 * rcode, following miekg/dns's DefaultMsgAcceptFunc (the acceptance rules CoreDNS runs with).
 */
export function decodeRequest(buf: Buffer): DecodedRequest {
  if (buf.length < HEADER_BYTES) return { kind: 'drop', reason: `${buf.length} bytes is shorter than a DNS header` };
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response (QR set), not a query' };
  const head: RequestHead = { id: buf.readUInt16BE(0), opcode: (flags >> 11) & 0xf, recursionDesired: (flags & 0x100) !== 0, checkingDisabled: (flags & 0x10) !== 0 };
  const reject = (rcode: 'FORMERR' | 'NOTIMP', reason: string): DecodedRequest => ({ kind: 'reject', rcode, head, reason });
  // Counts are checked before dns-packet sees them: it sizes its arrays by the header, so a forged count would cost
  // far more than the packet did. DefaultMsgAcceptFunc allows one question, one answer (a NOTIFY's SOA), one
  // authority record (an IXFR's SOA) and two additional records (OPT and TSIG).
  const [qd, an, ns, ar] = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  if (qd !== 1) return head.opcode !== 0 ? reject('NOTIMP', `opcode ${head.opcode} is not QUERY`) : reject('FORMERR', `${qd} questions; a query has exactly one`);
  if (an > 1 || ns > 1 || ar > 2) return reject(head.opcode !== 0 ? 'NOTIMP' : 'FORMERR', 'unexpected records in a query');
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(buf);
  } catch (e) {
    return head.opcode !== 0 ? reject('NOTIMP', `opcode ${head.opcode} is not QUERY`) : reject('FORMERR', (e as Error).message);
  }
  const opts = (packet.additionals ?? []).filter((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  if (opts.length > 1) return reject('FORMERR', 'more than one OPT record'); // RFC 6891 §6.1.1
  if (opts.length === 1) {
    if (opts[0].name !== '.') return reject('FORMERR', 'an OPT record whose owner is not the root');
    head.edns = { udpPayloadSize: opts[0].udpPayloadSize, version: opts[0].ednsVersion, dnssecOk: opts[0].flag_do };
  }
  const questions = packet.questions ?? [];
  if (questions.length !== 1) return head.opcode !== 0 ? reject('NOTIMP', `opcode ${head.opcode} is not QUERY`) : reject('FORMERR', `${questions.length} questions; a query has exactly one`);
  const ended = nameEnd(buf, HEADER_BYTES);
  const end = Math.abs(ended);
  if (end === 0 || end + 4 > buf.length) return reject('FORMERR', 'the question runs past the end of the message');
  const type = String(questions[0].type);
  head.question = {
    name: questions[0].name,
    type: type.startsWith('UNKNOWN_') ? `TYPE${type.slice(8)}` : type,
    qtype: buf.readUInt16BE(end),
    qclass: buf.readUInt16BE(end + 2),
    wire: ended > 0 ? Buffer.from(buf.subarray(HEADER_BYTES, end + 4)) : undefined,
  };
  if (head.opcode !== 0) return reject('NOTIMP', `opcode ${head.opcode} is not QUERY`);
  return { kind: 'query', head: head as RequestHead & { question: WireQuestion } };
}

/**
 * The cache key of a plain query: one uncompressed question, no answer or authority records, and at most a
 * well-framed EDNS version-0 OPT record, ending exactly at the end of the message. Everything a reply depends on is in
 * the key (question bytes with their case, RD, CD, EDNS presence, DO and the size limit); only the ID is not.
 * Anything else returns undefined and goes through decodeRequest. Reads bytes only, so it is cheap on the hot path.
 */
export function cacheKey(buf: Buffer, limitWithoutEdns: number, maxUdpPayload: number): string | undefined {
  const n = buf.length;
  if (n < HEADER_BYTES + 5) return undefined;
  const b2 = buf[2];
  if ((b2 & 0xf8) !== 0) return undefined; // QR or an opcode other than QUERY
  if (buf[4] !== 0 || buf[5] !== 1 || buf[6] !== 0 || buf[7] !== 0 || buf[8] !== 0 || buf[9] !== 0 || buf[10] !== 0 || buf[11] > 1) return undefined;
  let p = HEADER_BYTES;
  for (;;) {
    if (p >= n) return undefined;
    const len = buf[p];
    if (len === 0) break;
    if (len > 63) return undefined; // a compression pointer or a reserved label type
    p += len + 1;
    if (p - HEADER_BYTES > 254) return undefined;
  }
  const qEnd = p + 5;
  if (qEnd > n) return undefined;
  let meta = (b2 & 0x01) | ((buf[3] & 0x10) >> 3);
  let limit = limitWithoutEdns;
  if (buf[11] === 1) {
    // OPT: root owner, TYPE 41, CLASS = UDP size, TTL = extended rcode, version, flags; RDLENGTH; options.
    const o = qEnd;
    if (o + 11 > n || buf[o] !== 0 || buf[o + 1] !== 0 || buf[o + 2] !== 41 || buf[o + 6] !== 0) return undefined;
    const end = o + 11 + buf.readUInt16BE(o + 9);
    if (end !== n) return undefined;
    let opt = o + 11;
    while (opt < end) {
      if (opt + 4 > end) return undefined;
      opt += 4 + buf.readUInt16BE(opt + 2);
    }
    if (opt !== end) return undefined;
    meta |= 0x04 | (buf[o + 7] & 0x80 ? 0x08 : 0);
    if (limitWithoutEdns < MAX_MESSAGE_BYTES) limit = udpLimit(buf.readUInt16BE(o + 3), maxUdpPayload);
  } else if (qEnd !== n) return undefined;
  // One flat string (not a concatenation, which V8 keeps as a rope of three objects): this string lives in the cache.
  const len = qEnd - HEADER_BYTES;
  buf.copy(keyScratch, 0, HEADER_BYTES, qEnd);
  keyScratch[len] = meta;
  keyScratch.writeUInt16BE(limit, len + 1);
  return keyScratch.toString('latin1', 0, len + 3);
}

const keyScratch = Buffer.alloc(HEADER_BYTES + 260 + 3);

/** The UDP reply limit for a requester that advertised `advertised` bytes (512 without EDNS), capped by the server. */
export function udpLimit(advertised: number | undefined, maxUdpPayload: number): number {
  return Math.min(Math.max(advertised ?? MIN_UDP_PAYLOAD, MIN_UDP_PAYLOAD), Math.max(maxUdpPayload, MIN_UDP_PAYLOAD));
}

export class WireEncodeError extends Error {}

/** A message under construction in a scratch buffer, with the compression table of RFC 1035 §4.1.4. */
class MessageWriter {
  readonly buf = Buffer.alloc(MAX_MESSAGE_BYTES + 4096);
  off = 0;
  private readonly names = new Map<string, number>();
  private readonly added: string[] = [];

  reset(): void {
    this.off = 0;
    this.names.clear();
    this.added.length = 0;
  }

  mark(): [number, number] {
    return [this.off, this.added.length];
  }

  /** Forgets everything written since `mark`, compression targets included (they would point past the end). */
  rollback([off, added]: [number, number]): void {
    this.off = off;
    while (this.added.length > added) this.names.delete(this.added.pop()!);
  }

  u16(v: number): void {
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  /** Writes `name`, pointing at an earlier copy of its longest known suffix when `compress` is set. */
  name(name: string, compress: boolean): void {
    const n = name.endsWith('.') ? name.slice(0, -1) : name;
    let start = 0;
    const first = this.off;
    while (n.length > 0 && start <= n.length) {
      const suffix = start === 0 ? n : n.slice(start);
      const ptr = compress ? this.names.get(suffix) : undefined;
      if (ptr !== undefined) {
        this.u16(0xc000 | ptr);
        return;
      }
      if (compress && this.off < 0x4000) {
        this.names.set(suffix, this.off);
        this.added.push(suffix);
      }
      let dot = n.indexOf('.', start);
      if (dot < 0) dot = n.length;
      const len = this.buf.write(n.slice(start, dot), this.off + 1, 'utf8');
      if (len === 0 || len > 63) throw new WireEncodeError(`name ${JSON.stringify(name)}: labels must be 1 to 63 bytes`);
      this.buf[this.off] = len;
      this.off += len + 1;
      start = dot + 1;
    }
    this.buf[this.off++] = 0;
    if (this.off - first > 255) throw new WireEncodeError(`name ${JSON.stringify(name)}: longer than 255 bytes`);
  }

  /**
   * Copies a question as received (its case and bytes exactly) and makes its name, `name` in dotted form, a
   * compression target, unless a label holds a dot or a byte outside printable ASCII, which the dotted form of answer
   * names cannot express.
   */
  verbatimQuestion(wire: Buffer, name: string): void {
    const at = this.off;
    wire.copy(this.buf, at);
    this.off += wire.length;
    for (let p = 0; wire[p] !== 0; p += wire[p] + 1)
      for (let i = p + 1; i <= p + wire[p]; i++) if (wire[i] <= 0x20 || wire[i] === 0x2e || wire[i] >= 0x7f) return;
    for (let p = 0, c = 0; wire[p] !== 0 && at + p < 0x4000; c += wire[p] + 1, p += wire[p] + 1) {
      const suffix = c === 0 ? name : name.slice(c);
      if (!this.names.has(suffix)) {
        this.names.set(suffix, at + p);
        this.added.push(suffix);
      }
    }
  }

  record(rr: ResourceRecord): void {
    const code = TYPE_CODE[rr.type];
    if (code === undefined) throw new WireEncodeError(`record type ${rr.type} cannot be encoded`);
    this.name(rr.name, true);
    this.u16(code);
    this.u16(CLASS_IN);
    this.u32(rr.ttl);
    const lengthAt = this.off;
    this.off += 2;
    switch (rr.type) {
      case 'A':
        this.off = writeIPv4(rr.data, this.buf, this.off);
        break;
      case 'AAAA':
        this.off = writeIPv6(rr.data, this.buf, this.off);
        break;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(rr.data, true);
        break;
      case 'SOA':
        this.name(rr.data.mname, true);
        this.name(rr.data.rname, true);
        for (const v of [rr.data.serial, rr.data.refresh, rr.data.retry, rr.data.expire, rr.data.minimum]) this.u32(v);
        break;
      case 'SRV':
        this.u16(rr.data.priority);
        this.u16(rr.data.weight);
        this.u16(rr.data.port);
        this.name(rr.data.target, false); // RFC 2782: "name compression is not to be used for this field"
        break;
      case 'TXT':
        for (const s of rr.data.length ? rr.data : ['']) {
          const bytes = Buffer.from(s, 'utf8');
          for (let i = 0; i === 0 || i < bytes.length; i += 255) {
            const chunk = bytes.subarray(i, i + 255); // a character-string holds at most 255 bytes
            this.buf[this.off++] = chunk.length;
            chunk.copy(this.buf, this.off);
            this.off += chunk.length;
          }
        }
        break;
    }
    this.buf.writeUInt16BE(this.off - lengthAt - 2, lengthAt);
  }
}

function writeIPv4(s: string, buf: Buffer, off: number): number {
  const v = parseIPv4(s);
  if (v === undefined) throw new WireEncodeError(`A record data ${JSON.stringify(s)} is not an IPv4 address`);
  buf.writeUInt32BE(v >>> 0, off);
  return off + 4;
}

function writeIPv6(s: string, buf: Buffer, off: number): number {
  const groups = parseIPv6(s);
  if (!groups) throw new WireEncodeError(`AAAA record data ${JSON.stringify(s)} is not an IPv6 address`);
  for (const g of groups) {
    buf.writeUInt16BE(g, off);
    off += 2;
  }
  return off;
}

const writer = new MessageWriter();
const OPT_BYTES = 11;

function header(head: RequestHead, rcode: number, aa: boolean, tc: boolean, counts: [number, number, number, number]): void {
  const b = writer.buf;
  b.writeUInt16BE(head.id, 0);
  // QR, the request's opcode, AA, TC, RD copied, RA clear (the cluster zone is served authoritatively, as CoreDNS's
  // kubernetes plugin does), CD copied (RFC 4035 §3.1.6), and the low 4 bits of the rcode.
  b.writeUInt16BE(0x8000 | (head.opcode << 11) | (aa ? 0x400 : 0) | (tc ? 0x200 : 0) | (head.recursionDesired ? 0x100 : 0) | (head.checkingDisabled ? 0x10 : 0) | (rcode & 0xf), 2);
  for (let i = 0; i < 4; i++) b.writeUInt16BE(counts[i], 4 + 2 * i);
}

function question(head: RequestHead): number {
  const q = head.question;
  if (!q) return 0;
  if (q.wire) writer.verbatimQuestion(q.wire, q.name);
  else {
    writer.name(q.name, true);
    writer.u16(q.qtype);
    writer.u16(q.qclass);
  }
  return 1;
}

function opt(head: RequestHead, rcode: number, serverUdpPayload: number): number {
  if (!head.edns) return 0;
  writer.buf[writer.off++] = 0; // the root
  writer.u16(TYPE_CODE.OPT);
  writer.u16(serverUdpPayload);
  writer.u32(((rcode >> 4) << 24) | (head.edns.dnssecOk ? 0x8000 : 0)); // extended rcode, version 0, DO
  writer.u16(0);
  return 1;
}

function copyOut(): Buffer {
  const out = Buffer.allocUnsafe(writer.off);
  writer.buf.copy(out, 0, 0, writer.off);
  return out;
}

export interface EncodeOptions {
  /** The largest reply allowed: the requester's UDP limit (see udpLimit) or MAX_MESSAGE_BYTES over TCP. */
  limit: number;
  /** The UDP payload size this server advertises in its OPT record. */
  serverUdpPayload: number;
}

/**
 * Encodes the reply to `head` carrying `answer`. When it would exceed `opts.limit`, records are kept in order
 * (answer, authority, additional) up to the first one that does not fit, and TC is set if that record was in the
 * answer or authority section; a dropped additional section does not set TC (RFC 2181 §9, miekg/dns Msg.Truncate).
 */
export function encodeResponse(head: RequestHead, answer: Answer, opts: EncodeOptions): Buffer {
  const rcode = RCODE[answer.rcode];
  writer.reset();
  writer.off = HEADER_BYTES;
  const qd = question(head);
  const budget = Math.min(opts.limit, MAX_MESSAGE_BYTES) - (head.edns ? OPT_BYTES : 0);
  const sections = [answer.answers, answer.authority, answer.additional];
  const counts: [number, number, number, number] = [qd, 0, 0, 0];
  let tc = false;
  fill: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      const mark = writer.mark();
      writer.record(rr);
      if (writer.off > budget) {
        writer.rollback(mark);
        tc = s < 2;
        break fill;
      }
      counts[s + 1]++;
    }
  }
  counts[3] += opt(head, rcode, opts.serverUdpPayload);
  header(head, rcode, answer.authoritative, tc, counts);
  return copyOut();
}

/** Encodes a reply with no records: errors such as FORMERR, NOTIMP, REFUSED, SERVFAIL and BADVERS. */
export function encodeError(head: RequestHead, rcode: Rcode | 'BADVERS', serverUdpPayload: number): Buffer {
  writer.reset();
  writer.off = HEADER_BYTES;
  const qd = question(head);
  const ar = opt(head, RCODE[rcode], serverUdpPayload);
  header(head, RCODE[rcode], false, false, [qd, 0, 0, ar]);
  return copyOut();
}

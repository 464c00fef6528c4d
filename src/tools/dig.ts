// dig and host from BIND 9.18 (bind-tools / dnsutils), their answers from the cluster DNS engine through flatnet's
// own responder, so header flags, sections and MSG SIZE are those of the real reply bytes.

import dnsPacket from 'dns-packet';
import { DnsResponder } from '../dns/server.js';
import type { ClusterDns } from '../dns/types.js';
import { askWithSearch, bare, chooseServer, queryMs, reverseOf, searchCandidates } from './dns-client.js';
import { fail, type ToolContext, type ToolResult } from './tool-context.js';

/** The BIND build flatnet's dig and host print as (checked against Debian's 9.18.49 on the development machine). */
export const DIG_VERSION = '9.18.49';

const TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'ANY']);

interface DigOptions {
  name?: string;
  type: string;
  server?: string;
  short: boolean;
  search: boolean;
  tcp: boolean;
  tries: number;
  show: { cmd: boolean; comments: boolean; question: boolean; answer: boolean; authority: boolean; additional: boolean; stats: boolean };
  argv: string[];
}

function parseDig(argv: string[]): DigOptions | ToolResult {
  const o: DigOptions = { type: 'A', short: false, search: false, tcp: false, tries: 3, show: { cmd: true, comments: true, question: true, answer: true, authority: true, additional: true, stats: true }, argv };
  let typed = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('@')) o.server = a.slice(1);
    else if (a === '-t' || a === '-x' || a === '-p') {
      const v = argv[++i];
      if (v === undefined) return fail(1, `dig: option requires an argument -- '${a.slice(1)}'\n`);
      if (a === '-t') [o.type, typed] = [v.toUpperCase(), true];
      else if (a === '-x') {
        const r = reverseOf(v);
        if (!r) return fail(1, `dig: '${v}' is not a legal IPv4 or IPv6 address\n`);
        [o.name, o.type, typed] = [`${r}.`, 'PTR', true];
      } else if (v !== '53') return fail(2, `flatnet: dig -p ${v}: only port 53 is emulated (nothing else listens for DNS)\n`);
    } else if (a.startsWith('+')) {
      const m = /^\+(no)?([a-z]+)(?:=(.*))?$/.exec(a);
      const on = !m?.[1];
      const key = m?.[2] ?? '';
      if (key === 'short') o.short = on;
      else if (key === 'search') o.search = on;
      else if (key === 'tcp' || key === 'vc') o.tcp = on;
      else if (key === 'tries' || key === 'retry') o.tries = Math.max(1, Number(m?.[3] ?? 3) + (key === 'retry' ? 1 : 0));
      else if (key === 'all') for (const k of Object.keys(o.show) as (keyof DigOptions['show'])[]) o.show[k] = on;
      else if (key in o.show) o.show[key as keyof DigOptions['show']] = on;
      else if (['time', 'cookie', 'edns', 'recurse', 'ignore', 'timeout', 'nssearch'].includes(key) && key !== 'nssearch') continue;
      else return fail(2, `flatnet: dig option ${a} is not emulated\n`);
    } else if (!typed && TYPES.has(a.toUpperCase()) && o.name !== undefined) [o.type, typed] = [a.toUpperCase(), true];
    else if (a.startsWith('-')) return fail(2, `flatnet: dig option ${a} is not emulated\n`);
    else if (o.name === undefined) o.name = a;
    else if (!typed && TYPES.has(a.toUpperCase())) [o.type, typed] = [a.toUpperCase(), true];
    else return fail(2, `flatnet: dig with several queries is not emulated\n`);
  }
  if (!TYPES.has(o.type)) return fail(2, `flatnet: dig query type ${o.type} is not emulated\n`);
  if (o.name === undefined) return fail(2, 'flatnet: dig without a name (the root NS query) is not emulated\n');
  return o;
}

/**
 * BIND's column layout (lib/dns/masterdump.c indent()): each field is padded to its column — at least one character
 * past the current one — with tabs up to the last tab stop before it, then spaces.
 */
function columns(fields: [string, number][], last: string): string {
  let s = '';
  let col = 0;
  for (const [text, column] of fields) {
    s += text;
    col += text.length;
    const to = Math.max(column, col + 1);
    const tabs = Math.floor(to / 8) - Math.floor(col / 8);
    const from = tabs > 0 ? Math.floor(to / 8) * 8 : col;
    s += '\t'.repeat(Math.max(0, tabs)) + ' '.repeat(to - from);
    col = to;
  }
  return s + last;
}

function rdata(a: dnsPacket.Answer): string {
  const d = (a as { data?: any }).data;
  const dot = (n: string) => (n.endsWith('.') ? n : `${n}.`);
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return String(d);
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return dot(String(d));
    case 'SRV':
      return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${dot(d.target)}`;
    case 'TXT':
      return (Array.isArray(d) ? d : [d]).map((x: Buffer | string) => `"${x.toString()}"`).join(' ');
    case 'SOA':
      return `${dot(d.mname)} ${dot(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    default:
      return '';
  }
}

function recordLine(a: dnsPacket.Answer): string {
  const ttl = 'ttl' in a ? a.ttl : 0;
  return columns([[`${a.name}.`, 24], [String(ttl), 32], ['IN', 40], [a.type, 48]], rdata(a));
}

/** The query dig 9.18 sends (RD, EDNS0 with a 1232-byte payload) and the reply flatnet's server gives to it. */
async function query(dns: ClusterDns, name: string, type: string, id: number): Promise<{ reply: Buffer; packet: dnsPacket.Packet }> {
  const q = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: bare(name), type: type as dnsPacket.RecordType, class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as dnsPacket.Answer] });
  const reply = (await new DnsResponder(dns, { cacheSuccess: 0, cacheDenial: 0 }).respond(q, true)) as Buffer;
  return { reply, packet: dnsPacket.decode(reply) };
}

/** A deterministic query ID (dig picks a random one). */
function queryId(name: string, type: string): number {
  let h = 0;
  for (const c of `${name}/${type}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h % 65536;
}

function flagsText(p: dnsPacket.Packet): string {
  const f = p.flags ?? 0;
  return ['qr', f & dnsPacket.AUTHORITATIVE_ANSWER ? 'aa' : '', f & dnsPacket.TRUNCATED_RESPONSE ? 'tc' : '', f & dnsPacket.RECURSION_DESIRED ? 'rd' : '', f & dnsPacket.RECURSION_AVAILABLE ? 'ra' : ''].filter(Boolean).join(' ');
}

/** The full dig report of one exchange, as 9.18 prints it. */
function report(ctx: ToolContext, o: DigOptions, serverIp: string, qname: string, reply: Buffer, p: dnsPacket.Packet, ms: number): string {
  const out: string[] = [];
  const s = o.show;
  if (s.cmd) out.push('', `; <<>> DiG ${DIG_VERSION} <<>> ${o.argv.join(' ')}`, ...(o.server ? ['; (1 server found)'] : []), ';; global options: +cmd');
  const answers = p.answers ?? [];
  const authorities = p.authorities ?? [];
  const additionals = (p.additionals ?? []).filter((r) => r.type !== 'OPT');
  const opt = (p.additionals ?? []).find((r) => r.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  if (s.comments) {
    out.push(';; Got answer:');
    // dig 9.18.19+ warns about .local names (RFC 6762 reserves them for mDNS).
    if (/(^|\.)local\.?$/i.test(qname)) out.push(';; WARNING: .local is reserved for Multicast DNS', ';; You are currently testing what happens when an mDNS query is leaked to DNS');
    out.push(`;; ->>HEADER<<- opcode: QUERY, status: ${(p as { rcode?: string }).rcode}, id: ${p.id}`);
    out.push(`;; flags: ${flagsText(p)}; QUERY: 1, ANSWER: ${answers.length}, AUTHORITY: ${authorities.length}, ADDITIONAL: ${additionals.length + (opt ? 1 : 0)}`);
    if (!((p.flags ?? 0) & dnsPacket.RECURSION_AVAILABLE)) out.push(';; WARNING: recursion requested but not available');
    out.push('');
    if (opt) out.push(';; OPT PSEUDOSECTION:', `; EDNS: version: 0, flags:; udp: ${opt.udpPayloadSize}`);
  }
  const section = (title: string, list: dnsPacket.Answer[], on: boolean) => {
    if (!on || list.length === 0) return;
    if (s.comments) out.push(`;; ${title} SECTION:`);
    out.push(...list.map(recordLine));
    if (s.comments || title !== 'ANSWER') out.push('');
  };
  if (s.question) {
    if (s.comments) out.push(';; QUESTION SECTION:');
    out.push(columns([[`;${qname}`, 32], ['IN', 40]], o.type), '');
  }
  section('ANSWER', answers, s.answer);
  section('AUTHORITY', authorities, s.authority);
  section('ADDITIONAL', additionals, s.additional);
  if (s.stats) {
    const when = ctx.clock.now().toUTCString().replace(/^(\w{3}), (\d{2}) (\w{3}) (\d{4}) ([\d:]+) GMT$/, '$1 $3 $2 $5 UTC $4');
    out.push(`;; Query time: ${ms} msec`, `;; SERVER: ${serverIp}#53(${o.server ?? serverIp}) (${o.tcp ? 'TCP' : 'UDP'})`, `;; WHEN: ${when}`, `;; MSG SIZE  rcvd: ${reply.length}`, '');
  }
  if (!s.comments && !s.stats && out[out.length - 1] === '') out.pop();
  return out.length ? `${out.join('\n')}\n` : '';
}

/** Runs `dig [@server] [-t type] [-x addr] name [type] [+short] [+search] [+noall +answer] ...`. */
export async function runDig(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const o = parseDig(argv);
  if ('exitCode' in o) return o;
  const server = chooseServer(ctx, o.server);
  if (!server.dns) {
    const errs = Array.from({ length: o.tries }, () => `;; communications error to ${server.ip}#53: timed out\n`).join('');
    const head = o.show.cmd && !o.short ? `\n; <<>> DiG ${DIG_VERSION} <<>> ${argv.join(' ')}\n${o.server ? '; (1 server found)\n' : ''};; global options: +cmd\n` : '';
    return { stdout: `${errs}${head};; no servers could be reached\n`, stderr: '', exitCode: 9, notes: [`DNS queries to ${server.ip} get no answer: ${server.why}`] };
  }
  const candidates = searchCandidates(ctx, o.name!, o.search);
  const found = await askWithSearch(server.dns, candidates, o.type);
  const { reply, packet } = await query(server.dns, found.name, o.type, queryId(found.name, o.type));
  if (o.short) return { stdout: (packet.answers ?? []).map((a) => `${rdata(a)}\n`).join(''), stderr: '', exitCode: 0 };
  return { stdout: report(ctx, o, server.ip, found.name, reply, packet, queryMs(1)), stderr: '', exitCode: 0 };
}

/** Runs `host [-t type] name [server]`: A, then AAAA and MX, as host(1) asks by default. */
export async function runHost(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  let type: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-t') type = argv[++i]?.toUpperCase();
    else if (argv[i].startsWith('-')) return fail(2, `flatnet: host option ${argv[i]} is not emulated\n`);
    else rest.push(argv[i]);
  }
  if (rest.length === 0 || rest.length > 2) return fail(1, `Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n            [-R number] [-m flag] [-p port] hostname [server]\n`);
  if (type !== undefined && !TYPES.has(type)) return fail(1, `host: invalid type: ${type}\n`);
  const server = chooseServer(ctx, rest[1]);
  const prefix = rest[1] ? `Using domain server:\nName: ${rest[1]}\nAddress: ${server.ip}#53\nAliases: \n\n` : '';
  if (!server.dns) return { stdout: `${prefix};; connection timed out; no servers could be reached\n`, stderr: '', exitCode: 1, notes: [`DNS queries to ${server.ip} get no answer: ${server.why}`] };
  const ptr = reverseOf(rest[0]);
  const name = ptr && type === undefined ? `${ptr}.` : rest[0];
  const types = type ? [type] : ptr ? ['PTR'] : ['A', 'AAAA', 'MX'];
  const first = await askWithSearch(server.dns, searchCandidates(ctx, name, true), types[0]);
  if (first.answer.rcode !== 'NOERROR') return { stdout: `${prefix}Host ${bare(name)} not found: ${first.answer.rcode === 'NXDOMAIN' ? 3 : 2}(${first.answer.rcode})\n`, stderr: '', exitCode: 1 };
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const t of types) {
    const a = t === types[0] ? first.answer : await server.dns.answer({ name: first.name, type: t });
    for (const rr of a.answers) {
      const owner = bare(rr.name);
      const line =
        rr.type === 'A' ? `${owner} has address ${rr.data}` : rr.type === 'AAAA' ? `${owner} has IPv6 address ${rr.data}` : rr.type === 'CNAME' ? `${owner} is an alias for ${rr.data}.`
        : rr.type === 'PTR' ? `${owner} domain name pointer ${rr.data}` : rr.type === 'SRV' ? `${owner} has SRV record ${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${rr.data.target}`
        : rr.type === 'TXT' ? `${owner} descriptive text ${rr.data.map((x) => `"${x}"`).join(' ')}` : rr.type === 'NS' ? `${owner} name server ${rr.data}` : `${owner} has ${rr.type} record`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
  }
  if (lines.length === 0 && type) return { stdout: `${prefix}${bare(first.name)} has no ${type} record\n`, stderr: '', exitCode: 0 };
  return { stdout: `${prefix}${lines.map((l) => `${l}\n`).join('')}`, stderr: '', exitCode: 0 };
}

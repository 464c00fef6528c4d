// nslookup in its two common builds: busybox 1.36's own DNS client (networking/nslookup.c: every search domain for a
// dotless name, A and AAAA sent at once, one block per reply, exit 1 if any reply was an error) and BIND 9.18's
// (the search list walked until a name exists, `Address: ip#53`, `** server can't find`).

import type { Answer, ClusterDns, ResourceRecord } from '../dns/types.js';
import { resolverSettings } from '../dns/resolv-conf.js';
import { askWithSearch, bare, chooseServer, reverseOf, searchCandidates } from './dns-client.js';
import { fail, type ToolContext, type ToolResult } from './tool-context.js';

const TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'ANY'];

interface Parsed {
  name: string;
  server?: string;
  type?: string;
}

function parse(argv: string[], flavour: 'busybox' | 'bind'): Parsed | ToolResult {
  let type: string | undefined;
  const rest: string[] = [];
  for (const a of argv) {
    const m = /^-([a-z]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const known = flavour === 'busybox' ? ['type', 'querytype'] : ['type', 'querytype', 'query', 'q', 'ty', 'qu'];
    if (!known.includes(m[1])) return fail(2, `flatnet: nslookup option ${a} is not emulated\n`);
    const t = (m[2] ?? '').toUpperCase();
    if (!TYPES.includes(t)) return flavour === 'busybox' ? fail(1, `nslookup: invalid query type "${m[2] ?? ''}"\n`) : fail(1, `unknown query type: ${m[2] ?? ''}\n`);
    type = t;
  }
  if (rest.length === 0 || rest.length > 2) {
    if (flavour === 'busybox') return fail(1, 'BusyBox v1.36.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\nQuery DNS about HOST\n\nQUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any\n');
    return fail(2, 'flatnet: interactive nslookup (no name given) is not emulated\n');
  }
  return { name: rest[0], ...(rest[1] ? { server: rest[1] } : {}), ...(type ? { type } : {}) };
}

/** One answer record as nslookup prints it (`withDot`: BIND keeps the trailing dot on names in RDATA). */
function recordLine(rr: ResourceRecord, withDot: boolean): string {
  const d = (n: string) => (withDot ? n : bare(n));
  const owner = bare(rr.name);
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return `Name:\t${owner}\nAddress: ${rr.data}\n`;
    case 'CNAME':
      return `${owner}\tcanonical name = ${d(rr.data)}\n`;
    case 'PTR':
      return `${owner}\tname = ${d(rr.data)}\n`;
    case 'NS':
      return `${owner}\tnameserver = ${d(rr.data)}\n`;
    case 'TXT':
      return `${owner}\ttext = ${rr.data.map((s) => `"${s}"`).join(' ')}\n`;
    case 'SRV':
      return `${owner}\tservice = ${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${d(rr.data.target)}\n`;
    case 'SOA': {
      const s = rr.data;
      return `${owner}\n\torigin = ${d(s.mname)}\n\tmail addr = ${d(s.rname)}\n\tserial = ${s.serial}\n\trefresh = ${s.refresh}\n\tretry = ${s.retry}\n\texpire = ${s.expire}\n\tminimum = ${s.minimum}\n`;
    }
  }
}

/** busybox 1.36: queries for every search domain (dotless names only), printed reply by reply in query order. */
async function busybox(ctx: ToolContext, p: Parsed, dns: ClusterDns, serverName: string, serverIp: string): Promise<ToolResult> {
  const ptr = reverseOf(p.name);
  const names = (() => {
    // add_query_with_search: PTR, no search list, or a dot in the name → the name as given. The search list comes
    // from resolv.conf, which busybox reads only when no server is named on the command line.
    const search = p.server ? [] : resolverSettings(ctx.resolvConf).search;
    if (p.type === 'PTR' || search.length === 0 || p.name.includes('.')) return [p.name];
    return search.map((d) => `${p.name}.${d}`);
  })();
  const queries: { name: string; type: string }[] = [];
  if (!p.type && ptr) queries.push({ name: ptr, type: 'PTR' });
  else for (const t of p.type ? [p.type] : ['A', 'AAAA']) for (const n of names) queries.push({ name: n, type: t });
  let out = `Server:\t\t${serverName}\nAddress:\t${serverIp}:53\n\n`;
  let code = 0;
  for (const q of queries) {
    const a = await dns.answer({ name: q.name, type: q.type });
    if (a.rcode !== 'NOERROR') {
      out += `** server can't find ${q.name}: ${a.rcode}\n`;
      code = 1;
    } else {
      if (!a.authoritative) out += 'Non-authoritative answer:\n';
      out += a.answers.map((rr) => recordLine(rr, false)).join('');
    }
    out += '\n';
  }
  return { stdout: out, stderr: '', exitCode: code };
}

/** BIND 9.18: the search list walked like dig +search; A then AAAA for the name found; nothing for NODATA. */
async function bind(ctx: ToolContext, p: Parsed, dns: ClusterDns, serverName: string, serverIp: string): Promise<ToolResult> {
  const head = `Server:\t\t${serverName}\nAddress:\t${serverIp}#53\n\n`;
  const ptr = reverseOf(p.name);
  if (!p.type && ptr) {
    const a = await dns.answer({ name: `${ptr}.`, type: 'PTR' });
    if (a.rcode !== 'NOERROR') return { stdout: `${head}** server can't find ${ptr}: ${a.rcode}\n\n`, stderr: '', exitCode: 1 };
    // BIND prints a reverse answer without the Server/Address header.
    return { stdout: `${a.answers.map((rr) => recordLine(rr, true)).join('')}\n`, stderr: '', exitCode: 0 };
  }
  const candidates = searchCandidates(ctx, p.name, true);
  const first = await askWithSearch(dns, candidates, p.type ?? 'A');
  if (first.answer.rcode !== 'NOERROR') return { stdout: `${head}** server can't find ${p.name}: ${first.answer.rcode}\n\n`, stderr: '', exitCode: 1 };
  const answers: Answer[] = [first.answer];
  if (!p.type) answers.push(await dns.answer({ name: first.name, type: 'AAAA' }));
  const records = answers.flatMap((a) => a.answers);
  if (records.length === 0) return { stdout: `${head}*** Can't find ${bare(first.name)}: No answer\n\n`, stderr: '', exitCode: 0 };
  const nonAuth = answers.some((a) => !a.authoritative && a.answers.length > 0) ? 'Non-authoritative answer:\n' : '';
  return { stdout: `${head}${nonAuth}${records.map((rr) => recordLine(rr, true)).join('')}\n`, stderr: '', exitCode: 0 };
}

/** Runs `nslookup [-type=T] NAME [SERVER]` in the image's flavour. */
export async function runNslookup(ctx: ToolContext, argv: string[]): Promise<ToolResult> {
  const flavour = ctx.toolbox.nslookup ?? 'bind';
  const p = parse(argv, flavour);
  if ('exitCode' in p) return p;
  const server = chooseServer(ctx, p.server);
  if (!server.dns) {
    // Both builds print this after their retries run out (busybox: 2 tries in 5 s; BIND: 3 tries of 5 s... per server).
    return { stdout: ';; connection timed out; no servers could be reached\n\n', stderr: '', exitCode: 1, notes: [`DNS queries to ${server.ip} get no answer: ${server.why}`] };
  }
  return flavour === 'busybox' ? busybox(ctx, p, server.dns, server.name, server.ip) : bind(ctx, p, server.dns, server.name, server.ip);
}

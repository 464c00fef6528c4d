// Stub-resolver emulation: the ordered queries a pod's glibc or musl sends for a name through its resolv.conf, each
// answer, and where the walk stops (glibc resolv/res_query.c __res_context_search; musl src/network/lookup_name.c).

import { fqdn, reverseName } from './names.js';
import { resolverSettings, ResolvConf } from './resolv-conf.js';
import type { Answer, ClusterDns, Question, Rcode, ResourceRecord } from './types.js';

export type ResolverLibrary = 'glibc' | 'musl';
export const RESOLVER_LIBRARIES: readonly ResolverLibrary[] = ['glibc', 'musl'];

/** 'ADDR' is getaddrinfo(AF_UNSPEC): an A and an AAAA query per candidate. Any other type is res_search(type). */
export type LookupType = 'ADDR' | 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME' | 'TXT' | 'ANY';
export const LOOKUP_TYPES: readonly LookupType[] = ['ADDR', 'A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT', 'ANY'];

export interface ResolveOptions {
  /** Which C library's resolver to follow (default glibc). */
  library?: ResolverLibrary;
}

/** How one try ended: records found, or the negative outcome that decides whether the walk goes on. */
export type TryStatus = 'FOUND' | 'NXDOMAIN' | 'NODATA' | Exclude<Rcode, 'NOERROR' | 'NXDOMAIN'>;

export interface ResolverTry {
  /** The candidate name, absolute. */
  name: string;
  /** The queries sent for it, in order (A then AAAA for an address lookup), each with the server's answer. */
  queries: { question: Question; answer: Answer }[];
  status: TryStatus;
  /** Whether the resolver went on to another candidate after this one. */
  next: boolean;
  /** Why it went on or stopped, e.g. "no such name: glibc tries the next candidate". */
  reason: string;
}

export interface ResolveResult {
  name: string;
  type: LookupType;
  library: ResolverLibrary;
  ndots: number;
  /** The candidates in the order the resolver would try them; `tries` holds those it did try. */
  candidates: string[];
  /** Why the candidates are in that order. */
  plan: string;
  tries: ResolverTry[];
  resolved: boolean;
  /** NOERROR when resolved, otherwise the error the application sees. */
  status: 'NOERROR' | TryStatus;
  /** The answer records of the try that resolved (for an address lookup, its A and AAAA records, CNAMEs included). */
  records: ResourceRecord[];
  /** One sentence on the outcome. */
  summary: string;
}

function dotsIn(name: string): number {
  return (name.match(/\./g) ?? []).length;
}

interface Plan {
  candidates: string[];
  plan: string;
  /** The name alone is asked, once (a trailing dot, an address's reverse name, musl's res_query or ndots rule). */
  only: boolean;
  /** glibc asks the name as is before the search list (dots ≥ ndots). */
  asIsFirst: boolean;
  /** The search domains, '' standing for the root ("."). */
  search: string[];
}

/** The candidate names in the order they would be tried if every one failed, and the reason for that order. */
function plan(name: string, type: LookupType, conf: ResolvConf, library: ResolverLibrary): Plan {
  const { ndots, search } = resolverSettings(conf);
  const dots = dotsIn(name.replace(/\.$/, ''));
  const join = (d: string) => (d === '' ? fqdn(name) : `${name}.${d}.`);
  const quoted = JSON.stringify(name);
  const only = (candidate: string, why: string): Plan => ({ candidates: [candidate], plan: why, only: true, asIsFirst: true, search });
  const reverse = type === 'PTR' ? reverseName(name) : undefined;
  if (reverse) return only(reverse, `${quoted} is an address: its reverse name is asked once, as getnameinfo does`);
  if (name.endsWith('.')) return only(name, `${quoted} ends in a dot: an absolute name, asked once as is`);
  if (library === 'musl' && type !== 'ADDR') return only(fqdn(name), `musl's res_search is res_query: ${quoted} is asked once, as is, without the search list`);
  const dotsText = `${quoted} has ${dots} dot${dots === 1 ? '' : 's'}`;
  if (dots >= ndots) {
    if (library === 'musl') return only(fqdn(name), `${dotsText}, at least ndots:${ndots}: musl asks it as is only, never through the search list`);
    const then = search.length > 0 ? ', then through the search list' : ' (the search list is empty)';
    return { candidates: [fqdn(name), ...search.map(join)], plan: `${dotsText}, at least ndots:${ndots}: glibc asks it as is first${then}`, only: false, asIsFirst: true, search };
  }
  // A root (".") entry in the search list already asks the name as is, so it is not asked again at the end.
  const asIs = search.includes('') ? [] : [fqdn(name)];
  return { candidates: [...search.map(join), ...asIs], plan: `${dotsText}, fewer than ndots:${ndots}: the search list first, then the name as is`, only: false, asIsFirst: false, search };
}

/** The outcome of one try as glibc's __res_context_query combines an A+AAAA pair (or judges a single query). */
function glibcStatus(answers: Answer[]): TryStatus {
  if (answers.some((a) => a.rcode === 'NOERROR' && a.answers.length > 0)) return 'FOUND';
  const [first, second] = answers;
  const rcode = first.rcode === 'NOERROR' && second ? second.rcode : first.rcode;
  return rcode === 'NOERROR' ? 'NODATA' : (rcode as TryStatus);
}

/** The outcome of one try as musl's name_from_dns judges it: each reply's rcode in query order, then the addresses. */
function muslStatus(answers: Answer[]): TryStatus {
  for (const a of answers) {
    if (a.rcode === 'SERVFAIL') return 'SERVFAIL';
    if (a.rcode === 'NXDOMAIN') return 'NXDOMAIN';
    if (a.rcode !== 'NOERROR') return a.rcode;
  }
  return answers.some((a) => a.answers.some(isAddress)) ? 'FOUND' : 'NODATA';
}

const isAddress = (r: ResourceRecord) => r.type === 'A' || r.type === 'AAAA';

function describe(s: TryStatus): string {
  return s === 'NXDOMAIN' ? 'no such name' : s === 'NODATA' ? 'the name exists without such records' : s;
}

type Ask = (candidate: string) => Promise<ResolverTry>;

/**
 * glibc __res_context_search: as is first when dots ≥ ndots; the search list, going on after NXDOMAIN, NODATA and
 * SERVFAIL and leaving it on any other error; then the name as is if not tried yet. The error reported is the
 * first try's when the name was asked as is first, else NODATA if any try had it, else SERVFAIL if any, else the last.
 */
async function walkGlibc(name: string, p: Plan, ask: Ask): Promise<TryStatus> {
  let saved: TryStatus | undefined;
  let gotNodata = false;
  let gotServfail = false;
  let last: ResolverTry | undefined;
  if (p.asIsFirst) {
    last = await ask(p.candidates[0]);
    if (last.status === 'FOUND' || p.only) return last.status;
    saved = last.status;
    last.reason = `${describe(last.status)}: glibc goes on to the search list`;
  }
  for (const d of p.search) {
    last = await ask(d === '' ? fqdn(name) : `${name}.${d}.`);
    if (last.status === 'FOUND') return 'FOUND';
    gotNodata ||= last.status === 'NODATA';
    gotServfail ||= last.status === 'SERVFAIL';
    if (last.status === 'NXDOMAIN' || last.status === 'NODATA' || last.status === 'SERVFAIL') last.reason = `${describe(last.status)}: glibc tries the next candidate`;
    else {
      last.reason = `${describe(last.status)}: glibc leaves the search list`;
      break;
    }
  }
  if (!p.asIsFirst && !p.search.includes('')) {
    last = await ask(fqdn(name));
    if (last.status === 'FOUND') return 'FOUND';
  }
  return saved ?? (gotNodata ? 'NODATA' : gotServfail ? 'SERVFAIL' : last!.status);
}

/**
 * musl name_from_dns_search: every search candidate, then the name as is, but only while the answer is NXDOMAIN:
 * NODATA, SERVFAIL or any other error ends the lookup (musl 1.2.3, verified in dns.md §9.3).
 */
async function walkMusl(name: string, p: Plan, ask: Ask): Promise<TryStatus> {
  let last: ResolverTry | undefined;
  for (const c of p.candidates) {
    last = await ask(c);
    if (last.status !== 'NXDOMAIN') {
      if (last.status === 'NODATA') last.reason = 'the name exists without such records: musl stops here (it goes on only after NXDOMAIN)';
      else if (last.status !== 'FOUND') last.reason = `${describe(last.status)}: musl gives up`;
      return last.status;
    }
    last.reason = 'no such name: musl tries the next candidate';
  }
  return last!.status;
}

/**
 * Resolves `name` the way a pod's C library does with `resolvConf`, asking `dns` (the server its nameserver stands
 * for). Every try of an address lookup ('ADDR') is an A and an AAAA query for the same candidate
 * (../shared/reference/dns.md §9); other types are res_search(type), one query per try. glibc goes on after
 * NXDOMAIN, NODATA and SERVFAIL; musl stops at anything but NXDOMAIN and never searches names with ndots dots.
 */
export async function resolve(name: string, type: LookupType, resolvConf: ResolvConf, dns: ClusterDns, opts: ResolveOptions = {}): Promise<ResolveResult> {
  const library = opts.library ?? 'glibc';
  const { ndots } = resolverSettings(resolvConf);
  const p = plan(name, type, resolvConf, library);
  const qtypes = type === 'ADDR' ? ['A', 'AAAA'] : [type];
  const tries: ResolverTry[] = [];
  const ask: Ask = async (candidate) => {
    const queries: ResolverTry['queries'] = [];
    for (const t of qtypes) {
      const question = { name: candidate, type: t };
      queries.push({ question, answer: await dns.answer(question) });
    }
    const answers = queries.map((q) => q.answer);
    const status = library === 'musl' && type === 'ADDR' ? muslStatus(answers) : glibcStatus(answers);
    const t: ResolverTry = { name: candidate, queries, status, next: false, reason: status === 'FOUND' ? 'answered: the lookup ends here' : describe(status) };
    tries.push(t);
    return t;
  };
  const outcome = library === 'glibc' || type !== 'ADDR' ? await walkGlibc(name, p, ask) : await walkMusl(name, p, ask);
  tries.forEach((t, i) => (t.next = i < tries.length - 1));
  const last = tries[tries.length - 1];
  if (outcome !== 'FOUND' && !/: (musl|glibc) (stops|gives up)/.test(last.reason)) last.reason = `${describe(last.status)}, and no candidate is left`;
  const found = outcome === 'FOUND' ? last : undefined;
  const wanted = (r: ResourceRecord) => (type === 'ADDR' ? isAddress(r) : type === 'ANY' || r.type === type);
  const records = found ? found.queries.flatMap((q) => q.answer.answers) : [];
  const resolved = records.some(wanted);
  const status: ResolveResult['status'] = resolved ? 'NOERROR' : found ? 'NODATA' : outcome;
  const of = p.candidates.length === 1 ? 'the only try' : `try ${tries.length} of ${p.candidates.length}`;
  const summary = resolved
    ? `resolved on ${of}: ${found!.name}`
    : found
      ? `${found.name} answers only ${[...new Set(records.map((r) => r.type))].join(', ')}, no ${type === 'ADDR' ? 'address' : `${type} record`}: the lookup fails`
      : `not resolved (${status}) after ${tries.length} ${tries.length === 1 ? 'try' : 'tries'}`;
  return { name, type, library, ndots, candidates: p.candidates, plan: p.plan, tries, resolved, status, records, summary };
}

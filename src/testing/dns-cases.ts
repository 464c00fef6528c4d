// Table-driven DNS cases with expected answers as zone-file text, checked the way CoreDNS plugin/test SortAndCheck
// does (same rcode, the same records per section in any order, no CNAME after its target's records), and fixtures.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveClusterConfig } from '../core/cluster-config.js';
import { parseManifests } from '../core/manifests.js';
import type { KubeObject } from '../core/types.js';
import { REPO_ROOT } from './cluster.js';
import { buildClusterDns, ClusterDnsEngine } from '../dns/cluster-dns.js';
import type { Answer, ClusterDns, Question, Rcode } from '../dns/types.js';
import { canonicalRecordText, formatRecord } from '../dns/zone-text.js';

/** An expected answer: each section as zone-file lines with any spacing; omitted sections must be empty. */
export interface ExpectedAnswer {
  rcode: Rcode;
  answer?: string[];
  ns?: string[];
  extra?: string[];
  /** Checked only when given. */
  authoritative?: boolean;
}

/** `svc1.testns.svc.cluster.local. A` as a Question. */
export function question(text: string): Question {
  const [name, type] = text.trim().split(/\s+/);
  return { name, type };
}

/** Problems with the order of the answer section: a CNAME must come before the records of its target (CNAMEOrder). */
export function cnameOrderProblems(a: Answer): string[] {
  const problems: string[] = [];
  a.answers.forEach((rr, i) => {
    if (rr.type !== 'CNAME') return;
    const target = rr.data.toLowerCase();
    const before = a.answers.slice(0, i).find((x) => x.name.toLowerCase() === target);
    if (before) problems.push(`CNAME ${formatRecord(rr)} comes after its target's record ${formatRecord(before)}`);
  });
  return problems;
}

/** The answer as sorted zone-file lines per section, for a readable diff. */
export function answerText(a: Answer): { rcode: Rcode; answer: string[]; ns: string[]; extra: string[] } {
  return { rcode: a.rcode, answer: a.answers.map(formatRecord).sort(), ns: a.authority.map(formatRecord).sort(), extra: a.additional.map(formatRecord).sort() };
}

/** Asserts that `got` matches `want`; the failure message is a diff of both in zone-file text. */
export function sortAndCheck(got: Answer, want: ExpectedAnswer, label = ''): void {
  assert.deepEqual(cnameOrderProblems(got), [], label);
  const norm = (lines: string[] | undefined) => (lines ?? []).map(canonicalRecordText).sort();
  assert.deepEqual(answerText(got), { rcode: want.rcode, answer: norm(want.answer), ns: norm(want.ns), extra: norm(want.extra) }, label);
  if (want.authoritative !== undefined) assert.equal(got.authoritative, want.authoritative, `${label}: the AA flag`);
}

/** One row of a DNS table: the question as `<name> <type>` (name as asked) and the expected answer. */
export interface DnsCase extends ExpectedAnswer {
  name: string;
  q: string;
}

/** Asks every case's question and checks the answer; the first mismatch fails with a zone-file diff. */
export async function runDnsCases(dns: ClusterDns, cases: DnsCase[]): Promise<void> {
  for (const c of cases) sortAndCheck(await dns.answer(question(c.q)), c, `${c.name} (${c.q})`);
}

/** The objects of a YAML file under src/dns/testdata, as written: fixtures are already reconciled. */
export function dnsFixture(file: string): KubeObject[] {
  const { docs, problems } = parseManifests(readFileSync(join(REPO_ROOT, 'src/dns/testdata', file), 'utf8'), file);
  if (problems.length) throw new Error(`${file}: ${JSON.stringify(problems)}`);
  return docs.map((d) => d.object);
}

/** The SOA serial of fixture engines: the one in CoreDNS's own test expectations. */
export const FIXTURE_SERIAL = 1499347823;

/** An engine over `objects` with ClusterConfig spec.dns = `dns`, no upstream, and FIXTURE_SERIAL. */
export function fixtureEngine(objects: KubeObject[], dns: Record<string, unknown> = {}): ClusterDnsEngine {
  const { config, errors } = resolveClusterConfig({ apiVersion: 'flatnet/v1alpha1', kind: 'ClusterConfig', metadata: { name: 't' }, spec: { dns } });
  if (!config) throw new Error(JSON.stringify(errors));
  return buildClusterDns(objects, config, { serial: FIXTURE_SERIAL, upstream: null });
}

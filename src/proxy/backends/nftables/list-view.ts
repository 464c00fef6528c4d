// What `nft list table ip kube-proxy` prints for a table state (reference §3.5, checked against nftables 1.0.6):
// canonical block form, the kernel's rewrites of mark expressions, sorted sets, and nft's line wrapping.

import { parseIPv4 } from '../../../core/ip.js';
import type { NftElement, NftSpec } from './script.js';
import type { NftChainState, NftSetState, NftTable } from './table.js';

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

/** Standard priority names per hook (nft's std_prios for the ip family) and the hooks they are valid for. */
const STD_PRIOS: { name: string; prio: number; hooks?: string[] }[] = [
  { name: 'raw', prio: -300 },
  { name: 'mangle', prio: -150 },
  { name: 'dstnat', prio: -100, hooks: ['prerouting'] },
  { name: 'filter', prio: 0 },
  { name: 'security', prio: 50 },
  { name: 'srcnat', prio: 100, hooks: ['postrouting', 'input'] },
];

/** nft prints a priority within 10 of a standard one as `name ± offset`, else as a number. */
export function priorityText(hook: string, prio: number): string {
  for (const s of STD_PRIOS) {
    if (s.hooks && !s.hooks.includes(hook)) continue;
    const off = prio - s.prio;
    if (off === 0) return s.name;
    if (Math.abs(off) <= 10) return `${s.name} ${off > 0 ? '+' : '-'} ${Math.abs(off)}`;
  }
  return String(prio);
}

/** nft's time format: 10800 → 3h, 100 → 1m40s. */
export function durationText(seconds: number): string {
  const parts: [number, string][] = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const s = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('');
  return s || '0s';
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The address-or-prefix's start as a number, for sorting anonymous sets. */
function addressValue(a: string): number {
  return parseIPv4(a.split('/')[0]) ?? 0;
}

/** One rule as the kernel hands it back: mark arithmetic in meta form, anonymous sets sorted and unwrapped. */
export function listRule(rule: string): string {
  let r = rule
    .replace(/\bmark set mark or (0x[0-9a-f]+)/, (_, m) => `meta mark set meta mark | ${hex8(Number(m))}`)
    .replace(/\bmark set mark xor (0x[0-9a-f]+)/, (_, m) => `meta mark set meta mark ^ ${hex8(Number(m))}`)
    .replace(/\bmark and (0x[0-9a-f]+) == (\w+)/, (_, m, v) => `meta mark & ${hex8(Number(m))} == ${hex8(Number(v))}`);
  r = r.replace(/(ip [ds]addr (?:!= )?)\{ ([^}]*) \}/g, (_, head: string, body: string) => {
    const items = body.split(',').map((s) => s.trim().replace(/\/32$/, '')).sort((a, b) => addressValue(a) - addressValue(b));
    return items.length === 1 ? `${head}${items[0]}` : `${head}{ ${items.join(', ')} }`;
  });
  r = r.replace(/(ip [ds]addr (?:!= )?)(\d+\.\d+\.\d+\.\d+)\/32(?= |$)/g, '$1$2');
  return r.replace(/(numgen random mod \d+ vmap )\{ ([^}]*) \}/, (_, head: string, body: string) => {
    const items = body.split(' , ').map((s) => s.trim()).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    return `${head}{ ${items.join(', ')} }`;
  });
}

/** The bytes of one key component in network order, as nft linearises a concatenation. */
function componentBytes(part: string): number[] {
  const ip = parseIPv4(part);
  if (ip !== undefined) return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  if (part in PROTOCOLS) return [PROTOCOLS[part]];
  const n = Number(part);
  return [(n >>> 8) & 255, n & 255];
}

/**
 * nft 1.0.6 sorts elements before printing (mergesort.c): single values numerically, concatenations by their
 * network-order bytes read as a host-endian (little-endian) number, i.e. starting from the last byte.
 */
function elementSortKey(key: string, concat: boolean): number[] {
  if (!concat) return [parseIPv4(key) ?? Number(key)];
  return key.split(' . ').flatMap(componentBytes).reverse();
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function elementText(e: NftElement): string {
  return `${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value !== undefined ? ` : ${e.value}` : ''}`;
}

/** nft's calculate_delim: addresses two per line, integers five per line, concatenations one per line. */
function perLine(spec: NftSpec): number {
  const keyType = (spec.typeof ?? spec.type ?? '').split(' : ')[0];
  if (keyType.includes(' . ')) return 1;
  if (keyType === 'ipv4_addr') return 2;
  return 5;
}

function elementsText(s: NftSetState): string {
  const concat = (s.spec.typeof ?? s.spec.type ?? '').split(' : ')[0].includes(' . ');
  const sorted = [...s.elements.values()]
    .map((e) => ({ e, k: elementSortKey(e.key, concat) }))
    .sort((a, b) => compareKeys(a.k, b.k))
    .map(({ e }) => elementText(e));
  const n = perLine(s.spec);
  let out = '';
  sorted.forEach((t, i) => {
    if (i > 0) out += i % n === 0 ? ',\n\t\t\t     ' : ', ';
    out += t;
  });
  return `\t\telements = { ${out} }\n`;
}

function setBlock(s: NftSetState): string {
  let out = `\t${s.kind} ${s.name} {\n`;
  out += s.spec.typeof !== undefined ? `\t\ttypeof ${s.spec.typeof}\n` : `\t\ttype ${s.spec.type}\n`;
  if (s.size !== undefined) out += `\t\tsize ${s.size}\n`;
  if (s.spec.flags) out += `\t\tflags ${s.spec.flags.join(',')}\n`;
  if (s.spec.timeout !== undefined) out += `\t\ttimeout ${durationText(s.spec.timeout)}\n`;
  if (s.spec.comment !== undefined) out += `\t\tcomment "${s.spec.comment}"\n`;
  if (s.elements.size > 0) out += elementsText(s);
  return `${out}\t}\n`;
}

function chainBlock(c: NftChainState): string {
  let out = `\tchain ${c.name} {\n`;
  if (c.spec?.hook !== undefined) out += `\t\ttype ${c.spec.type} hook ${c.spec.hook} priority ${priorityText(c.spec.hook, c.spec.priority!)}; policy accept;\n`;
  if (c.spec?.comment !== undefined) out += `\t\tcomment "${c.spec.comment}"\n`;
  for (const r of c.rules) out += `\t\t${listRule(r)}\n`;
  return `${out}\t}\n`;
}

/** `nft list table ip kube-proxy`: sets and maps in creation order, then chains in creation order. */
export function listTable(t: NftTable): string {
  if (!t.exists) return '';
  const blocks = [...[...t.sets.values()].map(setBlock), ...[...t.chains.values()].map(chainBlock)];
  const comment = t.comment !== undefined ? `\tcomment "${t.comment}"\n` : '';
  return `table ip kube-proxy {\n${comment}${blocks.join('\n')}}\n`;
}

/** `nft list chain ip kube-proxy <name>`; undefined when the table has no such chain. */
export function listChain(t: NftTable, name: string): string | undefined {
  const c = t.chains.get(name);
  return c ? `table ip kube-proxy {\n${chainBlock(c)}}\n` : undefined;
}

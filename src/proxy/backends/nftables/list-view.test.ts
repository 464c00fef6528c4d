// What `nft list` prints, rule by rule and set by set: nft 1.0.6's rewrites, sorting and wrapping (verified in the
// kernel tests against the real `nft list table`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationText, listRule, listTable, priorityText } from './list-view.js';
import { tableFromScripts } from './table.js';

const rules = [
  { name: 'mark or becomes meta mark |', rule: 'mark set mark or 0x4000', want: 'meta mark set meta mark | 0x00004000' },
  { name: 'mark xor becomes meta mark ^', rule: 'mark set mark xor 0x00004000', want: 'meta mark set meta mark ^ 0x00004000' },
  { name: 'mark and == 0 gets 8-digit hex on both sides', rule: 'mark and 0x4000 == 0 return', want: 'meta mark & 0x00004000 == 0x00000000 return' },
  { name: 'a one-element anonymous set loses its braces', rule: 'ip daddr { 172.30.0.0/16 } drop comment "x"', want: 'ip daddr 172.30.0.0/16 drop comment "x"' },
  { name: 'anonymous sets are sorted by address', rule: 'ip saddr != { 203.0.113.0/25 , 192.168.0.0/24 , 5.6.7.8 } drop', want: 'ip saddr != { 5.6.7.8, 192.168.0.0/24, 203.0.113.0/25 } drop' },
  { name: 'a /32 in an anonymous set prints as an address', rule: 'ip saddr != { 1.2.3.4/32 , 10.0.0.0/8 } drop', want: 'ip saddr != { 1.2.3.4, 10.0.0.0/8 } drop' },
  { name: 'an anonymous vmap loses the space before its commas', rule: 'numgen random mod 2 vmap { 0 : goto a , 1 : goto b }', want: 'numgen random mod 2 vmap { 0 : goto a, 1 : goto b }' },
  { name: 'other rules print as written', rule: 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"', want: 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"' },
];

for (const c of rules) test(`list rule: ${c.name}`, () => assert.equal(listRule(c.rule), c.want));

const priorities = [
  { hook: 'prerouting', prio: -110, want: 'dstnat - 10' },
  { hook: 'prerouting', prio: -100, want: 'dstnat' },
  { hook: 'output', prio: -100, want: '-100' },
  { hook: 'output', prio: -110, want: '-110' },
  { hook: 'input', prio: 0, want: 'filter' },
  { hook: 'postrouting', prio: 100, want: 'srcnat' },
];

for (const c of priorities) test(`priority ${c.prio} on ${c.hook} prints as "${c.want}"`, () => assert.equal(priorityText(c.hook, c.prio), c.want));

test('durations print in nft units', () => {
  assert.deepEqual([10800, 100, 86410, 0].map(durationText), ['3h', '1m40s', '1d10s', '0s']);
});

test('elements: addresses sort numerically two per line; concatenations sort from their last byte, one per line', () => {
  const t = tableFromScripts(`add table ip kube-proxy
add chain ip kube-proxy c
add set ip kube-proxy s { type ipv4_addr ; }
add map ip kube-proxy m { type ipv4_addr . inet_proto . inet_service : verdict ; }
add element ip kube-proxy s { 10.0.0.10 }
add element ip kube-proxy s { 10.0.0.9 }
add element ip kube-proxy s { 9.0.0.1 }
add element ip kube-proxy m { 10.0.0.1 . tcp . 80 : goto c }
add element ip kube-proxy m { 10.0.0.2 . tcp . 53 : goto c }
add element ip kube-proxy m { 10.0.0.2 . udp . 53 : drop }
`);
  assert.equal(
    listTable(t),
    `table ip kube-proxy {
\tset s {
\t\ttype ipv4_addr
\t\telements = { 9.0.0.1, 10.0.0.9,
\t\t\t     10.0.0.10 }
\t}

\tmap m {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\telements = { 10.0.0.2 . tcp . 53 : goto c,
\t\t\t     10.0.0.2 . udp . 53 : drop,
\t\t\t     10.0.0.1 . tcp . 80 : goto c }
\t}

\tchain c {
\t}
}
`,
  );
});

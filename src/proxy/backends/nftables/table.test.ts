// The table state refuses what the kernel refuses, so a renderer bug fails in unit tests before the kernel tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NftScriptError, parseScript } from './script.js';
import { tableFromScripts } from './table.js';

const HEAD = 'add table ip kube-proxy\nadd chain ip kube-proxy a\nadd chain ip kube-proxy b\nadd map ip kube-proxy m { type inet_proto . inet_service : verdict ; }\n';

const refusals = [
  { name: 'a jump to a missing chain', script: 'add rule ip kube-proxy a jump nowhere', why: /missing chain nowhere/ },
  { name: 'a lookup in a missing map', script: 'add rule ip kube-proxy a meta l4proto . th dport vmap @nomap', why: /missing set nomap/ },
  { name: 'deleting a chain that still has rules', script: 'add rule ip kube-proxy b drop\ndelete chain ip kube-proxy b', why: /not empty/ },
  { name: 'deleting a chain a rule jumps to', script: 'add rule ip kube-proxy a goto b\ndelete chain ip kube-proxy b', why: /still referenced/ },
  { name: 'deleting a chain a map element jumps to', script: 'add element ip kube-proxy m { tcp . 80 : goto b }\ndelete chain ip kube-proxy b', why: /still referenced/ },
  { name: 're-adding an element with another verdict', script: 'add element ip kube-proxy m { tcp . 80 : drop }\nadd element ip kube-proxy m { tcp . 80 : goto a }', why: /another value/ },
  { name: 'deleting an element that is not there', script: 'delete element ip kube-proxy m { tcp . 81 }', why: /no element/ },
  { name: 'a set element in a map', script: 'add element ip kube-proxy m { tcp . 80 }', why: /does not fit a map/ },
  { name: 'a command outside table kube-proxy', script: 'add rule inet filter input drop', why: /not a kube-proxy table command/ },
];

for (const c of refusals)
  test(`the table refuses ${c.name}`, () => {
    assert.throws(() => tableFromScripts(HEAD + c.script), (e: Error) => e instanceof NftScriptError && c.why.test(e.message));
  });

test('re-adding an identical element, chain or set is a no-op, as in the kernel', () => {
  const t = tableFromScripts(HEAD + 'add element ip kube-proxy m { tcp . 80 : drop }\nadd element ip kube-proxy m { tcp . 80 : drop }\nadd chain ip kube-proxy a\n');
  assert.equal(t.sets.get('m')!.elements.size, 1);
  assert.deepEqual([...t.chains.keys()], ['a', 'b']);
});

test('script parsing keeps element comments and values apart', () => {
  const [c] = parseScript('add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain }');
  assert.deepEqual(c.elements, [{ key: '172.30.0.46 . tcp . 80', comment: 'ns6/svc6:p80', value: 'goto reject-chain' }]);
});

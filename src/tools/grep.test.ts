// grep over a pipeline's input: basic, extended and fixed patterns, the options that shape the output, exit codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGrep } from './grep.js';

const INPUT = 'KUBE-SVC-A  6  --  0.0.0.0/0  10.96.0.1  /* default/kubernetes:https cluster IP */ tcp dpt:443\nKUBE-SVC-B  6  --  0.0.0.0/0  10.103.193.222  /* default/my-api cluster IP */ tcp dpt:80\nKUBE-NODEPORTS  0  --  0.0.0.0/0  0.0.0.0/0  /* kubernetes service nodeports */\n';

const cases = [
  { name: 'a plain word keeps the lines containing it', args: ['my-api'], stdout: 'KUBE-SVC-B  6  --  0.0.0.0/0  10.103.193.222  /* default/my-api cluster IP */ tcp dpt:80\n', code: 0 },
  { name: 'no match prints nothing and exits 1', args: ['redis'], stdout: '', code: 1 },
  { name: '-v keeps the other lines', args: ['-v', 'KUBE-SVC'], stdout: 'KUBE-NODEPORTS  0  --  0.0.0.0/0  0.0.0.0/0  /* kubernetes service nodeports */\n', code: 0 },
  { name: '-c counts matching lines', args: ['-c', 'KUBE-SVC'], stdout: '2\n', code: 0 },
  { name: '-c with no match prints 0 and exits 1', args: ['-c', 'nothing'], stdout: '0\n', code: 1 },
  { name: '-i ignores case', args: ['-i', 'MY-API'], stdout: INPUT.split('\n')[1] + '\n', code: 0 },
  { name: 'in a basic pattern + is literal', args: ['dpt:8+'], stdout: '', code: 1 },
  { name: 'in a basic pattern \\+ repeats', args: ['dpt:4\\+3'], stdout: INPUT.split('\n')[0] + '\n', code: 0 },
  { name: '-E makes | an alternation', args: ['-E', 'my-api|nodeports'], stdout: INPUT.split('\n').slice(1, 3).join('\n') + '\n', code: 0 },
  { name: 'a basic pattern\'s | is literal', args: ['my-api|nodeports'], stdout: '', code: 1 },
  { name: '-F takes the pattern literally', args: ['-F', '10.96.0.1 '], stdout: INPUT.split('\n')[0] + '\n', code: 0 },
  { name: 'an unescaped dot matches any character', args: ['10.103.193.22.'], stdout: INPUT.split('\n')[1] + '\n', code: 0 },
  { name: 'bracket expressions keep POSIX classes', args: ['dpt:[[:digit:]][[:digit:]]$'], stdout: INPUT.split('\n')[1] + '\n', code: 0 },
  { name: '-w needs whole words', args: ['-w', 'KUBE'], stdout: INPUT, code: 0 },
  { name: '-w rejects a match inside a word', args: ['-w', 'NODEPORT'], stdout: '', code: 1 },
  { name: '-n numbers the lines', args: ['-n', 'nodeports'], stdout: '3:' + INPUT.split('\n')[2] + '\n', code: 0 },
  { name: '-q prints nothing but still exits 0 on a match', args: ['-q', 'my-api'], stdout: '', code: 0 },
  { name: '-e gives several patterns', args: ['-e', 'https', '-e', 'nodeports'], stdout: [INPUT.split('\n')[0], INPUT.split('\n')[2]].join('\n') + '\n', code: 0 },
];

for (const c of cases)
  test(`grep: ${c.name}`, () => {
    const r = runGrep(c.args, INPUT);
    assert.equal(r.stdout, c.stdout);
    assert.equal(r.exitCode, c.code);
  });

test('grep: a missing pattern is a usage error (exit 2)', () => {
  const r = runGrep([], INPUT);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /^Usage: grep/);
});

test('grep: an invalid pattern exits 2 with a message', () => {
  const r = runGrep(['-E', 'a('], INPUT);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /^grep: /);
});

test('grep: a file argument is refused, not silently ignored', () => {
  const r = runGrep(['x', '/etc/hosts'], INPUT);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /not emulated/);
});

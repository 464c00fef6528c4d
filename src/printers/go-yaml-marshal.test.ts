// Tests for the kubectl-compatible YAML encoder. Expected texts were printed by kubectl 1.32.4; when a
// kubectl is on the PATH, a last test also asks it to encode a ConfigMap of tricky strings and compares byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { YamlControlCharacterError, goYamlMarshal } from './go-yaml-marshal.js';

const configMap = (data: Record<string, string>) => ({ apiVersion: 'v1', data, kind: 'ConfigMap', metadata: { creationTimestamp: null, name: 'x' } });

test('goYamlMarshal: a ConfigMap of tricky values prints as kubectl printed it', () => {
  const data = {
    a1: 'line1\nline2\n',
    a2: 'line1\nline2',
    a3: ' lead\nx\n',
    a4: 'x\n\n',
    a5: 'tab\there',
    a6: 'trail \nx',
    long: 'This is a very long message with many words that should be folded by go-yaml at eighty columns wide okay',
    longq: '2: This is a very long message: with many words that should be folded by go-yaml at eighty columns wide okay',
    a10: 'x',
    a9: 'y',
    _u: '1',
    Bz: '2',
    e: 'é😀',
    ts: '2024-01-02T03:04:05Z',
    y: 'y',
    no: 'NO',
    hex: '0x1F',
    us: '1_000',
    b60: '10:30',
    star: '*',
    hash: 'a #b',
    empty: '',
    dash: '-',
    dots: '...x',
  };
  const want = [
    'apiVersion: v1',
    'data:',
    '  _u: "1"',
    '  Bz: "2"',
    '  a1: |',
    '    line1',
    '    line2',
    '  a2: |-',
    '    line1',
    '    line2',
    '  a3: |2',
    '     lead',
    '    x',
    '  a4: |+',
    '    x',
    '',
    '  a5: "tab\\there"',
    '  a6: "trail \\nx"',
    '  a9: "y"',
    '  a10: x',
    '  b60: "10:30"',
    "  dash: '-'",
    "  dots: '...x'",
    '  e: "é\\U0001F600"',
    '  empty: ""',
    "  hash: 'a #b'",
    '  hex: "0x1F"',
    '  long: This is a very long message with many words that should be folded by go-yaml',
    '    at eighty columns wide okay',
    "  longq: '2: This is a very long message: with many words that should be folded by",
    "    go-yaml at eighty columns wide okay'",
    '  "no": "NO"',
    "  star: '*'",
    '  ts: "2024-01-02T03:04:05Z"',
    '  us: "1_000"',
    '  "y": "y"',
    'kind: ConfigMap',
    'metadata:',
    '  creationTimestamp: null',
    '  name: x',
    '',
  ].join('\n');
  assert.equal(goYamlMarshal(configMap(data)), want);
});

const layoutCases: { name: string; input: unknown; want: string }[] = [
  {
    name: 'a sequence under a key is not indented and its mappings continue under the dash',
    input: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
    want: 'spec:\n  containers:\n  - image: nginx\n    name: web\n    ports:\n    - containerPort: 80\n',
  },
  {
    name: 'nested sequences share the dash line',
    input: { m: [['a', 'b'], []] },
    want: 'm:\n- - a\n  - b\n- []\n',
  },
  {
    name: 'empty mappings and sequences are written in flow style',
    input: { a: {}, b: [], c: [{}] },
    want: 'a: {}\nb: []\nc:\n- {}\n',
  },
  {
    name: 'null, booleans and numbers are plain; strings that read as numbers or YAML 1.1 booleans (even the key n) are double-quoted',
    input: { n: null, t: true, i: 80, f: 1.5, big: 1234567.5, tiny: 0.00001, s: '80', b: 'false', neg: -3 },
    want: 'b: "false"\nbig: 1.2345675e+06\nf: 1.5\ni: 80\n"n": null\nneg: -3\ns: "80"\nt: true\ntiny: 1e-05\n',
  },
  {
    name: 'undefined fields are dropped as in the JSON round trip',
    input: { a: undefined, b: [undefined, 1] },
    want: 'b:\n- null\n- 1\n',
  },
  {
    name: 'a multi-line string in a sequence is a literal block indented under the dash',
    input: { args: ['-c', 'echo hi\necho there\n'] },
    want: 'args:\n- -c\n- |\n  echo hi\n  echo there\n',
  },
  {
    name: 'a string containing a single quote is quoted by doubling it',
    input: { a: "- it's" },
    want: "a: '- it''s'\n",
  },
];

for (const c of layoutCases) {
  test(`goYamlMarshal: ${c.name}`, () => {
    assert.equal(goYamlMarshal(c.input), c.want);
  });
}

test('goYamlMarshal: characters the YAML reader rejects fail as kubectl fails', () => {
  assert.throws(() => goYamlMarshal({ data: { k: 'a\x7fb' } }), (e) => e instanceof YamlControlCharacterError && e.message === 'yaml: control characters are not allowed');
  assert.throws(() => goYamlMarshal({ ['k\x9f']: 'v' }), YamlControlCharacterError);
});

test('goYamlMarshal: a raw NEL folds like a line break in the re-read JSON', () => {
  assert.equal(goYamlMarshal({ a: 'x \u0085 y', b: 'x\u0085\u0085y' }), 'a: x y\nb: |-\n  x\n  y\n');
});

test('goYamlMarshal: strings encode exactly as kubectl encodes them (skipped without kubectl)', (t) => {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.skip('kubectl is not installed');
    return;
  }
  const long = 'Back-off pulling image "registry.example.com/team/app:1.2.3": ErrImagePull: rpc error: code = NotFound';
  const values = [
    "it's", 'say "hi"', 'ends with space ', ' leading space', 'colon:no-space', 'key: value', '- item', '? q', '[b', '{b', '%p', '@a',
    '`t', '!b', '&a', '|p', '>g', 'a,b', 'a#b', 'a #b', '1.5', '-1', '+1', '0o17', '0b101', '1e3', '.5', '.inf', '12:30:45', '2024-01-01',
    '2024-1-2 3:04:05', '2024-13-01', '2024-02-30', '2024-1-2T3:4:5.5+01:00', 'yes', 'Off', 'on', 'N', '~', 'null', 'true', '<<', '=',
    '123456789012345678901234567890', '0x1ffffffffffffffffff', '1e400', '-1.5e3', '+.inf', '.5e3', '0x', '-0b11', '08', '1.', '+', '1:30',
    'v1.32.0', '10.96.0.10', 'multi\nline\n', 'multi\n\nblank\n', 'ends\n\n\n',
    '\nleading newline', 'unicode ünïcödé', 'zero\u200bwidth', 'nbsp\u00a0x', 'bom\ufeffx', 'bell\x07', 'cr\rlf', 'ps\u2029 after', 'both\u2028and\nnewline', 'a\u0085b', 'a \u0085\u0085  b', 'end\u0085', '\u0085\u0085\u0085start', 'ls\u2028x',
    long, `${long} and more words to go past the second fold point of this message`, `'${long}`, `${long}\twith a tab`,
    `${long.slice(0, 78)}  two spaces`, 'x'.repeat(100) + ' y', `{"json": ${JSON.stringify(long)}}`,
  ];
  // Not "0a" with "7" and "007": go-yaml's order is cyclic for them, so kubectl's own output depends on map order.
  const keys = ['a10', 'a9', 'A1', '_x', '-x', '.x', 'x.10', 'x.9', 'x-1', 'x_1', '00', '007', '7'];
  const dir = mkdtempSync(join(tmpdir(), 'flatnet-yaml-'));
  try {
    const data: Record<string, string> = {};
    const args = ['create', 'configmap', 'x', '--dry-run=client', '-o', 'yaml'];
    const add = (key: string, value: string) => {
      data[key] = value;
      writeFileSync(join(dir, key), value);
      args.push(`--from-file=${key}=${join(dir, key)}`);
    };
    values.forEach((v, i) => add(`v${String(i).padStart(2, '0')}`, v));
    keys.forEach((k) => add(k, 'x'));
    const r = spawnSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(goYamlMarshal(configMap(data)), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

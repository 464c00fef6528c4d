// Tests for parseManifests: document numbering, Lists, JSON, YAML 1.1 scalars, and located parse problems.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { formatProblem } from './errors.js';
import { ManifestCache, parseManifests } from './manifests.js';
import { mulberry32 } from './prng.js';

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('parseManifests', () => {
  const problemCases = [
    {
      name: 'malformed YAML is reported at its document, line and column, and the other documents still parse',
      input: `${ns('a')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n   labels: {}\n`,
      want: ['web.yaml doc 2 (line 9): YAML syntax error (column 9): Nested mappings are not allowed in compact mappings'],
      docs: 1,
    },
    {
      name: 'tabs used for indentation are a syntax error on their line',
      input: 'apiVersion: v1\n\tkind: Namespace\n',
      want: ['web.yaml doc 1 (line 2): YAML syntax error (column 1): Tabs are not allowed as indentation'],
      docs: 0,
    },
    {
      name: 'a repeated mapping key is an error, as kubectl rejects it',
      input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n',
      want: ['web.yaml doc 1 (line 5): YAML syntax error (column 3): Map keys must be unique'],
      docs: 0,
    },
    {
      name: 'a document that is not a mapping says what it is instead',
      input: '- a\n- b\n---\njust text\n',
      want: [
        'web.yaml doc 1: a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata), not a list',
        'web.yaml doc 2: a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata), not a string',
      ],
      docs: 0,
    },
    {
      name: 'missing apiVersion, kind and name are all reported for the same document',
      input: 'metadata:\n  labels: {}\n',
      want: [
        'web.yaml doc 1: apiVersion: Required value',
        'web.yaml doc 1: kind: Required value',
        'web.yaml doc 1: metadata.name: Required value: name or generateName is required',
      ],
      docs: 0,
    },
    {
      name: 'a wrongly typed kind or metadata is a type error naming the expected type',
      input: 'apiVersion: v1\nkind: 3\nmetadata: [a]\n',
      want: ['web.yaml doc 1: kind: Invalid value: 3: must be of type string', 'web.yaml doc 1: metadata: Invalid value: ["a"]: must be of type object'],
      docs: 0,
    },
    {
      name: 'a name YAML reads as a boolean gets a hint to quote it, as kubectl would reject it too',
      input: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: y\n',
      want: ['web.yaml doc 1: metadata.name: Invalid value: true: must be of type string (YAML reads unquoted yes, no, on, off, y and n as booleans: quote the value)'],
      docs: 0,
    },
    {
      name: 'problems inside a List name the item and keep the List document number',
      input: `${ns('a')}---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n- kind: Service\n  metadata: {name: web}\n- 7\n`,
      want: ['web.yaml doc 2: Service web: items[1].apiVersion: Required value', 'web.yaml doc 2: items[2]: Invalid value: 7: must be of type object'],
      docs: 2,
    },
    {
      name: 'a List whose items is not a list is a type error',
      input: 'apiVersion: v1\nkind: List\nitems: {a: 1}\n',
      want: ['web.yaml doc 1: items: Invalid value: {"a":1}: must be of type array'],
      docs: 0,
    },
  ];
  for (const c of problemCases) {
    it(c.name, () => {
      const { docs, problems } = parseManifests(c.input, 'web.yaml');
      assert.deepEqual(problems.map(formatProblem), c.want);
      assert.equal(docs.length, c.docs);
    });
  }

  it('numbers documents from 1, counting empty ones, as kubectl does', () => {
    const { docs, problems } = parseManifests(`---\n# only a comment\n---\n${ns('a')}---\n---\n${ns('b')}`, 'ns.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      docs.map((d) => [d.object.metadata.name, d.source]),
      [
        ['a', { file: 'ns.yaml', doc: 2 }],
        ['b', { file: 'ns.yaml', doc: 4 }],
      ],
    );
  });

  it('expands a List into its items, which keep the List document number and their index', () => {
    const { docs, problems } = parseManifests(`${ns('a')}---\napiVersion: v1\nkind: List\nitems:\n- ${ns('b').replace(/\n(?=.)/g, '\n  ')}- ${ns('c').replace(/\n(?=.)/g, '\n  ')}`, 'l.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      docs.map((d) => [d.object.metadata.name, d.source.doc, d.item]),
      [
        ['a', 1, undefined],
        ['b', 2, 0],
        ['c', 2, 1],
      ],
    );
  });

  it('gives the items of a typed list (ServiceList) the list kind and apiVersion when they omit them', () => {
    const { docs, problems } = parseManifests('apiVersion: v1\nkind: ServiceList\nitems:\n- metadata: {name: web}\n', 'l.yaml');
    assert.deepEqual(problems, []);
    assert.deepEqual(docs[0].object, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });
  });

  it('reads a JSON file as one document and JSON documents inside a YAML stream', () => {
    const json = '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "j"}}';
    assert.deepEqual(parseManifests(json, 'ns.json').docs[0].object.metadata, { name: 'j' });
    const mixed = parseManifests(`${ns('a')}---\n${json}\n`, 'mixed.yaml');
    assert.deepEqual(
      mixed.docs.map((d) => [d.object.metadata.name, d.source.doc]),
      [
        ['a', 1],
        ['j', 2],
      ],
    );
  });

  it('decodes scalars as YAML 1.1 like kubectl: yes is a boolean and dates stay strings', () => {
    const { docs } = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  enabled: yes\n  day: 2024-01-02\n', 'c.yaml');
    assert.deepEqual(docs[0].object.data, { enabled: true, day: '2024-01-02' });
  });

  it('accepts generateName in place of a name', () => {
    const { docs, problems } = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {generateName: job-}\n', 'p.yaml');
    assert.deepEqual(problems, []);
    assert.equal(docs[0].object.metadata.generateName, 'job-');
  });

  it('returns nothing for empty input', () => {
    assert.deepEqual(parseManifests('', 'e.yaml'), { docs: [], problems: [] });
  });
});

describe('ManifestCache', () => {
  const doc = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: "${name}"${extra}\n`;
  const file = ['# leading comment', `---\n${doc('a')}`, `--- # a comment on the marker\n${doc('b')}`, `---\n${doc('c')}`].join('\n');

  it('gives what an uncached parse gives, and reuses the documents whose text did not change', () => {
    const cache = new ManifestCache();
    const first = parseManifests(file, 'f.yaml', cache);
    assert.deepEqual(first, parseManifests(file, 'f.yaml'));
    assert.deepEqual(first.docs.map((d) => [d.object.metadata.name, d.source.doc]), [['a', 1], ['b', 2], ['c', 3]]);
    const edited = file.replace('k: "b"', 'k: "B"');
    const second = parseManifests(edited, 'f.yaml', cache);
    assert.deepEqual(second, parseManifests(edited, 'f.yaml'));
    assert.equal(second.docs[0].object, first.docs[0].object, 'unchanged document a was parsed again');
    assert.equal(second.docs[2].object, first.docs[2].object, 'unchanged document c was parsed again');
    assert.notEqual(second.docs[1].object, first.docs[1].object);
    assert.equal(second.docs[1].object.data.k, 'B');
  });

  it('reports a syntax error in a later document at its line in the whole file', () => {
    const broken = file.replace(`  name: c\n`, `  name: c\n  bad: [unclosed\n`);
    // Where the yaml library puts the error when it parses the whole stream at once.
    const whole = parseAllDocuments(broken, { version: '1.1' });
    const wholeLine = (Array.isArray(whole) ? whole : []).flatMap((d) => d.errors)[0]?.linePos?.[0].line;
    assert.ok(wholeLine !== undefined);
    const cached = parseManifests(broken, 'f.yaml', new ManifestCache());
    assert.equal(cached.problems.length, 1, cached.problems.map(formatProblem).join('\n'));
    assert.equal(cached.problems[0].source?.doc, 3);
    assert.equal(cached.problems[0].source?.line, wholeLine, formatProblem(cached.problems[0]));
  });

  it('after any edit, re-splitting from the previous parse gives what a fresh parse gives', () => {
    // Random files of documents, markers with comments, block scalars holding "---", blank and broken documents; then
    // random character-level edits (insert, delete, replace), each parsed with the cache that saw the previous text.
    const rand = mulberry32(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const parts = [doc('a'), doc('b', '\n  script: |\n    ---\n    echo'), doc('c'), 'bad: [unclosed\n', '\n', '# only a comment\n', doc('d', '\n  x: "----"')];
    const markers = ['---\n', '--- # marker\n', '---\n\n', '----\n', ' ---\n'];
    const snippets = ['-', '---', '\n', '---\n', 'x', ' ', 'name: z\n', '\n---\n'];
    for (let round = 0; round < 60; round++) {
      let text = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(markers) + pick(parts)).join('');
      const cache = new ManifestCache();
      parseManifests(text, 'f.yaml', cache);
      for (let step = 0; step < 15; step++) {
        const at = Math.floor(rand() * (text.length + 1));
        const cut = Math.floor(rand() * 6);
        const edit = rand();
        text = edit < 0.4 ? text.slice(0, at) + pick(snippets) + text.slice(at) : edit < 0.7 ? text.slice(0, at) + text.slice(at + cut) : text.slice(0, at) + pick(snippets) + text.slice(at + cut);
        assert.deepEqual(parseManifests(text, 'f.yaml', cache), parseManifests(text, 'f.yaml'), `round ${round}, step ${step}: ${JSON.stringify(text)}`);
      }
    }
  });

  it('splits only at document markers, not at "---" inside a block scalar or a longer token', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  script: |\n    ---\n    echo hi\n  other: "----"\n`;
    const { docs, problems } = parseManifests(text, 's.yaml', new ManifestCache());
    assert.deepEqual(problems, []);
    assert.equal(docs.length, 1);
    assert.equal(docs[0].object.data.script, '---\necho hi\n');
  });
});

// Tests for readInputs against a real temporary directory: recursion, ordering, stdin and located problems.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatProblem } from '../../core/errors.js';
import { readInputs } from './inputs.js';

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('readInputs', () => {
  let root = '';
  const p = (...parts: string[]) => join(root, ...parts);
  const noStdin = () => Promise.reject(new Error('stdin must not be read'));

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'flatnet-inputs-'));
    mkdirSync(p('app', 'b', 'deep'), { recursive: true });
    mkdirSync(p('app', 'a'));
    mkdirSync(p('empty'));
    writeFileSync(p('app', 'z.yaml'), ns('z'));
    writeFileSync(p('app', 'b', 'deep', 'd.yml'), ns('d'));
    writeFileSync(p('app', 'b', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } }));
    writeFileSync(p('app', 'a', 'a.yaml'), `${ns('a1')}---\n${ns('a2')}`);
    writeFileSync(p('app', 'README.md'), '# not a manifest\n');
    writeFileSync(p('app', 'notes.txt'), 'kind: nonsense');
    writeFileSync(p('extra.manifest'), ns('x'));
    writeFileSync(p('bad.yaml'), `${ns('ok')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n   labels: {}\n`);
    writeFileSync(p('nameless.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {}\n');
    symlinkSync(p('app'), p('app', 'b', 'loop'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads a directory recursively, only .yaml, .yml and .json files, sorted by path', async () => {
    const r = await readInputs([p('app')], noStdin);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.docs.map((d) => d.object.metadata.name),
      ['a1', 'a2', 'c', 'd', 'z'],
    );
    assert.deepEqual(r.files, [p('app', 'a', 'a.yaml'), p('app', 'b', 'c.json'), p('app', 'b', 'deep', 'd.yml'), p('app', 'z.yaml')]);
    assert.deepEqual(r.docs[1].source, { file: p('app', 'a', 'a.yaml'), doc: 2 });
  });

  it('reads a file named explicitly whatever its extension, and a file reached twice only once', async () => {
    const r = await readInputs([p('extra.manifest'), p('app', 'z.yaml'), p('app')], noStdin);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.docs.map((d) => d.object.metadata.name),
      ['x', 'z', 'a1', 'a2', 'c', 'd'],
    );
  });

  it('reads - from stdin once, under the name <stdin>', async () => {
    let reads = 0;
    const r = await readInputs(['-', p('app', 'z.yaml'), '-'], async () => {
      reads++;
      return ns('from-stdin');
    });
    assert.equal(reads, 1);
    assert.deepEqual(
      r.docs.map((d) => [d.object.metadata.name, d.source.file]),
      [
        ['from-stdin', '<stdin>'],
        ['z', p('app', 'z.yaml')],
      ],
    );
    assert.deepEqual(r.problems.map(formatProblem), ['-: standard input can be read only once']);
    assert.deepEqual(r.files, [p('app', 'z.yaml')]);
  });

  it('collects the problems of every input at once: missing paths, empty directories and malformed documents', async () => {
    const r = await readInputs([p('missing.yaml'), p('bad.yaml'), p('empty'), p('nameless.yaml'), p('app', 'z.yaml')], noStdin);
    assert.deepEqual(r.problems.map(formatProblem), [
      `${p('missing.yaml')}: no such file or directory`,
      `${p('bad.yaml')} doc 2 (line 9): YAML syntax error (column 9): Nested mappings are not allowed in compact mappings`,
      `${p('empty')}: no manifest files in directory (recognized file extensions are .json, .yaml, .yml)`,
      `${p('nameless.yaml')} doc 1: metadata.name: Required value: name or generateName is required`,
    ]);
    assert.deepEqual(
      r.docs.map((d) => d.object.metadata.name),
      ['ok', 'z'],
    );
  });
});

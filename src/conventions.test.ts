// Presubmit checks of the house rules in ../shared/STYLE.md that a tool can check: a header sentence on every
// file, kebab-case file names, and a pure core (no node:* imports, no I/O) in core/ and controllers/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './testing/cluster.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'testdata') sources(p, out);
    } else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = [...sources(join(REPO_ROOT, 'src')), ...sources(join(REPO_ROOT, 'bench'))];

test('every source file starts with a comment saying what it is for', () => {
  const missing = files.filter((f) => !readFileSync(f, 'utf8').startsWith('// ')).map((f) => relative(REPO_ROOT, f));
  assert.deepEqual(missing, []);
});

test('file names are kebab-case', () => {
  const bad = files.map((f) => relative(REPO_ROOT, f)).filter((f) => !/^[a-z0-9-]+(\.[a-z]+)*\.ts$/.test(f.split('/').pop()!));
  assert.deepEqual(bad, []);
});

test('core and controllers import no node:* module outside tests', () => {
  const pure = files.filter((f) => /\/src\/(core|controllers)\//.test(f) && !f.endsWith('.test.ts'));
  const bad = pure.filter((f) => /from ['"]node:|require\(['"]node:/.test(readFileSync(f, 'utf8'))).map((f) => relative(REPO_ROOT, f));
  assert.deepEqual(bad, []);
});

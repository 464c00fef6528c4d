// The README's `npx flatnet ...` examples run as written (the long-running `up` is covered by up.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../testing/cluster.js';
import { runCli } from '../../testing/cli.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/**
 * Every `npx flatnet` line in a sh code block, without its trailing comment; `cat F |` becomes stdin. A comment
 * `# exit N` states the exit code the example is shown with (a denied `can`); otherwise it must exit 0.
 */
function examples(): { line: string; argv: string[]; stdinFile?: string; code: number }[] {
  const out = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      const m = /^(?:cat (\S+) \| )?npx flatnet (.*)$/.exec(line);
      const code = Number(/\s#\s*exit (\d+)\s*$/.exec(raw)?.[1] ?? 0);
      if (m) out.push({ line, argv: m[2].split(/\s+/), stdinFile: m[1], code });
    }
  return out;
}

test('the README shows flatnet examples', () => assert.ok(examples().length >= 5));

for (const ex of examples()) {
  if (ex.argv[0] === 'up') continue;
  test(`README example runs: ${ex.line}`, async () => {
    const stdin = ex.stdinFile ? readFileSync(join(REPO_ROOT, ex.stdinFile), 'utf8') : '';
    const cwd = process.cwd();
    process.chdir(REPO_ROOT);
    try {
      const r = await runCli(ex.argv, stdin);
      assert.equal(r.code, ex.code, r.stderr);
      assert.ok(r.stdout.length > 0);
    } finally {
      process.chdir(cwd);
    }
  });
}

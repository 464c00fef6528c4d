// Reads the -f inputs and builds the cluster from them: the shared first step of every offline verb.

import { InputError } from '../../core/errors.js';
import { buildCluster, BuiltCluster } from '../../controllers/cluster.js';
import { readInputs } from './inputs.js';
import type { CliIO } from './io.js';

export class UsageError extends Error {}

/**
 * Reads every input, then builds the cluster; throws InputError with every problem found. The cluster's warnings
 * (skipped kinds, implicit namespaces, ...) go to stderr as `Warning: ...`, prefixed with `warningLabel` if given.
 */
export async function loadCluster(paths: string[], io: CliIO, warningLabel?: string): Promise<BuiltCluster & { files: string[] }> {
  if (paths.length === 0) throw new UsageError('no input: give manifests with -f PATH (a file, a directory, or - for stdin); -f may repeat');
  const read = await readInputs(paths, io.readStdin);
  if (read.problems.length > 0) throw new InputError(read.problems);
  const built = buildCluster(read.docs, { clock: io.clock });
  for (const w of built.warnings) io.stderr(`Warning: ${warningLabel ? `${warningLabel}: ` : ''}${w}\n`);
  return { ...built, files: read.files };
}

// Where every offline verb gets its cluster: built from the -f inputs, or read from a live cluster with
// --kubeconfig/--context. The shared first step of get, can, matrix, test, diff, trace, dns and rules.

import { InputError } from '../../core/errors.js';
import { collectDocuments } from '../../core/documents.js';
import { buildCluster, BuiltCluster } from '../../controllers/cluster.js';
import { readInputs } from './inputs.js';
import type { CliIO } from './io.js';

export class UsageError extends Error {}

/** A live cluster could not be read (unreachable, TLS, 401, server errors, timeout): a runtime failure, exit 1. */
export class LiveClusterError extends Error {}

/** A verb's input options: manifests (-f) or a live cluster (--kubeconfig and/or --context), never both. */
export interface InputOptions {
  filename: string[];
  kubeconfig?: string;
  context?: string;
}

export interface LoadOptions {
  /** Prefix for the warning lines (diff labels its two sides). */
  warningLabel?: string;
  /**
   * With a live cluster, -f may still add flatnet's own documents (ConnectivityTest, for `test`); Kubernetes objects
   * in them are a usage error. Without this, -f beside --kubeconfig is a usage error.
   */
  flatnetDocsFromFiles?: boolean;
}

export type LoadedCluster = BuiltCluster & { files: string[] };

const isLive = (o: InputOptions) => o.kubeconfig !== undefined || o.context !== undefined;

function liveFlags(o: InputOptions): string {
  return [o.kubeconfig !== undefined ? '--kubeconfig' : '', o.context !== undefined ? '--context' : ''].filter(Boolean).join('/');
}

function combinedError(o: InputOptions): UsageError {
  return new UsageError(`-f and ${liveFlags(o)} cannot be combined: the cluster comes either from manifests (-f) or from a live cluster (--kubeconfig/--context)`);
}

/**
 * The single entry of the offline verbs: builds the cluster from `filename`, or reads the live cluster `kubeconfig`
 * and `context` name. Throws UsageError (exit 2) for -f with --kubeconfig, InputError (exit 2) for bad manifests,
 * UsageError for an unusable kubeconfig or unknown context, LiveClusterError (exit 1) when the cluster cannot be read.
 */
export async function loadInput(input: InputOptions, io: CliIO, opts: LoadOptions = {}): Promise<LoadedCluster> {
  if (!isLive(input)) return loadCluster(input.filename, io, opts.warningLabel);
  if (input.filename.length > 0 && !opts.flatnetDocsFromFiles) throw combinedError(input);
  const flatnetDocs = input.filename.length > 0 ? await readFlatnetDocs(input, io) : [];
  // The client takes over half a second to load: only live input pays for it.
  const { loadLiveCluster } = await import('./live.js');
  const live = await loadLiveCluster({ kubeconfig: input.kubeconfig, context: input.context }, io);
  return { objects: live.objects, warnings: live.warnings, config: live.config, flatnetDocs, files: input.filename };
}

/** The flatnet documents of -f beside a live cluster; a Kubernetes object or a ClusterConfig there is a usage error. */
async function readFlatnetDocs(input: InputOptions, io: CliIO) {
  const read = await readInputs(input.filename, io.readStdin);
  if (read.problems.length > 0) throw new InputError(read.problems);
  const collected = collectDocuments(read.docs);
  const clash = [...collected.objects, ...collected.flatnet.filter((d) => d.object.kind === 'ClusterConfig')];
  if (clash.length > 0) {
    const d = clash[0];
    throw new UsageError(
      `-f and ${liveFlags(input)}: ${d.source.file} doc ${d.source.doc} is a ${d.object.kind}${clash.length > 1 ? ` (and ${clash.length - 1} more)` : ''}; ` +
        'with a live cluster the objects and the cluster shape come from the server, and -f may only add ConnectivityTest documents',
    );
  }
  return collected.flatnet;
}

const LIVE_INPUT = Symbol('flatnet.liveInput');

interface LiveInputIO extends CliIO {
  [LIVE_INPUT]?: { kubeconfig?: string; context?: string; flatnetDocsFromFiles?: boolean };
}

/**
 * `io` carrying a verb's --kubeconfig/--context, so a verb that still calls loadCluster(opts.filename, io) reads the
 * live cluster. Checks -f against --kubeconfig up front. Returns `io` itself when neither flag is given.
 */
export function withLiveInput(io: CliIO, opts: { filename?: string[]; kubeconfig?: string; context?: string }, loadOpts: Pick<LoadOptions, 'flatnetDocsFromFiles'> = {}): CliIO {
  const input: InputOptions = { filename: opts.filename ?? [], kubeconfig: opts.kubeconfig, context: opts.context };
  if (!isLive(input)) return io;
  if (input.filename.length > 0 && !loadOpts.flatnetDocsFromFiles) throw combinedError(input);
  const out: LiveInputIO = { ...io, [LIVE_INPUT]: { kubeconfig: input.kubeconfig, context: input.context, ...loadOpts } };
  return out;
}

/**
 * Reads every input, then builds the cluster; throws InputError with every problem found. The cluster's warnings
 * (skipped kinds, implicit namespaces, ...) go to stderr as `Warning: ...`, prefixed with `warningLabel` if given.
 * When `io` came from withLiveInput, the live cluster is read instead (except for diff's "new" side, which is
 * always manifests).
 */
export async function loadCluster(paths: string[], io: CliIO, warningLabel?: string): Promise<LoadedCluster> {
  const live = (io as LiveInputIO)[LIVE_INPUT];
  if (live && warningLabel !== 'new') return loadInput({ filename: paths, kubeconfig: live.kubeconfig, context: live.context }, io, { warningLabel, flatnetDocsFromFiles: live.flatnetDocsFromFiles });
  if (paths.length === 0)
    throw new UsageError('no input: give manifests with -f PATH (a file, a directory, or - for stdin; -f may repeat), or read a live cluster with --kubeconfig PATH or --context NAME');
  const read = await readInputs(paths, io.readStdin);
  if (read.problems.length > 0) throw new InputError(read.problems);
  const built = buildCluster(read.docs, { clock: io.clock });
  for (const w of built.warnings) io.stderr(`Warning: ${warningLabel ? `${warningLabel}: ` : ''}${w}\n`);
  return { ...built, files: read.files };
}

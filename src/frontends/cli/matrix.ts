// `flatnet matrix`: who may reach whom — np-guard's connection list per workload (txt/json/csv/md/dot) and, in txt,
// a truth table of the pods.

import type { ClusterConfig } from '../../core/cluster-config.js';
import type { KubeObject } from '../../core/types.js';
import { CONNLIST_FORMATS, connectionList, formatConnList, truthTable } from '../../netpol/connlist.js';
import { analyzePolicies } from '../../netpol/policy-analysis.js';
import { parsePort, portProblem } from '../../netpol/references.js';
import type { Protocol } from '../../netpol/types.js';
import { checkOutput, parseProtocol } from './can.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';

export interface MatrixOptions {
  namespace?: string;
  allNamespaces?: boolean;
  /** txt (default), json, csv, md or dot. */
  output?: string;
  /** Makes the truth table exact for one port (`.`/`X`) instead of every/some/none. */
  port?: string;
  protocol?: string;
  filename: string[];
}

/** Runs `matrix`; exit 0 (the matrix is information, not a check). */
export async function runMatrix(opts: MatrixOptions, io: CliIO): Promise<number> {
  matrixArguments(opts); // checked before the input is read
  return matrixOnCluster(await loadCluster(opts.filename, io), opts, io);
}

/** The checked --output, --protocol and --port of `matrix`. */
function matrixArguments(opts: Omit<MatrixOptions, 'filename'>): { protocol: Protocol; port: number | undefined } {
  checkOutput(opts.output, CONNLIST_FORMATS);
  const protocol = parseProtocol(opts.protocol);
  let port: number | undefined;
  if (opts.port !== undefined) {
    const p = parsePort(opts.port);
    const bad = portProblem(p);
    if (typeof p !== 'number' || bad) throw new UsageError(`--port ${JSON.stringify(opts.port)}: ${bad ?? 'the truth table needs a port number (a name resolves per pod)'}`);
    port = p;
  }
  if (opts.allNamespaces && opts.namespace !== undefined) throw new UsageError('-n and -A cannot be used together');
  return { protocol, port };
}

/** `matrix` on a cluster in hand (a loaded one, or the running instance's for `--server`). */
export function matrixOnCluster(cluster: { objects: KubeObject[]; config: ClusterConfig }, opts: Omit<MatrixOptions, 'filename'>, io: CliIO): number {
  const { protocol, port } = matrixArguments(opts);
  const analysis = analyzePolicies(cluster);
  for (const w of analysis.warnings) io.stderr(`Warning: ${w}\n`);
  const namespace = opts.namespace ?? 'default';
  const matrix = analysis.engine.matrix(opts.allNamespaces ? {} : { namespaces: [namespace] });
  if (!matrix.peers.some((p) => p.kind === 'pod')) {
    io.stderr(opts.allNamespaces ? 'No pods found\n' : `No pods found in ${namespace} namespace.\n`);
    return 0;
  }
  const list = connectionList(matrix, analysis.index);
  const format = (opts.output ?? 'txt') as (typeof CONNLIST_FORMATS)[number];
  if (format !== 'txt') {
    io.stdout(formatConnList(list, format));
    return 0;
  }
  const connections = list.entries.length > 0 ? formatConnList(list, 'txt') : 'No connections are allowed.\n';
  io.stdout(`${connections}\n${truthTable(matrix, port !== undefined ? { port, protocol } : {})}`);
  return 0;
}

// `flatnet get`: kubectl's get over the modelled cluster — the same tables, names and object output.

import { ObjectStore } from '../../core/store.js';
import { parseSelector, matches, SelectorSyntaxError } from '../../core/labels.js';
import { NotFoundError } from '../../core/errors.js';
import { qualifiedSingular, RESOURCE_TYPES, resolveResourceType, ResourceType } from '../../core/resources.js';
import type { KubeObject } from '../../core/types.js';
import { printTable } from '../../printers/table-printers.js';
import type { CliIO } from './io.js';
import { loadCluster, UsageError } from './load.js';
import { formatObjects, formatTable } from './output.js';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output?: string;
  filename: string[];
  showLabels?: boolean;
  headers?: boolean;
}

const OUTPUTS = ['wide', 'yaml', 'json', 'name'];

/** Types `get all` lists, as kubectl expands the "all" category. */
const ALL_TYPES = RESOURCE_TYPES.filter((t) => t.categories.includes('all'));

/** Splits `pods,svc` or `all` into resource types; throws for an unknown one with kubectl's message. */
export function resolveTypes(arg: string): ResourceType[] {
  const out: ResourceType[] = [];
  for (const part of arg.split(',')) {
    if (part === 'all') {
      out.push(...ALL_TYPES);
      continue;
    }
    const t = resolveResourceType(part);
    if (!t) throw new UsageError(`the server doesn't have a resource type "${part}"`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Runs `get`; returns the exit code (0, or 1 when a named object is missing, as kubectl does). */
export async function runGet(typeArg: string, names: string[], opts: GetOptions, io: CliIO): Promise<number> {
  if (opts.output !== undefined && !OUTPUTS.includes(opts.output))
    throw new UsageError(`unable to match a printer suitable for the output format "${opts.output}", allowed formats are: ${OUTPUTS.join(',')}`);
  let selector;
  try {
    selector = opts.selector !== undefined ? parseSelector(opts.selector) : undefined;
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw new UsageError(e.message);
    throw e;
  }
  const types = resolveTypes(typeArg);
  if (names.length > 0 && types.length > 1) throw new UsageError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
  if (names.length > 0 && opts.allNamespaces) throw new UsageError('a resource cannot be retrieved by name across all namespaces');
  const cluster = await loadCluster(opts.filename, io);
  const store = new ObjectStore();
  store.replaceAll(cluster.objects);
  const namespace = opts.namespace ?? 'default';
  const now = io.clock.now();

  let code = 0;
  const found: { type: ResourceType; objects: KubeObject[] }[] = [];
  for (const type of types) {
    const ns = type.namespaced && !opts.allNamespaces ? namespace : undefined;
    let objects: KubeObject[];
    if (names.length > 0) {
      objects = [];
      for (const name of names) {
        const o = store.get(type.kind, type.namespaced ? namespace : undefined, name);
        if (o) objects.push(o);
        else {
          io.stderr(`Error from server (NotFound): ${new NotFoundError(type.group ? `${type.plural}.${type.group}` : type.plural, name).message}\n`);
          code = 1;
        }
      }
    } else objects = store.list(type.kind, ns);
    if (selector) objects = objects.filter((o) => matches(selector, o.metadata.labels));
    if (objects.length > 0) found.push({ type, objects });
  }

  const format = opts.output;
  if (format === 'yaml' || format === 'json' || format === 'name') {
    const all = found.flatMap((f) => f.objects);
    if (all.length > 0 || format !== 'name') {
      const single = names.length === 1 && types.length === 1 && all.length === 1;
      io.stdout(formatObjects(all, format, { single }, (o) => qualifiedSingular(resolveResourceType(o.kind)!)));
    }
  } else {
    // kubectl keeps the NAMESPACE column for every later table once a namespaced type was printed with -A
    // (so `get po,no -A` shows nodes with an empty NAMESPACE, but `get no,po -A` does not).
    let namespaceColumn = false;
    const tables = found.map(({ type, objects }) => {
      namespaceColumn ||= !!opts.allNamespaces && type.namespaced;
      return formatTable(printTable(type, objects, now), {
        wide: format === 'wide',
        withNamespace: namespaceColumn,
        noHeaders: opts.headers === false,
        showLabels: opts.showLabels,
        kindPrefix: types.length > 1 ? qualifiedSingular(type) : undefined,
      });
    });
    if (tables.length > 0) io.stdout(tables.join('\n'));
  }
  if (found.length === 0 && names.length === 0) {
    const scoped = types.every((t) => t.namespaced) && !opts.allNamespaces;
    io.stderr(scoped ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
  }
  return code;
}

// Turns Tables and objects into exactly what `kubectl get` prints: aligned tables, -o yaml/json, -o name.
// Upstream: k8s.io/cli-runtime/pkg/printers (tableprinter.go, json.go, yaml.go, name.go) and kubectl's get.go.

import { qualifiedSingular, resourceTypeOfKind } from '../../core/resources.js';
import type { KubeObject, ObjectMeta } from '../../core/types.js';
import { formatLabels } from '../../printers/cell-formats.js';
import { formatGoNumber, goJsonMarshalIndent } from '../../printers/go-json-marshal.js';
import { goYamlMarshal } from '../../printers/go-yaml-marshal.js';
import type { Table } from '../../printers/table.js';
import { tabwriter } from '../../printers/tabwriter.js';

/** How kubectl's human printer decorates a server Table. */
export interface FormatTableOptions {
  /** `-o wide`: also show priority > 0 columns. */
  wide: boolean;
  /** `-A` on a namespaced type: a NAMESPACE column first, from each row's object metadata. */
  withNamespace: boolean;
  /** `--no-headers`. Default false. */
  noHeaders?: boolean;
  /** `--show-labels`: a LABELS column last (`k=v` sorted, comma-joined, `<none>`). Default false. */
  showLabels?: boolean;
  /** Multi-type output: prefix the name column as `<kindPrefix>/<name>`, e.g. "pod", "deployment.apps". */
  kindPrefix?: string;
}

type Cell = string | number | boolean | null | undefined;

/** Cells end at the first line break, marked "..."; terminal escapes are neutralised (printers.WriteEscaped). */
function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  let text: string;
  let truncated = false;
  if (typeof cell === 'string') {
    const cut = cell.search(/[\f\n\r]/);
    truncated = cut >= 0;
    text = truncated ? cell.slice(0, cut) : cell;
  } else text = typeof cell === 'number' ? formatGoNumber(cell) : String(cell);
  text = text.replaceAll('\x1b', '^[').replaceAll('\r', '\\r');
  return truncated ? `${text}...` : text;
}

/**
 * Prints a server Table as kubectl's human-readable printer does: upper-cased headers, wide columns only with
 * `wide`, NAMESPACE/LABELS decorations and the kind prefix, aligned by a tabwriter (minwidth 6, padding 3; the last
 * column is not padded). An empty Table prints nothing, headers included; kubectl then says "No resources found"
 * on stderr, which is the caller's job.
 *
 * @example formatTable(table, { wide: false, withNamespace: false }) // "NAME   READY   STATUS    RESTARTS   AGE\nweb    1/1     Running   0          5m\n"
 */
export function formatTable(table: Table, opts: FormatTableOptions): string {
  if (table.rows.length === 0) return '';
  const columns = table.columnDefinitions;
  // decorateTable: the kind prefix goes on the first string column formatted as a name, shown or not.
  const nameColumn = opts.kindPrefix ? columns.findIndex((c) => c.format === 'name' && c.type === 'string') : -1;
  const visible = columns.map((c) => opts.wide || c.priority === 0);

  const lines: string[][] = [];
  if (!opts.noHeaders) {
    const header = columns.filter((_, i) => visible[i]).map((c) => c.name.toUpperCase());
    lines.push([...(opts.withNamespace ? ['NAMESPACE'] : []), ...header, ...(opts.showLabels ? ['LABELS'] : [])]);
  }
  for (const row of table.rows) {
    const meta: ObjectMeta | undefined = row.object?.metadata;
    const cells: Cell[] = [];
    if (opts.withNamespace) cells.push(meta ? (meta.namespace ?? '') : null);
    // Cells past the column definitions are ignored (kubernetes issue 66379).
    row.cells.slice(0, columns.length).forEach((cell: Cell, i) => {
      if (!visible[i]) return;
      cells.push(i === nameColumn ? `${opts.kindPrefix}/${cell}` : cell);
    });
    if (opts.showLabels && meta) cells.push(formatLabels(meta.labels));
    lines.push(cells.map(cellText));
  }
  return tabwriter(lines.map((cells) => cells.join('\t') + '\n').join(''));
}

/** The output formats formatObjects handles. */
export type ObjectFormat = 'yaml' | 'json' | 'name';

/** The `-o name` type part: `pod`, `deployment.apps`, `endpointslice.discovery.k8s.io`. */
function defaultQualify(o: KubeObject): string {
  const type = resourceTypeOfKind(o.kind);
  if (type) return qualifiedSingular(type);
  const slash = o.apiVersion.indexOf('/');
  const kind = o.kind.toLowerCase();
  return slash < 0 ? kind : `${kind}.${o.apiVersion.slice(0, slash)}`;
}

/**
 * Prints objects as `kubectl get -o yaml|json|name` does. With `single` (one object asked for by name, and one
 * found) the object itself is printed; otherwise a `kind: List` with `metadata.resourceVersion: ""` wraps the items.
 * Keys are sorted at every level, as kubectl's round trip through Go maps leaves them: byte order for JSON (indented
 * four spaces), go-yaml's order for YAML. `-o name` prints one `<type>/<name>` line per object, the type part from
 * `qualify` (default: qualifiedSingular of the object's kind).
 *
 * @example formatObjects([pod], 'name', { single: false }) // "pod/web\n"
 */
export function formatObjects(
  objects: KubeObject[],
  format: ObjectFormat,
  opts: { single: boolean },
  qualify: (o: KubeObject) => string = defaultQualify,
): string {
  if (format === 'name') return objects.map((o) => `${qualify(o)}/${o.metadata.name}\n`).join('');
  // kubectl's get.go: zero or several items are coerced into a v1 List whose resourceVersion is empty.
  const value = opts.single && objects.length === 1 ? objects[0] : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
  return format === 'json' ? goJsonMarshalIndent(value) + '\n' : goYamlMarshal(value);
}

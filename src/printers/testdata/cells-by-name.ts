// Test helper: a printer's row for one object as column name → cell, so tests can assert single columns.

import type { KubeObject } from '../../core/types.js';
import type { ResourcePrinter, TableCell } from '../table.js';

/** The printed row of `obj` keyed by column name. */
export function cellsByName(printer: ResourcePrinter, obj: KubeObject, now: Date): Record<string, TableCell> {
  const { cells } = printer.row(obj, now);
  return Object.fromEntries(printer.columns.map((c, i) => [c.name, cells[i]]));
}

// Column alignment as Go's text/tabwriter does it, with the settings kubectl's table printer uses.

/** Go tabwriter.NewWriter parameters (only left alignment with a non-tab pad character is modelled). */
export interface TabwriterSettings {
  /** Minimal cell width, padding included. */
  minwidth: number;
  /** Cell padding added to the widest cell of a column. */
  padding: number;
  padchar: string;
}

/**
 * kubectl's GetNewTabWriter (k8s.io/cli-runtime/pkg/printers/tabwriter.go): minwidth 6, tabwidth 4, padding 3,
 * padchar ' ', flags RememberWidths (which only matters across flushes, and kubectl flushes once per table).
 */
export const KUBECTL_TABWRITER: TabwriterSettings = { minwidth: 6, padding: 3, padchar: ' ' };

interface Cell {
  text: string;
  /** Width in runes, as tabwriter counts it. */
  width: number;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Aligns tab-terminated cells into columns. Cells end at '\t' or '\v'; lines end at '\n' or '\f'. The text after
 * the last tab of a line is not part of any column and is written unpadded. Each column block (consecutive lines
 * that have a cell in that column) is as wide as its widest cell plus padding, and at least minwidth; a line with a
 * single cell, or a '\f', ends the alignment of what precedes it.
 *
 * @example tabwriter('NAME\tAGE\nweb\t5m\n') // "NAME   AGE\nweb    5m\n"
 */
export function tabwriter(text: string, settings: TabwriterSettings = KUBECTL_TABWRITER): string {
  const out: string[] = [];
  let lines: Cell[][] = [[]];
  let cell = '';

  const flush = (): void => {
    if (cell !== '') {
      lines[lines.length - 1].push({ text: cell, width: runeCount(cell) });
      cell = '';
    }
    formatBlock(lines, 0, lines.length, [], settings, out);
    lines = [[]];
  };

  for (const ch of text) {
    if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
      const line = lines[lines.length - 1];
      line.push({ text: cell, width: runeCount(cell) });
      cell = '';
      if (ch === '\n' || ch === '\f') {
        const ncells = line.length;
        lines.push([]);
        if (ch === '\f' || ncells === 1) flush();
      }
    } else cell += ch;
  }
  flush();
  return out.join('');
}

/** tabwriter's format(): finds column blocks recursively and writes lines once all their widths are known. */
function formatBlock(lines: Cell[][], line0: number, line1: number, widths: number[], s: TabwriterSettings, out: string[]): void {
  const column = widths.length;
  for (let current = line0; current < line1; current++) {
    if (column >= lines[current].length - 1) continue;
    writeLines(lines, line0, current, widths, s, out);
    line0 = current;
    let width = s.minwidth;
    for (; current < line1; current++) {
      const line = lines[current];
      if (column >= line.length - 1) break;
      width = Math.max(width, line[column].width + s.padding);
    }
    formatBlock(lines, line0, current, [...widths, width], s, out);
    line0 = current;
  }
  writeLines(lines, line0, line1, widths, s, out);
}

function writeLines(lines: Cell[][], line0: number, line1: number, widths: number[], s: TabwriterSettings, out: string[]): void {
  for (let i = line0; i < line1; i++) {
    const line = lines[i];
    line.forEach((c, j) => {
      out.push(c.text);
      if (j < widths.length) out.push(s.padchar.repeat(Math.max(0, widths[j] - c.width)));
    });
    // The last buffered line has no newline: it is the unterminated remainder.
    if (i + 1 < lines.length) out.push('\n');
  }
}

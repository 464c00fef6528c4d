// Table-driven tests for the text/tabwriter port with kubectl's settings (minwidth 6, padding 3, ' ').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabwriter } from './tabwriter.js';

const cases: { name: string; input: string; want: string }[] = [
  {
    name: 'each column is as wide as its widest cell plus three spaces, and the last column is not padded',
    input: 'NAME\tREADY\tAGE\nweb-7d4b9c\t1/1\t5m\n',
    want: 'NAME         READY   AGE\nweb-7d4b9c   1/1     5m\n',
  },
  {
    name: 'short columns are at least six wide',
    input: 'A\tB\tC\nx\ty\tz\n',
    want: 'A     B     C\nx     y     z\n',
  },
  {
    name: 'an empty last cell leaves the previous column padded',
    input: 'NAME\tVERSION\nnode-b\t\n',
    want: 'NAME     VERSION\nnode-b   \n',
  },
  {
    name: 'an empty middle cell is padded to the column width',
    input: 'A\tADDRESS\tB\nx\t\ty\n',
    want: 'A     ADDRESS   B\nx               y\n',
  },
  {
    name: 'widths count runes, not bytes',
    input: 'é\tx\nabcdefg\ty\n',
    want: 'é         x\nabcdefg   y\n',
  },
  {
    name: 'a column block spans only the consecutive lines that have that column',
    input: 'a\tb\tc\nlonger\tx\n',
    want: 'a        b     c\nlonger   x\n',
  },
  {
    name: 'a line with a single cell ends the alignment of the lines before it',
    input: 'a\tb\nsingle\nlonger-cell\tc\n',
    want: 'a     b\nsingle\nlonger-cell   c\n',
  },
  {
    name: 'text after the last newline is written as it is',
    input: 'a\tb\ntail',
    want: 'a     b\ntail',
  },
  {
    name: 'empty input stays empty',
    input: '',
    want: '',
  },
];

for (const c of cases) {
  test(`tabwriter: ${c.name}`, () => {
    assert.equal(tabwriter(c.input), c.want);
  });
}

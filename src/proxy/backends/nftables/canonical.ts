// The canonical order upstream's nftables tests compare transactions in (helpers_test.go sortNFTablesTransaction):
// blank and `#` lines dropped; tables, then chains, rules, sets, maps, elements; by object name; rules keep
// their order within a chain, other lines sort as text.

const KIND_ORDER: Record<string, number> = { table: 0, chain: 1, rule: 2, set: 3, map: 4, element: 5 };

/** Sorts an `nft -f` transaction of `add` commands into upstream's canonical order. */
export function canonicalTransaction(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.trim());
  const keyed = lines.map((line, i) => {
    const w = line.split(' ');
    return { line, i, kind: KIND_ORDER[w[1]] ?? 6, name: w[4] ?? '', isRule: w[1] === 'rule' };
  });
  keyed.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind - b.kind;
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.isRule) return a.i - b.i;
    return a.line < b.line ? -1 : a.line > b.line ? 1 : a.i - b.i;
  });
  return keyed.map((k) => k.line).join('\n');
}

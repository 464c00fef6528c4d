// Registers the nftables backend's views for `flatnet rules`: the `nft -f` script kube-proxy loads, and what
// `nft list table ip kube-proxy` (or `nft list ruleset`, or `nft list chain`) then prints.

import { registerRulesBackend, RulesBackend, RulesRequestError } from '../registry.js';
import { listChain, listTable } from './list-view.js';
import { NftablesRenderer } from './render.js';
import { tableFromScripts } from './table.js';

export const nftablesBackend: RulesBackend = {
  mode: 'nftables',
  views: ['restore', 'list', 'save'],
  defaultView: 'restore',
  render(view, request) {
    const serviceCIDRs = request.serviceCIDRs ?? [];
    const script = new NftablesRenderer(view, { serviceCIDRs }).render();
    if (request.view === 'restore') return script;
    const table = tableFromScripts(script);
    if (request.table !== undefined && request.table !== 'kube-proxy')
      throw new RulesRequestError(`Error: No such file or directory\nlist table ip ${request.table}\n${' '.repeat(14)}${'^'.repeat(request.table.length)}`);
    if (request.chain === undefined) return listTable(table);
    const chain = listChain(table, request.chain);
    if (chain === undefined) throw new RulesRequestError(`Error: No such file or directory\nlist chain ip kube-proxy ${request.chain}\n${' '.repeat(25)}${'^'.repeat(request.chain.length)}`);
    return chain;
  },
};

registerRulesBackend(nftablesBackend);

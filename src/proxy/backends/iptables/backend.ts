// Registers the iptables backend's views: kube-proxy's restore payload, iptables-save, and iptables -L -n.

import { registerRulesBackend, RulesBackend, RulesRequestError } from '../registry.js';
import { renderJumpRules } from './jump-rules.js';
import { listView } from './list-view.js';
import { IptablesRenderer } from './render.js';
import { nodeRuleset, saveView } from './save-view.js';

export const iptablesBackend: RulesBackend = {
  mode: 'iptables',
  views: ['restore', 'save', 'list'],
  defaultView: 'restore',
  render(view, request) {
    const r = new IptablesRenderer(view);
    const payload = r.render();
    if (request.view === 'restore') return payload;
    const rs = nodeRuleset(renderJumpRules(r.options), payload);
    if (request.view === 'save') return saveView(rs, request.table ? [request.table] : undefined);
    const table = request.table ?? 'filter';
    if (!rs.has(table)) throw new RulesRequestError(`iptables v1.8.9 (nf_tables): table '${table}' does not exist`);
    try {
      return listView(rs, table, request.chain);
    } catch (e) {
      throw new RulesRequestError((e as Error).message);
    }
  },
};

registerRulesBackend(iptablesBackend);

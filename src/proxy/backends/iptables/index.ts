// The iptables backend's public surface: render (full and incremental), names, and the iptables-save and list views.

export { DEFAULT_IPTABLES_OPTIONS, IptablesRenderer, renderIptables, UPSTREAM_TEST_OPTIONS } from './render.js';
export type { IptablesOptions, IptablesUpdate } from './render.js';
export { probability } from './service-rules.js';
export { chainHash, endpointChainName, serviceChainNames } from './names.js';
export { renderJumpRules } from './jump-rules.js';
export { nodeRuleset, saveView } from './save-view.js';
export { listView } from './list-view.js';

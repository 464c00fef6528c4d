// Registers the IPVS backend's views for `flatnet rules`: `ipvsadm -Ln`, the iptables-restore payload around the
// ipsets, the ipsets themselves, and the kube-ipvs0 addresses.

import { registerRulesBackend, RulesBackend } from '../registry.js';
import { ipsetScript } from './ipsets.js';
import { renderIpvs } from './render.js';
import { dummyInterfaceView, ipvsadmView } from './views.js';

export const ipvsBackend: RulesBackend = {
  mode: 'ipvs',
  views: ['ipvsadm', 'restore', 'ipset', 'addresses'],
  defaultView: 'ipvsadm',
  render(view, request) {
    const state = renderIpvs(view);
    if (request.view === 'ipvsadm') return ipvsadmView(state);
    if (request.view === 'ipset') return ipsetScript(state.ipsets);
    if (request.view === 'addresses') return dummyInterfaceView(state);
    return state.restore;
  },
};

registerRulesBackend(ipvsBackend);

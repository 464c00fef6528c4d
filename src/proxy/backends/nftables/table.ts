// The state of table `ip kube-proxy` as the kernel holds it after `nft -f`: chains with rules, sets and maps with
// elements, in creation order (which `nft list` shows). Applying a script checks what the kernel would refuse.

import { NftCommand, NftElement, NftScriptError, NftSpec, parseScript } from './script.js';

export interface NftChainState {
  name: string;
  spec?: NftSpec;
  rules: string[];
}

export interface NftSetState {
  name: string;
  kind: 'set' | 'map';
  spec: NftSpec;
  /** Set by the kernel when an `update @set` rule first references a dynamic set (nft_dynset_init). */
  size?: number;
  /** Elements by key text. */
  elements: Map<string, NftElement>;
}

const REF = /(?:^|\s)(?:jump|goto) (\S+)|@([^\s{},]+)/g;

/** The chains and sets a rule or element value refers to. */
export function referencesOf(text: string): { chains: string[]; sets: string[] } {
  const chains: string[] = [];
  const sets: string[] = [];
  for (const m of text.matchAll(REF)) {
    if (m[1] !== undefined) chains.push(m[1]);
    else sets.push(m[2]);
  }
  return { chains, sets };
}

export class NftTable {
  exists = false;
  comment?: string;
  /** Sets and maps share one name space in creation order. */
  readonly sets = new Map<string, NftSetState>();
  readonly chains = new Map<string, NftChainState>();

  /** Parses and applies a script; throws NftScriptError on the first command the kernel would refuse. */
  applyScript(text: string): void {
    for (const c of parseScript(text)) this.apply(c);
  }

  apply(c: NftCommand): void {
    const fail = (why: string): never => {
      throw new NftScriptError(c.line, `${c.verb} ${c.kind} ${c.name}`, why);
    };
    if (c.kind === 'table') return this.applyTable(c, fail);
    if (!this.exists) fail('table ip kube-proxy does not exist');
    if (c.kind === 'chain') this.applyChain(c, fail);
    else if (c.kind === 'set' || c.kind === 'map') this.applySet(c, fail);
    else if (c.kind === 'rule') this.addRule(c.name, c.rule!, fail);
    else this.applyElements(c, fail);
  }

  private applyTable(c: NftCommand, fail: (why: string) => never): void {
    if (c.verb === 'add') {
      this.exists = true;
      if (c.spec?.comment !== undefined) this.comment = c.spec.comment;
    } else if (c.verb === 'delete') {
      if (!this.exists) fail('no such table');
      this.exists = false;
      this.comment = undefined;
      this.sets.clear();
      this.chains.clear();
    } else {
      for (const ch of this.chains.values()) ch.rules = [];
      for (const s of this.sets.values()) s.elements.clear();
    }
  }

  private applyChain(c: NftCommand, fail: (why: string) => never): void {
    const ch = this.chains.get(c.name);
    if (c.verb === 'add') {
      if (!ch) this.chains.set(c.name, { name: c.name, spec: c.spec, rules: [] });
      else if (c.spec?.hook !== undefined && (ch.spec?.hook !== c.spec.hook || ch.spec?.priority !== c.spec.priority)) fail('chain exists with another hook or priority');
      return;
    }
    if (!ch) fail('no such chain');
    if (c.verb === 'flush') ch!.rules = [];
    else {
      if (ch!.rules.length > 0) fail('chain is not empty');
      if (this.chainIsReferenced(c.name)) fail('chain is still referenced');
      this.chains.delete(c.name);
    }
  }

  private applySet(c: NftCommand, fail: (why: string) => never): void {
    const s = this.sets.get(c.name);
    if (s && s.kind !== c.kind) fail(`${c.name} is a ${s.kind}`);
    if (c.verb === 'add') {
      if (!s) {
        if (!c.spec?.type && !c.spec?.typeof) fail(`new ${c.kind} needs a type`);
        this.sets.set(c.name, { name: c.name, kind: c.kind as 'set' | 'map', spec: c.spec!, elements: new Map() });
      }
      return;
    }
    if (!s) fail(`no such ${c.kind}`);
    if (c.verb === 'flush') s!.elements.clear();
    else {
      if (this.setIsReferenced(c.name)) fail(`${c.kind} is still referenced`);
      this.sets.delete(c.name);
    }
  }

  private addRule(chain: string, rule: string, fail: (why: string) => never): void {
    const ch = this.chains.get(chain) ?? fail('no such chain');
    const refs = referencesOf(rule);
    for (const r of refs.chains) if (!this.chains.has(r)) fail(`rule jumps to missing chain ${r}`);
    for (const r of refs.sets) {
      const s = this.sets.get(r) ?? fail(`rule uses missing set ${r}`);
      if (rule.includes(`update @${r} `) && s.spec.flags?.includes('dynamic')) s.size ??= 65535;
    }
    ch.rules.push(rule);
  }

  private applyElements(c: NftCommand, fail: (why: string) => never): void {
    const s = this.sets.get(c.name) ?? fail('no such set or map');
    for (const e of c.elements!) {
      const have = s.elements.get(e.key);
      if (c.verb === 'delete') {
        if (!have) fail(`no element ${e.key}`);
        s.elements.delete(e.key);
        continue;
      }
      if ((s.kind === 'map') !== (e.value !== undefined)) fail(`element ${e.key} does not fit a ${s.kind}`);
      for (const r of referencesOf(e.value ?? '').chains) if (!this.chains.has(r)) fail(`element jumps to missing chain ${r}`);
      if (have && have.value !== e.value) fail(`element ${e.key} exists with another value`);
      if (!have) s.elements.set(e.key, e);
    }
  }

  private chainIsReferenced(name: string): boolean {
    for (const ch of this.chains.values()) for (const r of ch.rules) if (referencesOf(r).chains.includes(name)) return true;
    for (const s of this.sets.values())
      if (s.kind === 'map') for (const e of s.elements.values()) if (e.value && referencesOf(e.value).chains.includes(name)) return true;
    return false;
  }

  private setIsReferenced(name: string): boolean {
    for (const ch of this.chains.values()) for (const r of ch.rules) if (referencesOf(r).sets.includes(name)) return true;
    return false;
  }
}

/** A fresh table state after applying `scripts` in order. */
export function tableFromScripts(...scripts: string[]): NftTable {
  const t = new NftTable();
  for (const s of scripts) t.applyScript(s);
  return t;
}

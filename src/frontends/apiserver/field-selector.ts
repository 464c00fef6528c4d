// Field selectors (`--field-selector status.phase=Running,spec.nodeName=node-a`): the grammar of
// k8s.io/apimachinery/pkg/fields/selector.go and the fields each kind lets clients select on, from the registries'
// selectable-fields functions (e.g. pkg/registry/core/pod/strategy.go ToSelectableFields).

import type { KubeObject } from '../../core/types.js';
import { badRequest } from './status.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

type Getter = (o: KubeObject) => string;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

// generic.ObjectMetaFieldsSet: every kind.
const META: Record<string, Getter> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => str(o.metadata.namespace),
};

const BY_KIND: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': (o) => str(o.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
    // strconv.FormatBool: an unset hostNetwork selects as "false".
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => str(o.status?.phase),
    'status.podIP': (o) => str(o.status?.podIPs?.[0]?.ip ?? o.status?.podIP),
    'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName),
  },
  Event: {
    'involvedObject.kind': (o) => str(o.involvedObject?.kind),
    'involvedObject.namespace': (o) => str(o.involvedObject?.namespace),
    'involvedObject.name': (o) => str(o.involvedObject?.name),
    'involvedObject.uid': (o) => str(o.involvedObject?.uid),
    'involvedObject.apiVersion': (o) => str(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': (o) => str(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': (o) => str(o.involvedObject?.fieldPath),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(o.source?.component),
    type: (o) => str(o.type),
  },
  Namespace: { 'status.phase': (o) => str(o.status?.phase) },
  Node: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
  Secret: { type: (o) => str(o.type) },
  ReplicaSet: { 'status.replicas': (o) => str(o.status?.replicas ?? 0) },
  Service: { 'spec.clusterIP': (o) => str(o.spec?.clusterIP), 'spec.type': (o) => str(o.spec?.type) },
};

/** Splits at unescaped `sep` characters, keeping escapes for the next step. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/**
 * Parses a fieldSelector query value; throws a 400 Status for a malformed term or a field the kind does not support
 * (`field label not supported: <f>`, as the API server says).
 */
export function parseFieldSelector(s: string, kind: string): FieldSelector {
  const out: FieldSelector = [];
  if (s.trim() === '') return out;
  for (const term of splitUnescaped(s, ',')) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(term.trim());
    if (!m) throw badRequest(`invalid field selector: "${term}": expected an operator (=, == or !=)`);
    const field = m[1].trim();
    if (!(field in META) && !(field in (BY_KIND[kind] ?? {}))) throw badRequest(`field label not supported: ${field}`);
    out.push({ field, operator: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]) });
  }
  return out;
}

/** Whether `o` satisfies every requirement. */
export function matchesFields(sel: FieldSelector, o: KubeObject): boolean {
  for (const r of sel) {
    const get = META[r.field] ?? BY_KIND[o.kind]?.[r.field];
    const v = get ? get(o) : '';
    if ((v === r.value) !== (r.operator === '=')) return false;
  }
  return true;
}

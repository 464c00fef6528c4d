// Port numbers, IANA service names and protocols, with the messages of k8s.io/apimachinery/pkg/util/validation
// (IsValidPortNum, IsValidPortName) and pkg/apis/core/validation (ValidatePortNumOrName, supportedPortProtocols).

import { invalid, notSupported, required } from '../errors.js';
import { Errors, child, getString, Json } from './fields.js';

/** Supported protocols, sorted as sets.List sorts them in upstream messages. */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export const PORT_RANGE_MESSAGE = 'must be between 1 and 65535, inclusive';

/** IsValidPortNum: 1–65535. */
export function checkPortNumber(port: number, path: string, errs: Errors): void {
  if (port < 1 || port > 65535) errs.push(invalid(path, port, PORT_RANGE_MESSAGE));
}

/**
 * IsValidPortName (an IANA_SVC_NAME, RFC 6335): at most 15 characters of [-a-z0-9], at least one letter,
 * no leading, trailing or doubled '-'. Only lower case is allowed although RFC 6335 is case-insensitive.
 */
export function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) out.push('must not begin or end with a hyphen');
  return out;
}

/** ValidatePortNumOrName: an IntOrString that is a valid port number or IANA service name. */
export function checkPortNumOrName(v: number | string, path: string, errs: Errors): void {
  if (typeof v === 'number') checkPortNumber(v, path, errs);
  else for (const m of portNameErrors(v)) errs.push(invalid(path, v, m));
}

/**
 * Checks `protocol` on a port object. It is defaulted to TCP before validation, so a missing value is
 * Required (as upstream reports it) unless `optional` is set (NetworkPolicy ports).
 */
export function checkProtocol(port: Json, path: string, errs: Errors, optional = false): void {
  const p = getString(port, 'protocol', path, errs);
  if (p === undefined || p === '') {
    if (!optional && (port.protocol === undefined || port.protocol === null || port.protocol === '')) errs.push(required(child(path, 'protocol')));
  } else if (!(PROTOCOLS as readonly string[]).includes(p)) errs.push(notSupported(child(path, 'protocol'), p, PROTOCOLS));
}

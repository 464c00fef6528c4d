// Reading a container's image reference and command line the way the runtime and the program would.

import type { Container } from '../../../core/types.js';

/** A parsed image reference: `registry.k8s.io/e2e-test-images/agnhost:2.53` → name `agnhost`, tag `2.53`. */
export interface ImageRef {
  /** As written in the spec. */
  ref: string;
  registry: string;
  /** The repository path without the registry: `library/nginx`, `hashicorp/http-echo`. */
  path: string;
  /** The last path component: `nginx`, `http-echo`, `agnhost`. */
  name: string;
  /** The tag; `latest` when neither tag nor digest is given, as the runtime assumes. */
  tag: string;
  digest?: string;
}

/** Parses an image reference with Docker's normalisation (docker.io, library/, latest). */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) registry = parts.shift()!;
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  return { ref, registry, path, name: parts[parts.length - 1] ?? '', tag: tag || (digest ? '' : 'latest'), digest };
}

/** A concrete `x.y.z` version at the start of a tag (`1.27.3-alpine` → `1.27.3`), else undefined. */
export function concreteVersion(tag: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+)(?:$|[-+_])/.exec(tag)?.[1];
}

/**
 * The argv a container runs: Kubernetes' rule for command/args over the image's ENTRYPOINT/CMD
 * (a `command` replaces ENTRYPOINT and drops CMD; `args` replaces CMD).
 */
export function containerArgv(c: Container, image: { entrypoint: string[]; cmd: string[] }): string[] {
  const command = c.command ?? image.entrypoint;
  const args = c.args ?? (c.command ? [] : image.cmd);
  return [...command, ...args];
}

/** The value of an environment variable set literally in the container spec (valueFrom is not resolved). */
export function envValue(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

/** Parsed command-line flags: the last value of each (as Go's flag and spf13/pflag keep), and the positionals. */
export interface ParsedFlags {
  values: Map<string, string>;
  positional: string[];
}

/**
 * Parses `-name=v`, `--name=v`, `-name v`, `--name v` and bare boolean flags (`--udp`), the forms Go's flag
 * package and pflag accept for long names. `boolFlags` never take the next argument as their value.
 */
export function parseFlags(argv: readonly string[], boolFlags: readonly string[] = []): ParsedFlags {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--?([A-Za-z0-9][\w.-]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      positional.push(a);
      continue;
    }
    const [, name, inline] = m;
    if (inline !== undefined) values.set(name, inline);
    else if (boolFlags.includes(name)) values.set(name, 'true');
    else if (i + 1 < argv.length) values.set(name, argv[++i]);
    else values.set(name, '');
  }
  return { values, positional };
}

/** Whether a command line only waits (sleep, tail -f, pause, an empty loop): nothing in it opens a socket. */
export function onlyWaits(argv: readonly string[]): boolean {
  const line = argv.join(' ');
  if (argv.length === 0) return false;
  if (/(^|[\s/;&|(])(sleep|pause)(\s|$|;)/.test(line)) return true;
  if (/tail\s+-f\s+\/dev\/null/.test(line)) return true;
  return /while\s+(true|:)\s*;\s*do\s+(sleep|:)/.test(line);
}

/** A Go `host:port` listen address: `:8080` → {address 0.0.0.0, port 8080}; undefined if it does not parse. */
export function parseListenAddress(s: string): { address: string; port: number } | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(s.trim());
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const address = host === '' || host === '0.0.0.0' || host === '::' ? '0.0.0.0' : host === 'localhost' || host === '::1' ? '127.0.0.1' : host;
  return { address, port };
}

/** A port flag's value as a number in 1–65535 (or -1 where the program uses it for "off"); undefined if invalid. */
export function portNumber(v: string | undefined, allowOff = false): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  const n = Number(v);
  if (allowOff && n === -1) return -1;
  return n >= 1 && n <= 65535 ? n : undefined;
}

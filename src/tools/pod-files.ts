// The files the kubelet and the runtime put into every container that tools read: /etc/hosts
// (pkg/kubelet/kubelet_pods.go managedHostsFileContent), /etc/hostname, /etc/resolv.conf; and `cat` over them.

import type { KubeObject } from '../core/types.js';
import { formatResolvConf } from '../dns/resolv-conf.js';
import { fail, ok, type ToolContext, type ToolResult } from './tool-context.js';

/** GeneratePodHostNameAndDomain: spec.hostname or the pod name (cut to 63), and `<subdomain>.<ns>.svc.<zone>`. */
export function podHostname(pod: KubeObject, clusterDomain: string): { hostname: string; domain?: string } {
  const hostname = (pod.spec?.hostname as string | undefined) || pod.metadata.name.slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain as string | undefined;
  return sub ? { hostname, domain: `${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}` } : { hostname };
}

function hostAliases(pod: KubeObject): string {
  const aliases = (pod.spec?.hostAliases ?? []) as { ip: string; hostnames?: string[] }[];
  if (aliases.length === 0) return '';
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`).join('')}`;
}

/** A kind node's own /etc/hosts, as Docker writes it for the node container. */
export function nodeHostsFile(nodeName: string, nodeIP: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n${nodeIP}\t${nodeName}\n`;
}

/**
 * The pod's /etc/hosts: the kubelet's managed file — localhost lines, then one line per pod IP with the FQDN first
 * when the pod has a subdomain, then the HostAliases section. A hostNetwork pod gets the node's file under the
 * "(host network)" header, plus its HostAliases.
 */
export function podHostsFile(pod: KubeObject, clusterDomain: string, node?: { name: string; ip: string }): string {
  if (pod.spec?.hostNetwork === true && node) return `# Kubernetes-managed hosts file (host network).\n${nodeHostsFile(node.name, node.ip)}${hostAliases(pod)}`;
  const { hostname, domain } = podHostname(pod, clusterDomain);
  const ips = ((pod.status?.podIPs ?? []) as { ip: string }[]).map((x) => x.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  let out = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  for (const ip of ips) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliases(pod);
}

/** The files `cat` can read in a container, by path. */
export function containerFiles(ctx: ToolContext): Map<string, string> {
  return new Map([
    ['/etc/resolv.conf', formatResolvConf(ctx.resolvConf)],
    ['/etc/hosts', ctx.hostsFile],
    ['/etc/hostname', `${ctx.hostname}\n`],
  ]);
}

/** `cat FILE...` (or stdin with no file or `-`): the emulated files; anything else is reported missing as cat does. */
export function runCat(ctx: ToolContext, argv: string[]): ToolResult {
  const files = containerFiles(ctx);
  const names = argv.filter((a) => a !== '--');
  if (names.length === 0) return ok(ctx.stdin);
  let stdout = '';
  let stderr = '';
  let code = 0;
  const busybox = ctx.toolbox.nslookup === 'busybox' || ctx.toolbox.ip === 'busybox';
  for (const n of names) {
    if (n === '-') stdout += ctx.stdin;
    else if (n.startsWith('-') && n.length > 1) return fail(1, busybox ? `cat: unrecognized option '${n}'\n` : `cat: invalid option -- '${n.slice(1, 2)}'\nTry 'cat --help' for more information.\n`);
    else if (files.has(n)) stdout += files.get(n);
    else {
      // Only the kubelet's files are emulated; a container's other files are not modelled.
      stderr += `cat: ${busybox ? `can't open '${n}'` : n}: No such file or directory\n`;
      code = 1;
    }
  }
  return { stdout, stderr, exitCode: code };
}

/** `hostname` (-i: the addresses /etc/hosts gives the name; -f / -d: with the kubelet's FQDN line, if any). */
export function runHostname(ctx: ToolContext, argv: string[]): ToolResult {
  const lines = ctx.hostsFile.split('\n').map((l) => l.split('\t')).filter((f) => f.length >= 2 && f.slice(1).includes(ctx.hostname));
  const fqdn = lines[0]?.[1] ?? ctx.hostname;
  switch (argv[0]) {
    case undefined:
    case '-s':
      return ok(`${ctx.hostname}\n`);
    case '-i':
      return ok(`${lines.map((f) => f[0]).join(' ') || ctx.ip}\n`);
    case '-f':
      return ok(`${fqdn}\n`);
    case '-d':
      return ok(`${fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : ''}\n`);
    default:
      if (argv[0].startsWith('-')) return fail(2, `flatnet: hostname ${argv[0]} is not emulated\n`);
      return fail(1, 'hostname: you must be root to change the host name\n');
  }
}

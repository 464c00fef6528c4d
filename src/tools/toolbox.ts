// Which programs a container image ships, and which flavour of each (busybox applet or the full tool): the table
// `flatnet exec` consults before running anything, so `dig` in a busybox container fails as it would in a real one.

import { concreteVersion, parseImageRef, type ImageRef } from '../dataplane/sim/workloads/image-ref.js';

/** A program `flatnet exec` can emulate. `sh` is the shell that runs `sh -c '...'`. */
export type ToolName =
  | 'curl'
  | 'wget'
  | 'nslookup'
  | 'dig'
  | 'host'
  | 'nc'
  | 'ping'
  | 'ip'
  | 'cat'
  | 'hostname'
  | 'env'
  | 'printenv'
  | 'echo'
  | 'sleep'
  | 'true'
  | 'false'
  | 'sh'
  | 'bash';

/** Every tool flatnet emulates, in the order help texts list them. */
export const TOOL_NAMES: readonly ToolName[] = ['curl', 'wget', 'nslookup', 'dig', 'host', 'nc', 'ping', 'ip', 'cat', 'hostname', 'env', 'printenv', 'echo', 'sleep', 'true', 'false', 'sh', 'bash'];

/** What a container image has, and how each tool behaves there. */
export interface Toolbox {
  /** The base, as a sentence fragment: `busybox 1.36.1 (glibc)`, `Debian 12 (bookworm)`. */
  base: string;
  /** The programs on the image's PATH that flatnet emulates. */
  tools: ReadonlySet<ToolName>;
  /** The C library: decides how getaddrinfo walks the search list (src/dns/resolver.ts). */
  libc: 'glibc' | 'musl';
  /** busybox's own nslookup (queries every search domain at once) or BIND's (dig's lookup engine). */
  nslookup?: 'busybox' | 'bind';
  ip?: 'busybox' | 'iproute2';
  nc?: 'busybox' | 'openbsd';
  ping?: 'busybox' | 'iputils';
  /** The shell behind /bin/sh (busybox ash on Alpine even where bash is installed): its "not found" message differs. */
  shell?: 'ash' | 'dash' | 'bash';
  /** bash's major version where bash is installed: 4 prints `sh: x: command not found`, 5 adds `line 1:`. */
  bash?: 4 | 5;
  /** The curl version, when the image has curl: decides the User-Agent and the -v lines (src/tools/curl-verbose.ts). */
  curl?: string;
  /** The image's PATH (its config's Env), which `env` shows. */
  path: string;
}

const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BUSYBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** coreutils-level programs every shell-bearing image has. */
const CORE: ToolName[] = ['cat', 'hostname', 'env', 'printenv', 'echo', 'sleep', 'true', 'false', 'sh'];
/** busybox 1.36 defconfig applets flatnet emulates (wget, nslookup, nc, ping, ip are all in defconfig). */
const BUSYBOX_APPLETS: ToolName[] = [...CORE, 'wget', 'nslookup', 'nc', 'ping', 'ip'];

function toolbox(base: string, tools: ToolName[], rest: Omit<Toolbox, 'base' | 'tools' | 'path'> & { path?: string }): Toolbox {
  return { base, tools: new Set(tools), path: rest.path ?? DEBIAN_PATH, ...rest };
}

/** An Alpine image: busybox applets over musl, plus what `apk add` put there. */
function alpine(base: string, extra: ToolName[] = [], rest: Partial<Toolbox> = {}): Toolbox {
  return toolbox(base, [...BUSYBOX_APPLETS, ...extra], { libc: 'musl', nslookup: 'busybox', ip: 'busybox', nc: 'busybox', ping: 'busybox', shell: 'ash', path: BUSYBOX_PATH, ...rest });
}

/** A Debian or Ubuntu image: coreutils, hostname and dash, no network tools unless listed. */
function debian(base: string, extra: ToolName[] = [], rest: Partial<Toolbox> = {}): Toolbox {
  return toolbox(base, [...CORE, ...extra], { libc: 'glibc', shell: 'dash', ...rest });
}

/** Images without a shell or any tool (distroless, scratch): every exec fails to start. */
const EMPTY: Toolbox = { base: 'no shell or tools (a scratch or distroless image)', tools: new Set(), libc: 'glibc', path: DEBIAN_PATH };

/** The curl flatnet prints for an image with a recent curl whose version the tag does not say: Alpine 3.22's. */
const RECENT_CURL = '8.14.1';

interface Entry {
  /** Matches the image: by its path (`library/busybox`) and tag. */
  match: (img: ImageRef) => boolean;
  toolbox: (img: ImageRef) => Toolbox;
}

const isPath = (...paths: string[]) => (img: ImageRef) => paths.includes(img.path);
const alpineTag = (img: ImageRef) => /(^|-)alpine/.test(img.tag);

/**
 * Image → toolbox, first match wins. Each entry says where its contents come from; an image no entry matches gets
 * DEFAULT_TOOLBOX.
 */
const TABLE: Entry[] = [
  // docker-library/busybox: the unqualified tags are the glibc variant (versions.json lists glibc first); defconfig
  // enables wget, nslookup (the "big" one with its own DNS client), nc (nc-1.10 compatible), ping and ip.
  { match: isPath('library/busybox'), toolbox: (img) => toolbox(`busybox ${busyboxVersion(img)} (${/musl/.test(img.tag) ? 'musl' : /uclibc/.test(img.tag) ? 'uClibc' : 'glibc'})`, BUSYBOX_APPLETS, { libc: /musl/.test(img.tag) ? 'musl' : 'glibc', nslookup: 'busybox', ip: 'busybox', nc: 'busybox', ping: 'busybox', shell: 'ash', path: BUSYBOX_PATH }) },
  // Alpine: busybox provides every tool; no curl until `apk add curl`.
  { match: isPath('library/alpine'), toolbox: () => alpine('Alpine (busybox, musl)') },
  // curlimages/curl is Alpine plus curl (its tag is the curl version).
  { match: isPath('curlimages/curl'), toolbox: (img) => alpine('Alpine with curl (curlimages/curl)', ['curl'], { curl: concreteVersion(img.tag) ?? RECENT_CURL }) },
  // nicolaka/netshoot: Alpine with bind-tools (dig, host, nslookup), curl, netcat-openbsd, iputils, iproute2, bash.
  { match: isPath('nicolaka/netshoot'), toolbox: () => alpine('netshoot (Alpine with bind-tools, curl, iputils, iproute2, netcat-openbsd)', ['curl', 'dig', 'host', 'bash'], { nslookup: 'bind', ip: 'iproute2', nc: 'openbsd', ping: 'iputils', bash: 5, curl: RECENT_CURL }) },
  // agnhost (kubernetes test/images/agnhost/Dockerfile): Alpine + `apk add bind-tools curl netcat-openbsd iproute2 iperf bash`.
  { match: (img) => img.name === 'agnhost', toolbox: () => alpine('agnhost (Alpine with bind-tools, curl, iproute2, netcat-openbsd)', ['curl', 'dig', 'host', 'bash'], { nslookup: 'bind', ip: 'iproute2', nc: 'openbsd', bash: 5, curl: RECENT_CURL }) },
  // jessie-dnsutils / dnsutils test images: Debian with dnsutils (dig, host, nslookup) and iputils-ping.
  { match: (img) => img.name === 'jessie-dnsutils' || img.name === 'dnsutils', toolbox: () => debian('Debian with dnsutils', ['dig', 'host', 'nslookup', 'ping'], { nslookup: 'bind', ping: 'iputils' }) },
  // nginx's -alpine tags: Alpine's busybox plus curl (the Dockerfile installs curl for its own checks).
  { match: (img) => img.path === 'library/nginx' && alpineTag(img), toolbox: () => alpine('nginx on Alpine (busybox, curl)', ['curl'], { curl: RECENT_CURL }) },
  // nginx (docker-library Debian bookworm images up to 1.27): the Dockerfile's final `apt-get install ... gettext-base
  // curl` leaves curl (bookworm's 7.88.1); no ping, ip, nslookup or dig. The unpinned tags count as 1.27 here, as the
  // nginx workload does (src/dataplane/sim/workloads/nginx.ts).
  { match: isPath('library/nginx'), toolbox: () => debian('nginx on Debian 12 (bookworm)', ['curl'], { curl: '7.88.1' }) },
  // httpd (Debian): the build installs wget and libcurl only to purge them again; the image keeps no curl or wget.
  { match: (img) => img.path === 'library/httpd' && !alpineTag(img), toolbox: () => debian('httpd on Debian 12 (bookworm), no curl or wget') },
  { match: (img) => img.path === 'library/httpd', toolbox: () => alpine('httpd on Alpine (busybox)') },
  // redis (Debian): a plain Debian base; redis-cli is there but not emulated.
  { match: (img) => img.path === 'library/redis' && !alpineTag(img), toolbox: () => debian('redis on Debian 12 (bookworm)') },
  // centos:7 docker image: bash, curl 7.29.0, iputils ping and iproute; no bind-utils, nmap-ncat or wget.
  { match: isPath('library/centos'), toolbox: () => debian('CentOS 7', ['curl', 'ping', 'ip', 'bash'], { shell: 'bash', bash: 4, ping: 'iputils', ip: 'iproute2', curl: '7.29.0' }) },
  // ubuntu and debian base images: coreutils, hostname and dash only (no curl, ping, ip, wget or DNS tools).
  { match: isPath('library/ubuntu'), toolbox: () => debian('Ubuntu (no network tools)') },
  { match: isPath('library/debian'), toolbox: () => debian('Debian (no network tools)') },
  // Go programs shipped from scratch or distroless: hashicorp/http-echo, CoreDNS, the ingress-nginx admission webhook.
  { match: (img) => img.path === 'hashicorp/http-echo' || img.name === 'coredns' || img.name.startsWith('distroless') || img.path.startsWith('distroless/'), toolbox: () => EMPTY },
  // Any other image alpine-tagged: Alpine's busybox.
  { match: alpineTag, toolbox: () => alpine('an Alpine-based image (busybox)') },
];

/**
 * An image no entry knows: assumed to be built on a slim Debian base, as most application images are: a shell and
 * coreutils, no network tools. `flatnet exec` says which base it assumed when a tool is missing.
 */
export const DEFAULT_TOOLBOX: Toolbox = debian('unknown image: assumed a slim Debian base (shell and coreutils, no network tools)');

/** busybox's version from its tag: `1.36` means the newest 1.36 release, 1.36.1. */
function busyboxVersion(img: ImageRef): string {
  const exact = concreteVersion(img.tag);
  if (exact) return exact;
  const minor = /^(\d+)\.(\d+)(?:$|-)/.exec(img.tag);
  if (minor?.[1] === '1' && minor[2] === '36') return '1.36.1';
  return minor ? `${minor[1]}.${minor[2]}` : '1.36.1';
}

/** The toolbox of a container image (see TABLE for where each entry's contents come from). */
export function toolboxForImage(image: string): Toolbox {
  const img = parseImageRef(image);
  return TABLE.find((e) => e.match(img))?.toolbox(img) ?? DEFAULT_TOOLBOX;
}

/**
 * A kind node (kindest/node, Debian 12): curl 7.88.1, iproute2, bash; no ping, DNS tools or nc. Nodes resolve through
 * the node's own resolv.conf, which knows nothing of the cluster zone.
 */
export const NODE_TOOLBOX: Toolbox = debian('kind node (Debian 12)', ['curl', 'ip', 'bash'], { bash: 5, ip: 'iproute2', curl: '7.88.1' });

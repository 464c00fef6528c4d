// The `flatnet` command: parses arguments, runs a verb, and turns errors into messages and exit codes
// (0 success, 1 a runtime failure such as a missing object or a negative answer — a denied connection, a failing
// test, a diff under --exit-code — and 2 bad input or usage). Each verb's module is loaded when the verb runs, so a
// command pays only for what it uses (the API server, TLS and WebSocket libraries load only for `up`).

import { Command, CommanderError, Option } from 'commander';
import { formatProblem, InputError } from '../../core/errors.js';
import { CliIO, processIO } from './io.js';
import { LiveClusterError, UsageError, withLiveInput } from './load.js';
import { serverOption, stateOption } from './remote-options.js';

const collect = (v: string, prev: string[]) => [...prev, v];

// --kubeconfig/--context: the offline verbs read a live cluster instead of -f (load.ts withLiveInput).
const kubeconfigOption = () => new Option('--kubeconfig <path>', 'read a live cluster (read-only) with this kubeconfig instead of -f; with only --context: KUBECONFIG, then ~/.kube/config');
const contextOption = () => new Option('--context <name>', "the kubeconfig context of the live cluster (default: the kubeconfig's current-context)");

function buildProgram(io: CliIO, setCode: (c: number) => void): Command {
  const program = new Command('flatnet')
    .description('The Kubernetes network, runnable and explainable on one machine.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  program
    .command('get')
    .description('Display objects of the modelled cluster, exactly as kubectl get prints them')
    .argument('<type>', 'resource type(s): pods, svc, deploy, nodes, ... comma-separated, or all')
    .argument('[names...]', 'object names')
    .option('-n, --namespace <ns>', 'namespace', undefined)
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web,tier!=db')
    .addOption(new Option('-o, --output <format>', 'output format: wide|yaml|json|name'))
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', 'do not print headers')
    .action(async (type: string, names: string[], opts) => setCode(await (await import('./get.js')).runGet(type, names, opts, withLiveInput(io, opts))));

  program
    .command('up')
    .description('Run the cluster model as a long-lived process that re-applies when inputs change')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .option('--state <dir>', 'directory of the embedded state store', './.flatnet')
    .option('--dns <address>', 'serve the cluster DNS zone on UDP and TCP at HOST:PORT (a loopback address), or off', '127.0.0.1:10053')
    .option('--ingress <address>', 'serve the Ingress routes over HTTP at HOST:PORT (a loopback address), or off', '127.0.0.1:8080')
    .option('--ingress-tls <address>', 'serve the Ingress routes over HTTPS at HOST:PORT (certificates chosen by SNI), or off', '127.0.0.1:8443')
    .option('--node-port-address <ip>', 'listen for every NodePort on this loopback address, and on each loopback LoadBalancer IP; off for neither', '127.0.0.1')
    .option('--api <address>', 'serve the Kubernetes API (HTTPS, bearer token; kubeconfig written to <state>/kubeconfig) at HOST:PORT, or off', '127.0.0.1:6443')
    .option('--flows <file>', 'append every simulated connection (Ingress, NodePorts, LoadBalancers) to FILE as Hubble-style JSON lines')
    .action(async (opts) => {
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      setCode(await (await import('./up.js')).runUp({ filename: opts.filename, state: opts.state, dns: opts.dns, ingress: opts.ingress, ingressTls: opts.ingressTls, nodePortAddress: opts.nodePortAddress, flows: opts.flows, api: opts.api, stopped }, io));
    });

  program
    .command('can')
    .description('Whether NetworkPolicy allows a connection, and which policies, rules, peers and ports decided (exit 0 allowed, 1 denied)')
    .argument('<from>', 'source: <ns>/<pod>, <pod>, <ns>/<kind>/<name> (deploy, sts, ds, rs, pod) or an IP')
    .argument('<to>', 'destination: the same forms, or <ns>/svc/<name> (through the Service; --port is then the service port)')
    .requiredOption('--port <port>', 'destination port: a number or a port name')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .option('-n, --namespace <ns>', 'namespace of a bare <pod> reference', 'default')
    .addOption(new Option('-o, --output <format>', 'output format: txt|json'))
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .addOption(serverOption()).addOption(stateOption())
    .action(async (from: string, to: string, opts) => setCode(opts.server ? await (await import('./remote.js')).runServerQuery('can', { from, to, ...opts }, io) : await (await import('./can.js')).runCan(from, to, opts, withLiveInput(io, opts))));

  program
    .command('matrix')
    .description('Who may reach whom: the allowed connections per workload (np-guard connlist) and a truth table of pods')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'every namespace')
    .addOption(new Option('-o, --output <format>', 'output format: txt|json|csv|md|dot'))
    .option('--port <port>', 'make the truth table exact for this port number')
    .option('--protocol <protocol>', 'protocol of --port: TCP, UDP or SCTP', 'TCP')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .addOption(serverOption()).addOption(stateOption())
    .action(async (opts) => setCode(opts.server ? await (await import('./remote.js')).runServerQuery('matrix', opts, io) : await (await import('./matrix.js')).runMatrix(opts, withLiveInput(io, opts))));

  program
    .command('test')
    .description('Run the ConnectivityTest documents in the inputs (exit 0 all pass, 1 any fails)')
    .addOption(new Option('-o, --output <format>', 'output format: txt|json'))
    .option('-f, --filename <path>', 'manifests and ConnectivityTest documents: file, directory, or - (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .action(async (opts) => setCode(await (await import('./test.js')).runTest(opts, withLiveInput(io, opts, { flatnetDocsFromFiles: true }))));

  program
    .command('diff')
    .description('Connections a change adds, removes or changes, with the policies responsible (exit 0; 1 with --exit-code when any changed)')
    .option('-f, --filename <path>', 'the cluster before the change: file, directory, or - (repeatable)', collect, [])
    .option('--against <path>', 'the cluster after the change: file or directory (repeatable)', collect, [])
    .option('-n, --namespace <ns>', 'only this namespace (default: every namespace)')
    .addOption(new Option('-o, --output <format>', 'output format: txt|json|md'))
    .option('--exit-code', 'exit 1 when any connection changed, like git diff --exit-code')
    .addOption(kubeconfigOption()).addOption(contextOption())
    .action(async (opts) => setCode(await (await import('./diff.js')).runDiff(opts, withLiveInput(io, opts))));
  program
    .command('rules')
    .description("Show the service-proxy rules kube-proxy would write on a node (iptables-restore input, iptables-save, iptables -L -n), or Cilium's service table where it replaces kube-proxy")
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .option('--node <name>', "node whose rules to show (default: the cluster's first node)")
    .option('--mode <mode>', "proxy mode: iptables|nftables|ipvs, or cilium for Cilium's eBPF service table (default: the ClusterConfig proxyMode; cilium under spec.cni.kubeProxyReplacement)")
    .option('--view <view>', 'iptables: restore|save|list; nftables: restore|list|save (nft -f input, nft list table); ipvs: ipvsadm|restore|ipset|addresses; cilium: service-list')
    .option('-t, --table <table>', 'table for the save and list views (iptables: filter or nat; list defaults to filter, like iptables -L)')
    .option('--chain <chain>', 'list one chain only, like iptables -t nat -L CHAIN -n')
    .action(async (opts) => setCode(await (await import('./rules.js')).runRules(opts, withLiveInput(io, opts))));
  program
    .command('dns')
    .description('Resolve NAME as the cluster DNS answers it, or as a pod resolves it (--from): every query tried, each answer, the result (exit 0 resolved, 1 not)')
    .argument('<name>', 'the name to look up, as an application would pass it (or an address, with --type PTR)')
    .option('--type <type>', 'A, AAAA, SRV, PTR, CNAME, TXT or ANY (default: an address lookup, A and AAAA as getaddrinfo asks)')
    .option('--from <pod>', 'resolve from this pod: <ns>/<pod>, <pod>, or [<ns>/]<kind>/<name> (deploy, sts, ds, rs, pod)')
    .option('--resolver <library>', "the pod's C library: glibc or musl (Alpine)", 'glibc')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .action(async (name: string, opts) => setCode(await (await import('./dns.js')).runDns(name, opts, withLiveInput(io, opts))));
  program
    .command('exec')
    .description('Run curl, wget, nslookup, dig, host, nc, ping, ip, cat, env, ... inside a pod over the simulated network, as kubectl exec would')
    .argument('<pod>', 'POD or TYPE/NAME (deploy/debug, sts/web)')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-c, --container <name>', 'container (default: the first, as kubectl picks)')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .action(async (pod: string, command: string[], opts) => setCode(await (await import('./exec.js')).runExec({ namespace: opts.namespace, pod, container: opts.container, argv: command, filename: opts.filename }, io)));

  program
    .command('trace')
    .description('Follow one connection hop by hop: DNS, Service, NAT, CNI route, NetworkPolicy, the listening socket, the reply (exit 0 when it would succeed)')
    .argument('<from>', 'ns/pod, pod (-n), [ns/]deploy/NAME (sts, ds, rs, pod), node/NAME, external, or an IPv4 address')
    .argument('<target>', 'a DNS name, an IP, HOST:PORT, or a URL (http://my-api/path sends a GET)')
    .option('--port <port>', 'destination port (default: from the URL, else 80)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP', 'TCP')
    .option('-n, --namespace <ns>', 'namespace of a bare pod reference')
    .addOption(new Option('-o, --output <format>', 'output format: txt|json'))
    .option('--seed <n>', 'seed for the random endpoint choice of iptables/nftables mode and Cilium (deterministic either way)')
    .option('--entry-node <node>', 'for external sources: the node the packets enter')
    .option('--resolver <library>', "the source pod's resolver: glibc or musl")
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .addOption(kubeconfigOption()).addOption(contextOption())
    .addOption(serverOption()).addOption(stateOption())
    .action(async (from: string, target: string, opts) => setCode(opts.server ? await (await import('./remote.js')).runServerQuery('trace', { from, target, ...opts }, io) : await (await import('./trace.js')).runTrace({ from, target, ...opts }, withLiveInput(io, opts))));

  program
    .command('flows')
    .description('The flows a running flatnet up recorded, as hubble observe prints them; --follow streams new ones')
    .option('--server', 'ask the running flatnet up (the default: flows exist only there)')
    .addOption(stateOption())
    .option('--kubeconfig <path>', 'the kubeconfig of the running flatnet up, instead of <state>/kubeconfig')
    .option('--context <name>', "a context of that kubeconfig (default: its current-context)")
    .option('-n, --namespace <ns>', 'flows from or to this namespace')
    .option('--pod <pod>', 'flows from or to pods whose name starts with this: [ns/]name (namespace: -n, else default)')
    .option('--verdict <verdict>', 'FORWARDED, DROPPED or ERROR')
    .option('--since <time>', 'flows since a duration ago (30s, 5m, 1h30m) or an RFC 3339 time')
    .option('--last <n>', 'only the newest N matching flows of the buffer')
    .option('-f, --follow', 'keep printing new flows as they are recorded')
    .addOption(new Option('-o, --output <format>', 'output format: compact|json (GetFlowsResponse JSON lines, as hubble -o jsonpb)'))
    .option('--print-node-name', 'print the node of each flow after the time')
    .action(async (opts) => setCode(await (await import('./flows.js')).runFlows(opts, io)));

  program
    .command('node')
    .description('Node-level views over ssh, from the rendered state')
    .command('exec')
    .description('Run ip, bridge, iptables, iptables-save, nft, ipvsadm, curl, ping, nc, nslookup in a node\'s network namespace')
    .argument('<node>', 'node name')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-f, --filename <path>', 'manifest file, directory, or - for stdin (repeatable)', collect, [])
    .action(async (node: string, command: string[], opts) => setCode(await (await import('./node-exec.js')).runNodeExec({ node, command, filename: opts.filename }, io)));

  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2; // commander already printed the message
    }
    if (e instanceof InputError) {
      for (const p of e.problems) io.stderr(`${formatProblem(p)}\n`);
      io.stderr(`${e.problems.length} error(s) in the input\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof LiveClusterError) {
      io.stderr(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

// Test support for traces: a small cluster under any CNI profile and proxy mode, with a client and a server on
// node-1, a server on node-2, and Services for each case the trace tests cover (same node, across nodes, no
// endpoints, a wrong targetPort, ExternalName, NodePort, LoadBalancer), also on Cilium without kube-proxy.

const netexec = (name: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${name}}}
spec:
  nodeName: ${node}
  containers:
  - name: netexec
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080]
    ports: [{containerPort: 8080}]
---
`;

const service = (name: string, app: string, spec = '', targetPort = 8080) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: ${app}}
  ports: [{port: 80, targetPort: ${targetPort}}]
${spec}---
`;

/**
 * The trace fixture: pods `client` (curl, sleeping) and `near` on node-1, `far` on node-2 (agnhost netexec on 8080);
 * Services `near`, `far`, `wrong-port` (targetPort 9090 on near), `nobody` (no pod matches), `np` (NodePort to far),
 * `lb` (LoadBalancer to far), `ext` (ExternalName example.com). `configExtra` is appended to the ClusterConfig spec.
 */
export function traceFixtureYaml(cni: string, mode: string, proxyMode = 'iptables', configExtra = '', extraDocs = ''): string {
  return `apiVersion: flatnet/v1alpha1
kind: ClusterConfig
metadata: {name: trace}
spec:
  nodes: [{name: node-1}, {name: node-2}]
  cni: {name: ${cni}, mode: ${mode}}
  proxyMode: ${proxyMode}
${configExtra}---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec:
  nodeName: node-1
  containers:
  - {name: curl, image: 'curlimages/curl:8.8.0', command: [sleep, infinity]}
---
${netexec('near', 'node-1')}${netexec('far', 'node-2')}${service('near', 'near')}${service('far', 'far')}${service('wrong-port', 'near', '', 9090)}${service('nobody', 'nobody')}${service('np', 'far', '  type: NodePort\n')}${service('lb', 'far', '  type: LoadBalancer\n')}apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec:
  type: ExternalName
  externalName: example.com
---
${extraDocs}`;
}

/**
 * The trace fixture on Cilium with its kube-proxy replacement on (`spec.cni.kubeProxyReplacement: true`), proxyMode
 * left out as a kube-proxy-free cluster's config would; `extraDocs` are appended.
 */
export function ciliumKprFixtureYaml(mode: 'vxlan' | 'native', extraDocs = ''): string {
  const yaml = traceFixtureYaml('cilium', mode, 'iptables', '', extraDocs);
  return yaml.replace('  proxyMode: iptables\n', '').replace(`cni: {name: cilium, mode: ${mode}}`, `cni: {name: cilium, mode: ${mode}, kubeProxyReplacement: true}`);
}

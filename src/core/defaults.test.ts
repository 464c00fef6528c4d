// Tests for applyDefaults: each case is an object as written and the fields the API server would store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from './defaults.js';
import type { KubeObject } from './types.js';

const obj = (kind: string, apiVersion: string, rest: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'x' }): KubeObject =>
  ({ apiVersion, kind, metadata, ...rest }) as KubeObject;

const CONTAINER_DEFAULTS = { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' };
const POD_SPEC_DEFAULTS = { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} };
const template = (containers: unknown[]) => ({ metadata: { labels: { app: 'web' } }, spec: { containers } });

describe('applyDefaults', () => {
  const specCases: { name: string; input: KubeObject; want: unknown }[] = [
    {
      name: 'a ClusterIP Service gets type, protocol, targetPort = port, affinity, traffic policy and a single IPv4 family',
      input: obj('Service', 'v1', { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'm', port: 9090, targetPort: 'metrics' }] } }),
      want: {
        selector: { app: 'web' },
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 80 },
          { name: 'm', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
        ],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'a NodePort Service also gets externalTrafficPolicy Cluster',
      input: obj('Service', 'v1', { spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 0 }] } }),
      want: {
        type: 'NodePort',
        ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'a LoadBalancer Service allocates node ports by default and ClientIP affinity gets its 3 hour timeout',
      input: obj('Service', 'v1', { spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] } }),
      want: {
        type: 'LoadBalancer',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'a headless Service without a selector gets RequireDualStack and both families, as the registry sets them',
      input: obj('Service', 'v1', { spec: { clusterIP: 'None', ports: [{ port: 53, protocol: 'UDP' }] } }),
      want: {
        clusterIP: 'None',
        clusterIPs: ['None'],
        ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
      },
    },
    {
      name: 'a fixed clusterIP is mirrored into clusterIPs',
      input: obj('Service', 'v1', { spec: { clusterIP: '10.96.0.50', selector: { a: 'b' }, ports: [{ port: 80 }] } }),
      want: {
        clusterIP: '10.96.0.50',
        clusterIPs: ['10.96.0.50'],
        selector: { a: 'b' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'an ExternalName Service gets no IP fields and no traffic policies',
      input: obj('Service', 'v1', { spec: { type: 'ExternalName', externalName: 'db.example.com' } }),
      want: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' },
    },
    {
      name: 'a Pod gets the PodSpec and container defaults, service links, and host ports under hostNetwork',
      input: obj('Pod', 'v1', { spec: { hostNetwork: true, containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } }),
      want: {
        hostNetwork: true,
        containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 80 }], ...CONTAINER_DEFAULTS, imagePullPolicy: 'Always' }],
        ...POD_SPEC_DEFAULTS,
        enableServiceLinks: true,
      },
    },
    {
      name: 'a Deployment gets 1 replica, a 25%/25% rolling update, history 10, a 600s deadline and template defaults',
      input: obj('Deployment', 'apps/v1', { spec: { selector: { matchLabels: { app: 'web' } }, template: template([{ name: 'web', image: 'nginx:1.27' }]) } }),
      want: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ...CONTAINER_DEFAULTS }], ...POD_SPEC_DEFAULTS } },
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
    {
      name: 'a Recreate Deployment gets no rollingUpdate block',
      input: obj('Deployment', 'apps/v1', { spec: { replicas: 0, strategy: { type: 'Recreate' } } }),
      want: { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    },
    {
      name: 'a ReplicaSet gets 1 replica',
      input: obj('ReplicaSet', 'apps/v1', { spec: {} }),
      want: { replicas: 1 },
    },
    {
      name: 'a StatefulSet gets 1 replica, OrderedReady, a rolling update from partition 0 and Retain PVC policies',
      input: obj('StatefulSet', 'apps/v1', { spec: { serviceName: 'db' } }),
      want: {
        serviceName: 'db',
        replicas: 1,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        revisionHistoryLimit: 10,
      },
    },
    {
      name: 'a DaemonSet gets a rolling update of one unavailable Pod and no surge, and no replicas',
      input: obj('DaemonSet', 'apps/v1', { spec: {} }),
      want: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
    },
    {
      name: 'a NetworkPolicy without egress rules is an Ingress policy, and its ports default to TCP',
      input: obj('NetworkPolicy', 'networking.k8s.io/v1', { spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }], egress: [] } }),
      want: { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }], egress: [], policyTypes: ['Ingress'] },
    },
    {
      name: 'a NetworkPolicy with egress rules is an Ingress and Egress policy',
      input: obj('NetworkPolicy', 'networking.k8s.io/v1', { spec: { podSelector: {}, egress: [{}] } }),
      want: { podSelector: {}, egress: [{}], policyTypes: ['Ingress', 'Egress'] },
    },
    {
      name: 'explicit policyTypes are kept',
      input: obj('NetworkPolicy', 'networking.k8s.io/v1', { spec: { podSelector: {}, policyTypes: ['Egress'] } }),
      want: { podSelector: {}, policyTypes: ['Egress'] },
    },
    {
      name: 'an Ingress gets nothing',
      input: obj('Ingress', 'networking.k8s.io/v1', { spec: { rules: [{ host: 'a.example' }] } }),
      want: { rules: [{ host: 'a.example' }] },
    },
  ];
  for (const c of specCases) {
    it(c.name, () => assert.deepEqual(applyDefaults(c.input).spec, c.want));
  }

  it('puts namespaced objects without a namespace in the default namespace, or the one the caller passes', () => {
    assert.equal(applyDefaults(obj('Service', 'v1')).metadata.namespace, 'default');
    assert.equal(applyDefaults(obj('Service', 'v1'), 'shop').metadata.namespace, 'shop');
    assert.equal(applyDefaults(obj('Service', 'v1', {}, { name: 'x', namespace: 'a' }), 'shop').metadata.namespace, 'a');
  });

  it('never gives cluster-scoped kinds a namespace, and clears one written by mistake', () => {
    assert.equal('namespace' in applyDefaults(obj('Node', 'v1')).metadata, false);
    assert.equal('namespace' in applyDefaults(obj('IngressClass', 'networking.k8s.io/v1', {}, { name: 'x', namespace: 'a' })).metadata, false);
  });

  it('labels a Namespace with its own name and makes it Active', () => {
    const ns = applyDefaults(obj('Namespace', 'v1', {}, { name: 'shop', labels: { team: 'a' } }));
    assert.deepEqual(ns.metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'shop' });
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  it('folds a Secret stringData into base64 data and types it Opaque', () => {
    const s = applyDefaults(obj('Secret', 'v1', { data: { a: 'YQ==' }, stringData: { b: 'hé' } }));
    assert.deepEqual([s.type, s.data, s.stringData], ['Opaque', { a: 'YQ==', b: 'aMOp' }, undefined]);
  });

  it('defaults Endpoints and EndpointSlice port protocols', () => {
    assert.deepEqual(applyDefaults(obj('Endpoints', 'v1', { subsets: [{ ports: [{ port: 80 }] }] })).subsets, [{ ports: [{ port: 80, protocol: 'TCP' }] }]);
    assert.deepEqual(applyDefaults(obj('EndpointSlice', 'discovery.k8s.io/v1', { ports: [{ port: 80 }] })).ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  });

  it('returns a copy without null fields and leaves the input untouched', () => {
    const input = obj('Service', 'v1', { spec: { selector: null, ports: [{ port: 80 }] } });
    const before = structuredClone(input);
    const out = applyDefaults(input);
    assert.deepEqual(input, before);
    assert.equal('selector' in out.spec, false);
  });

  it('leaves fields of the wrong type for validation instead of throwing', () => {
    const input = obj('Deployment', 'apps/v1', { spec: { strategy: 'fast', template: { spec: { containers: 'web' } } } });
    assert.deepEqual(applyDefaults(input).spec.strategy, 'fast');
    assert.deepEqual(applyDefaults(obj('Service', 'v1', { spec: 7 })).spec, 7);
  });
});

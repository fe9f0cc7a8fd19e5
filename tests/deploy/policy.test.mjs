// Unit tests of policy.mjs: a small valid set of objects passes, and each rule fires on a copy broken in
// one place. Run with `node --test policy.test.mjs`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressesIn, checkPolicies, memoryBytes, natterTag, portOfAddress, selectorMatches, serviceOfHost } from './policy.mjs';

const ns = 'natter';

function configMap(name, data) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

function deployment(component, port) {
  const labels = { 'app.kubernetes.io/name': `natter-${component}` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `natter-${component}`, namespace: ns, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          containers: [
            {
              name: component,
              image: `registry.example.com/natter/${component}:1.0.0`,
              envFrom: [{ configMapRef: { name: 'natter-common' } }, { configMapRef: { name: `natter-${component}-config` } }],
              env: [{ name: 'NATTER_REDIS_URL', valueFrom: { secretKeyRef: { name: 'natter-secrets', key: 'redis-url' } } }],
              ports: [
                { name: 'grpc', containerPort: port },
                { name: 'metrics', containerPort: 9100 },
              ],
              readinessProbe: { grpc: { port } },
              livenessProbe: { grpc: { port } },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

function service(name, selectorName, port, targetPort) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': selectorName }, ports: [{ name: 'grpc', port, targetPort }] },
  };
}

function hpa(target) {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: target, namespace: ns },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 2, maxReplicas: 4 },
  };
}

function pdb(target) {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: target, namespace: ns },
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': target } } },
  };
}

function networkPolicy(name, spec) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

const byName = (name) => ({ matchLabels: { 'app.kubernetes.io/name': name } });

// A headless metrics-only Service, labelled like the base's so that a ServiceMonitor can select it.
function metricsService(name, selectorName) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/name': selectorName } },
    spec: { clusterIP: 'None', selector: { 'app.kubernetes.io/name': selectorName }, ports: [{ name: 'metrics', port: 9100, targetPort: 'metrics' }] },
  };
}

// The monitoring component's shape: one ServiceMonitor for every process, alerts, a dashboard.
function monitoring() {
  return [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'natter', namespace: ns },
      spec: {
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['natter-chat', 'natter-gateway'] }] },
        endpoints: [{ port: 'metrics', interval: '15s' }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'natter', namespace: ns },
      spec: {
        groups: [
          {
            name: 'natter.gateway',
            rules: [
              { record: 'natter:streams_open:sum', expr: 'sum(natter_gateway_streams_open)' },
              {
                alert: 'NatterSlowClientDrops',
                expr: 'sum by (pod) (rate(natter_gateway_slow_client_drops_total[5m])) > 0.1',
                for: '10m',
                labels: { severity: 'warning' },
                annotations: { summary: 'Gateway {{ $labels.pod }} drops slow clients', description: 'More than one a second.' },
              },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'natter-grafana-dashboard', namespace: ns, labels: { grafana_dashboard: '1' } },
      data: { 'natter.json': JSON.stringify({ uid: 'natter', title: 'Natter', panels: [{ targets: [{ expr: 'up' }] }] }) },
    },
  ];
}

function alertOf(find) {
  return find('PrometheusRule', 'natter').spec.groups[0].rules[1];
}

// The stream-autoscaling component's metric on the gateway's HPA.
function streamsMetric(averageValue) {
  return { type: 'Pods', pods: { metric: { name: 'natter_gateway_streams_open' }, target: { type: 'AverageValue', averageValue } } };
}

// The base's shape: deny by default, chat takes calls from the gateway, metrics from another namespace,
// and the gateway may call chat and the outside world.
function networkPolicies() {
  return [
    networkPolicy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    networkPolicy('natter-chat-ingress', {
      podSelector: byName('natter-chat'),
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: byName('natter-gateway') }], ports: [{ protocol: 'TCP', port: 50053 }] }],
    }),
    networkPolicy('natter-metrics-ingress', {
      podSelector: {
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['natter-chat', 'natter-gateway'] }],
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ protocol: 'TCP', port: 'metrics' }],
        },
      ],
    }),
    networkPolicy('natter-gateway-egress', {
      podSelector: byName('natter-gateway'),
      policyTypes: ['Egress'],
      egress: [
        { to: [{ podSelector: byName('natter-chat') }], ports: [{ protocol: 'TCP', port: 50053 }] },
        // The database outside the cluster: its port is not ours to know.
        { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'TCP', port: 3306 }] },
      ],
    }),
  ];
}

function validSet() {
  return [
    configMap('natter-common', { NATTER_METRICS_LISTEN: '0.0.0.0:9100', NATTER_DRAIN_SECONDS: '20' }),
    configMap('natter-chat-config', { NATTER_LISTEN: '0.0.0.0:50053' }),
    configMap('natter-gateway-config', {
      NATTER_LISTEN: '0.0.0.0:2019',
      NATTER_CHAT_TARGET: 'dns:///natter-chat.natter.svc.cluster.local:50053',
      // 32 MiB + 4,000 × 48 KiB = 220 MiB, within the 256Mi limit.
      NATTER_MAX_STREAMS: '4000',
    }),
    deployment('chat', 50053),
    deployment('gateway', 2019),
    service('natter-chat', 'natter-chat', 50053, 'grpc'),
    service('natter-gateway', 'natter-gateway', 2019, 2019),
    metricsService('natter-chat-metrics', 'natter-chat'),
    metricsService('natter-gateway-metrics', 'natter-gateway'),
    ...monitoring(),
    hpa('natter-chat'),
    hpa('natter-gateway'),
    pdb('natter-chat'),
    pdb('natter-gateway'),
    ...networkPolicies(),
  ];
}

const options = { externalNames: ['natter-secrets'], secretsAllowed: false };

// Applies `breakIt` to a fresh valid set and returns the policy messages.
function violations(breakIt) {
  const objects = validSet();
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  breakIt(objects, find);
  return checkPolicies(objects, options);
}

function chatContainer(find) {
  return find('Deployment', 'natter-chat').spec.template.spec.containers[0];
}

// Exactly one message, naming the object and containing `fragment`.
function assertOne(errors, object, fragment) {
  assert.equal(errors.length, 1, `expected one violation, got:\n${errors.join('\n')}`);
  assert.ok(errors[0].startsWith(`${object}: `), errors[0]);
  assert.ok(errors[0].includes(fragment), `"${errors[0]}" should mention "${fragment}"`);
}

test('the valid set passes', () => {
  assert.deepEqual(checkPolicies(validSet(), options), []);
});

test('a missing readiness probe is reported', () => {
  const errors = violations((_, find) => delete chatContainer(find).readinessProbe);
  assertOne(errors, 'Deployment/natter-chat', 'no readinessProbe');
});

test('a missing liveness probe is reported', () => {
  const errors = violations((_, find) => delete chatContainer(find).livenessProbe);
  assertOne(errors, 'Deployment/natter-chat', 'no livenessProbe');
});

test('missing limits are reported', () => {
  const errors = violations((_, find) => delete chatContainer(find).resources.limits.memory);
  assertOne(errors, 'Deployment/natter-chat', 'resources.limits.memory');
});

test('an init container without requests is reported', () => {
  const errors = violations((_, find) => {
    const spec = find('Deployment', 'natter-gateway').spec.template.spec;
    spec.initContainers = [{ ...structuredClone(spec.containers[0]), name: 'wait', ports: [], resources: { limits: { cpu: '1', memory: '1Gi' } } }];
    delete spec.initContainers[0].readinessProbe;
    delete spec.initContainers[0].livenessProbe;
    spec.initContainers[0].envFrom = [];
  });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.every((e) => e.includes('initContainer "wait" has no resources.requests')), errors.join('\n'));
});

test('running as root is reported', () => {
  const errors = violations((_, find) => {
    find('Deployment', 'natter-chat').spec.template.spec.securityContext = { runAsUser: 0 };
  });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('runAsNonRoot is not true')));
  assert.ok(errors.some((e) => e.includes('runAsUser 0')));
});

test('privilege escalation and a writable root filesystem are reported', () => {
  const errors = violations((_, find) => {
    chatContainer(find).securityContext = { capabilities: { drop: ['ALL'] } };
  });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.some((e) => e.includes('allowPrivilegeEscalation')));
  assert.ok(errors.some((e) => e.includes('readOnlyRootFilesystem')));
});

test('chat without an autoscaler is reported', () => {
  const errors = violations((objects, find) => objects.splice(objects.indexOf(find('HorizontalPodAutoscaler', 'natter-chat')), 1));
  assertOne(errors, 'Deployment/natter-chat', 'no HorizontalPodAutoscaler');
});

test('an autoscaler aimed at another Deployment does not count', () => {
  const errors = violations((_, find) => {
    find('HorizontalPodAutoscaler', 'natter-gateway').spec.scaleTargetRef.name = 'natter-gateway-old';
  });
  assertOne(errors, 'Deployment/natter-gateway', 'no HorizontalPodAutoscaler');
});

test('chat without a PodDisruptionBudget is reported', () => {
  const errors = violations((objects, find) => objects.splice(objects.indexOf(find('PodDisruptionBudget', 'natter-chat')), 1));
  assertOne(errors, 'Deployment/natter-chat', 'no PodDisruptionBudget');
});

test('a PodDisruptionBudget selecting other pods does not count', () => {
  const errors = violations((_, find) => {
    find('PodDisruptionBudget', 'natter-gateway').spec.selector.matchLabels['app.kubernetes.io/name'] = 'natter-gw';
  });
  assertOne(errors, 'Deployment/natter-gateway', 'no PodDisruptionBudget');
});

test('a Service whose selector matches no pod is reported, and so is each address that leads to it', () => {
  const errors = violations((_, find) => {
    find('Service', 'natter-chat').spec.selector = { 'app.kubernetes.io/name': 'natter-chatt' };
  });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('Service/natter-chat: ') && e.includes('matches no pod template')), errors.join('\n'));
  assert.ok(
    errors.some((e) => e.startsWith('Deployment/natter-gateway: ') && e.includes('NATTER_CHAT_TARGET') && e.includes('Service "natter-chat" selects no pod template')),
    errors.join('\n'),
  );
});

test('a LoadBalancer that hides client addresses is reported', () => {
  const ok = violations((_, find) => {
    Object.assign(find('Service', 'natter-gateway').spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  });
  assert.deepEqual(ok, []);
  const errors = violations((_, find) => {
    const spec = find('Service', 'natter-gateway').spec;
    spec.type = 'LoadBalancer';
    delete spec.clusterIP;
  });
  assertOne(errors, 'Service/natter-gateway', 'externalTrafficPolicy: Local');
});

test('a Service target port that no container declares is reported', () => {
  const errors = violations((_, find) => {
    find('Service', 'natter-gateway').spec.ports[0].targetPort = 2020;
  });
  assertOne(errors, 'Service/natter-gateway', 'targets 2020');
});

test('a grpc port that disagrees with NATTER_LISTEN is reported', () => {
  const errors = violations((_, find) => {
    find('ConfigMap', 'natter-chat-config').data.NATTER_LISTEN = '0.0.0.0:50054';
  });
  assertOne(errors, 'Deployment/natter-chat', 'NATTER_LISTEN is 0.0.0.0:50054');
});

test('env overrides envFrom when ports are compared', () => {
  const errors = violations((_, find) => {
    chatContainer(find).env.push({ name: 'NATTER_METRICS_LISTEN', value: '0.0.0.0:9200' });
  });
  assertOne(errors, 'Deployment/natter-chat', 'NATTER_METRICS_LISTEN is 0.0.0.0:9200');
});

test('a gRPC probe on another port is reported', () => {
  const errors = violations((_, find) => {
    chatContainer(find).livenessProbe = { grpc: { port: 9100 } };
  });
  assertOne(errors, 'Deployment/natter-chat', 'livenessProbe checks gRPC port 9100');
});

test('a probe on a gRPC port serving TLS is reported', () => {
  const errors = violations((_, find) => {
    chatContainer(find).env.push({ name: 'NATTER_SERVICE_CA', value: '/etc/natter/service-tls/ca.crt' });
  });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.every((e) => e.includes('Deployment/natter-chat') && e.includes('the kubelet')), errors.join('\n'));
});

test('probes on a plaintext health port pass, and must use it once it exists', () => {
  const withHealth = (find) => {
    const c = chatContainer(find);
    c.ports.push({ name: 'health', containerPort: 8081 });
    c.env.push({ name: 'NATTER_HEALTH_LISTEN', value: '0.0.0.0:8081' });
    c.env.push({ name: 'NATTER_SERVICE_CA', value: '/etc/natter/service-tls/ca.crt' });
    return c;
  };
  assert.deepEqual(
    violations((_, find) => {
      const c = withHealth(find);
      c.readinessProbe = { grpc: { port: 8081 } };
      c.livenessProbe = { grpc: { port: 8081 } };
    }),
    [],
  );
  const errors = violations((_, find) => {
    const c = withHealth(find);
    c.readinessProbe = { grpc: { port: 8081 } };
  });
  assertOne(errors, 'Deployment/natter-chat', 'livenessProbe checks gRPC port 50053, not the "health" port 8081');
});

test('a health port that disagrees with NATTER_HEALTH_LISTEN is reported', () => {
  const errors = violations((_, find) => {
    const c = chatContainer(find);
    c.ports.push({ name: 'health', containerPort: 8081 });
    c.env.push({ name: 'NATTER_HEALTH_LISTEN', value: '0.0.0.0:8082' });
    c.readinessProbe = { grpc: { port: 8081 } };
    c.livenessProbe = { grpc: { port: 8081 } };
  });
  assertOne(errors, 'Deployment/natter-chat', 'port "health" is 8081 but NATTER_HEALTH_LISTEN is 0.0.0.0:8082');
});

test('a grace period not above the drain seconds is reported', () => {
  const errors = violations((_, find) => {
    find('Deployment', 'natter-gateway').spec.template.spec.terminationGracePeriodSeconds = 20;
  });
  assertOne(errors, 'Deployment/natter-gateway', 'terminationGracePeriodSeconds 20 is not greater than NATTER_DRAIN_SECONDS 20');
});

test('a grace period not above the preStop sleep plus the drain seconds is reported', () => {
  const errors = violations((_, find) => {
    const spec = find('Deployment', 'natter-gateway').spec.template.spec;
    spec.terminationGracePeriodSeconds = 30;
    spec.containers[0].lifecycle = { preStop: { exec: { command: ['sleep', '10'] } } };
  });
  assertOne(errors, 'Deployment/natter-gateway', 'terminationGracePeriodSeconds 30 is not greater than the preStop sleep 10 plus NATTER_DRAIN_SECONDS 20');
  // The same sleep as the kubelet's own action.
  const slept = violations((_, find) => {
    const spec = find('Deployment', 'natter-gateway').spec.template.spec;
    spec.terminationGracePeriodSeconds = 25;
    spec.containers[0].lifecycle = { preStop: { sleep: { seconds: 5 } } };
  });
  assertOne(slept, 'Deployment/natter-gateway', 'the preStop sleep 5 plus NATTER_DRAIN_SECONDS 20');
});

test('a Secret where none is allowed is reported', () => {
  const errors = violations((objects) =>
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'natter-secrets', namespace: ns }, stringData: {} }),
  );
  assertOne(errors, 'Secret/natter-secrets', 'created out of band');
});

test('a reference to a ConfigMap that is not rendered is reported', () => {
  const errors = violations((objects, find) => objects.splice(objects.indexOf(find('ConfigMap', 'natter-common')), 1));
  // The metrics and drain settings vanish with it; the reference itself must be named.
  assert.ok(errors.some((e) => e.startsWith('Deployment/natter-chat: ') && e.includes('ConfigMap "natter-common"')), errors.join('\n'));
});

test('a Secret reference that is neither rendered nor external is reported', () => {
  const errors = checkPolicies(validSet(), { externalNames: [], secretsAllowed: false });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.ok(errors.every((e) => e.includes('Secret "natter-secrets"')));
});

function migrateJob(name, tag) {
  const labels = { 'app.kubernetes.io/name': 'natter-migrate' };
  const container = (component) => ({
    name: `${component}-migrate`,
    image: `registry.example.com/natter/${component}:${tag}`,
    args: ['--migrate-only'],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, labels },
    spec: {
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          initContainers: [container('auth')],
          containers: [container('chat')],
        },
      },
    },
  };
}

test('a migration Job named after its release passes where releases name Jobs', () => {
  const objects = [...validSet(), migrateJob('natter-migrate-1.0.0', '1.0.0')];
  assert.deepEqual(checkPolicies(objects, { ...options, jobsNamedByRelease: true }), []);
});

test('a migration Job whose name lacks its images\' tag is reported where releases name Jobs', () => {
  const objects = [...validSet(), migrateJob('natter-migrate', '1.0.0')];
  assert.deepEqual(checkPolicies(objects, options), [], 'dev (no jobsNamedByRelease) allows a fixed name');
  const errors = checkPolicies(objects, { ...options, jobsNamedByRelease: true });
  assert.equal(errors.length, 2, errors.join('\n')); // the auth and the chat container
  assert.ok(errors.every((e) => e.startsWith('Job/natter-migrate: ') && e.includes('"-1.0.0"')), errors.join('\n'));
});

test('helpers: addresses and selectors', () => {
  assert.equal(portOfAddress('0.0.0.0:50051'), 50051);
  assert.equal(portOfAddress('[::]:2019'), 2019);
  assert.equal(portOfAddress('localhost'), null);
  assert.equal(natterTag('registry.example.com/natter/chat:0.1.0'), '0.1.0');
  assert.equal(natterTag('natter/chat'), null);
  const labels = { 'app.kubernetes.io/name': 'natter-chat', tier: 'x' };
  assert.ok(selectorMatches({ 'app.kubernetes.io/name': 'natter-chat' }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['natter-chat'] }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels));
  assert.ok(!selectorMatches({}, labels), 'an empty selector selects nothing here');
});

// -- NetworkPolicies --

function policy(find, name) {
  return find('NetworkPolicy', name).spec;
}

test('a NetworkPolicy whose podSelector matches no pod is reported', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-chat-ingress').podSelector = byName('natter-chatt');
  });
  assertOne(errors, 'NetworkPolicy/natter-chat-ingress', 'podSelector {"matchLabels":{"app.kubernetes.io/name":"natter-chatt"}} matches no pod template');
});

test('a NetworkPolicy peer whose podSelector matches no pod is reported', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].from[0].podSelector = byName('natter-gatway');
  });
  assertOne(errors, 'NetworkPolicy/natter-chat-ingress', 'ingress[0].from[0] podSelector {"matchLabels":{"app.kubernetes.io/name":"natter-gatway"}} matches no pod template');
});

test('a misspelt value in a selector\'s In list is reported although the others match', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-metrics-ingress').podSelector.matchExpressions[0].values = ['natter-chat', 'natter-gatway'];
  });
  assertOne(errors, 'NetworkPolicy/natter-metrics-ingress', 'app.kubernetes.io/name In "natter-gatway" matches no pod template');
});

test('an ingress port that the selected pods do not declare is reported', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].ports[0].port = 50054;
  });
  assertOne(errors, 'NetworkPolicy/natter-chat-ingress', 'ingress[0] allows port 50054/TCP, which no selected pod declares');
});

test('an ingress port given by name must be a declared port name', () => {
  const ok = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].ports[0].port = 'grpc';
  });
  assert.deepEqual(ok, []);
  const errors = violations((_, find) => {
    policy(find, 'natter-metrics-ingress').ingress[0].ports[0].port = 'metric';
  });
  assertOne(errors, 'NetworkPolicy/natter-metrics-ingress', 'allows port "metric"/TCP');
});

test('an ingress port of another protocol is reported', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].ports[0].protocol = 'UDP';
  });
  assertOne(errors, 'NetworkPolicy/natter-chat-ingress', '50053/UDP');
});

test('an egress port that the peer pods do not declare is reported', () => {
  const errors = violations((_, find) => {
    policy(find, 'natter-gateway-egress').egress[0].ports[0].port = 50051;
  });
  assertOne(errors, 'NetworkPolicy/natter-gateway-egress', 'egress[0] allows port 50051/TCP, which no peer pod declares');
});

test('egress ports to peers outside the render are not checked', () => {
  const errors = violations((_, find) => {
    const egress = policy(find, 'natter-gateway-egress').egress;
    egress[0].to.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'elsewhere' } } });
    egress[0].ports[0].port = 50051;
    egress[1].ports[0].port = 1;
  });
  assert.deepEqual(errors, []);
});

test('a peer in another namespace is not looked for; in the policy\'s own namespace it is', () => {
  const other = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].from[0].namespaceSelector = {
      matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
    };
    policy(find, 'natter-chat-ingress').ingress[0].from[0].podSelector = byName('prometheus');
  });
  assert.deepEqual(other, []);
  const own = violations((_, find) => {
    policy(find, 'natter-chat-ingress').ingress[0].from[0].namespaceSelector = {
      matchLabels: { 'kubernetes.io/metadata.name': ns },
    };
    policy(find, 'natter-chat-ingress').ingress[0].from[0].podSelector = byName('prometheus');
  });
  assertOne(own, 'NetworkPolicy/natter-chat-ingress', 'matches no pod template in namespace "natter"');
});

// The Galera topology: the operator makes the database pods; Natter's pods come from the render applied
// next to it.
function galeraPolicy() {
  return networkPolicy('natter-db-ingress', {
    podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'natter-db' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: byName('natter-chat') }], ports: [{ protocol: 'TCP', port: 3306 }] }],
  });
}
const galeraPods = [{ namespace: ns, labels: { 'app.kubernetes.io/instance': 'natter-db' }, ports: [{ containerPort: 3306 }] }];

test('pods made by an operator count only when listed in externalPods, and a typo still fails', () => {
  const alongside = validSet();
  const unlisted = checkPolicies([galeraPolicy()], { alongside });
  assertOne(unlisted, 'NetworkPolicy/natter-db-ingress', 'podSelector {"matchLabels":{"app.kubernetes.io/instance":"natter-db"}} matches no pod template');
  assert.deepEqual(checkPolicies([galeraPolicy()], { alongside, externalPods: galeraPods }), []);
  const typo = galeraPolicy();
  typo.spec.podSelector.matchLabels['app.kubernetes.io/instance'] = 'natter-bd';
  assertOne(checkPolicies([typo], { alongside, externalPods: galeraPods }), 'NetworkPolicy/natter-db-ingress', 'matches no pod template');
  const port = galeraPolicy();
  port.spec.ingress[0].ports[0].port = 3307;
  assertOne(checkPolicies([port], { alongside, externalPods: galeraPods }), 'NetworkPolicy/natter-db-ingress', 'allows port 3307/TCP');
});

test('peers from the render applied alongside count, and only then', () => {
  const errors = checkPolicies([galeraPolicy()], { externalPods: galeraPods });
  assertOne(errors, 'NetworkPolicy/natter-db-ingress', 'ingress[0].from[0] podSelector');
});

// -- Service addresses in configuration --

function gatewayConfig(find) {
  return find('ConfigMap', 'natter-gateway-config').data;
}

test('a target naming a Service that is not rendered is reported', () => {
  const errors = violations((_, find) => {
    gatewayConfig(find).NATTER_CHAT_TARGET = 'dns:///natter-chatt.natter.svc.cluster.local:50053';
  });
  assertOne(errors, 'Deployment/natter-gateway', 'NATTER_CHAT_TARGET=dns:///natter-chatt.natter.svc.cluster.local:50053: no Service "natter-chatt" in namespace "natter"');
});

test('a target in the wrong namespace is reported', () => {
  const errors = violations((_, find) => {
    gatewayConfig(find).NATTER_CHAT_TARGET = 'natter-chat.default:50053';
  });
  assertOne(errors, 'Deployment/natter-gateway', 'no Service "natter-chat" in namespace "default"');
});

test('a target on a port the Service does not have is reported', () => {
  const errors = violations((_, find) => {
    gatewayConfig(find).NATTER_CHAT_TARGET = 'dns:///natter-chat.natter.svc.cluster.local:50054';
  });
  assertOne(errors, 'Deployment/natter-gateway', 'Service "natter-chat" has no port 50054 (it has 50053)');
});

test('a target whose Service port leads to no declared container port is reported', () => {
  const errors = violations((_, find) => {
    find('Service', 'natter-chat').spec.ports[0].targetPort = 'grcp';
  });
  assert.equal(errors.length, 2, errors.join('\n')); // the Service's own rule, and the address
  assert.ok(
    errors.some((e) => e.startsWith('Deployment/natter-gateway: ') && e.includes('port 50053 targets "grcp", which no pod it selects declares')),
    errors.join('\n'),
  );
});

test('short and URL-shaped addresses are checked; listen addresses, outside hosts and Secrets are not', () => {
  const short = violations((_, find) => {
    gatewayConfig(find).NATTER_CHAT_TARGET = 'natter-chat:50053';
  });
  assert.deepEqual(short, []);
  const url = violations((_, find) => {
    gatewayConfig(find).NATTER_PUBSUB_URL = 'redis://:pw@natter-redis.natter.svc.cluster.local:6379/0';
  });
  assertOne(url, 'Deployment/natter-gateway', 'NATTER_PUBSUB_URL=redis://:pw@natter-redis.natter.svc.cluster.local:6379/0: no Service "natter-redis"');
  // env from a Secret replaces what a ConfigMap gave: its value is not in the render, so it is not checked.
  const secret = violations((_, find) => {
    gatewayConfig(find).NATTER_REDIS_URL = 'redis://natter-redis:6379/0';
    find('Deployment', 'natter-gateway').spec.template.spec.containers[0].env[0].name = 'NATTER_REDIS_URL';
  });
  assert.deepEqual(secret, []);
  const outside = violations((_, find) => {
    Object.assign(gatewayConfig(find), { NATTER_UPSTREAM: 'chat.example.com:443', NATTER_PEER: '10.1.2.3:50053' });
  });
  assert.deepEqual(outside, []);
  // NAME.NAMESPACE is a Service name in the cluster's DNS; one that is not must be named as such.
  const internal = (objects, find) => (gatewayConfig(find).NATTER_DB = 'mysql.internal:3306');
  assertOne(violations(internal), 'Deployment/natter-gateway', 'no Service "mysql" in namespace "internal"');
  const objects = validSet();
  internal(objects, (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name));
  assert.deepEqual(checkPolicies(objects, { ...options, externalHosts: ['mysql.internal'] }), []);
});

test('helpers: addresses in configuration values and the Services they name', () => {
  assert.deepEqual(addressesIn('dns:///natter-chat.natter.svc.cluster.local:50053'), [
    { host: 'natter-chat.natter.svc.cluster.local', port: 50053 },
  ]);
  assert.deepEqual(addressesIn('mysql://u:p@db-0.galera:3306,db-1.galera:3306/natter'), [
    { host: 'db-0.galera', port: 3306 },
    { host: 'db-1.galera', port: 3306 },
  ]);
  assert.deepEqual(addressesIn('0.0.0.0:50051'), []);
  assert.deepEqual(addressesIn('localhost:6379'), []);
  assert.deepEqual(addressesIn('json'), []);
  assert.deepEqual(serviceOfHost('natter-auth', ns), { name: 'natter-auth', namespace: ns });
  assert.deepEqual(serviceOfHost('natter-auth.other', ns), { name: 'natter-auth', namespace: 'other' });
  assert.deepEqual(serviceOfHost('natter-auth.natter.svc', 'x'), { name: 'natter-auth', namespace: 'natter' });
  assert.deepEqual(serviceOfHost('natter-redis-0.natter-redis.natter.svc.cluster.local', 'x'), {
    name: 'natter-redis',
    namespace: 'natter',
  });
  assert.equal(serviceOfHost('chat.example.com', ns), null);
});

test('an alert without a severity, a summary, a description or a for: is reported', () => {
  const noSeverity = violations((_, find) => delete alertOf(find).labels.severity);
  assertOne(noSeverity, 'PrometheusRule/natter', 'rule NatterSlowClientDrops has severity undefined');
  const badSeverity = violations((_, find) => (alertOf(find).labels.severity = 'page'));
  assertOne(badSeverity, 'PrometheusRule/natter', 'severity "page", not one of critical, warning, info');
  const noSummary = violations((_, find) => delete alertOf(find).annotations.summary);
  assertOne(noSummary, 'PrometheusRule/natter', 'has no summary annotation');
  const blankDescription = violations((_, find) => (alertOf(find).annotations.description = '  '));
  assertOne(blankDescription, 'PrometheusRule/natter', 'has no description annotation');
  for (const breakFor of [(a) => delete a.for, (a) => (a.for = '0s')]) {
    assertOne(violations((_, find) => breakFor(alertOf(find))), 'PrometheusRule/natter', 'has no for: duration');
  }
});

test('a rule that is both an alert and a record, or has no expr, is reported', () => {
  const both = violations((_, find) => (alertOf(find).record = 'natter:drops'));
  assertOne(both, 'PrometheusRule/natter', 'exactly one of alert and record');
  const noExpr = violations((_, find) => delete find('PrometheusRule', 'natter').spec.groups[0].rules[0].expr);
  assertOne(noExpr, 'PrometheusRule/natter', 'rule natter:streams_open:sum has no expr');
});

test('a ServiceMonitor that selects no Service is reported', () => {
  const errors = violations((_, find) => {
    find('ServiceMonitor', 'natter').spec.selector = byName('natter-gateway-metric');
  });
  assertOne(errors, 'ServiceMonitor/natter', 'matches no Service in namespace "natter"');
  const elsewhere = violations((_, find) => {
    find('ServiceMonitor', 'natter').spec.namespaceSelector = { matchNames: ['natter-staging'] };
  });
  assertOne(elsewhere, 'ServiceMonitor/natter', 'matches no Service in namespace "natter-staging"');
  // Services of any namespace: not all are in the render, so nothing is looked for.
  assert.deepEqual(violations((_, find) => {
    Object.assign(find('ServiceMonitor', 'natter').spec, { namespaceSelector: { any: true }, selector: byName('x') });
  }), []);
});

test('a misspelt name in a ServiceMonitor\'s In list is reported although the others match', () => {
  const errors = violations((_, find) => {
    find('ServiceMonitor', 'natter').spec.selector.matchExpressions[0].values.push('natter-presense');
  });
  assertOne(errors, 'ServiceMonitor/natter', 'app.kubernetes.io/name In "natter-presense" matches no Service');
});

test('a ServiceMonitor endpoint on a port name no selected Service has is reported', () => {
  const errors = violations((_, find) => {
    find('ServiceMonitor', 'natter').spec.endpoints[0].port = 'http-metrics';
  });
  assertOne(errors, 'ServiceMonitor/natter', 'port "http-metrics" is not a port name of any Service it selects (they have metrics)');
  // A port of a Service the ServiceMonitor does not select (natter-chat's "grpc") does not count.
  const unselected = violations((_, find) => {
    find('ServiceMonitor', 'natter').spec.endpoints[0].port = 'grpc';
  });
  assertOne(unselected, 'ServiceMonitor/natter', 'port "grpc" is not a port name');
});

test('a dashboard ConfigMap that is not JSON, or has no query, is reported', () => {
  const errors = violations((_, find) => {
    find('ConfigMap', 'natter-grafana-dashboard').data['natter.json'] = '{"uid": "natter",';
  });
  assertOne(errors, 'ConfigMap/natter-grafana-dashboard', 'dashboard natter.json is not JSON');
  const empty = violations((_, find) => {
    find('ConfigMap', 'natter-grafana-dashboard').data['natter.json'] = JSON.stringify({ uid: 'n', title: 'N', panels: [] });
  });
  assertOne(empty, 'ConfigMap/natter-grafana-dashboard', 'has no panel with a query');
});

test('a gateway whose stream cap does not fit its memory limit is reported', () => {
  const unset = violations((_, find) => delete find('ConfigMap', 'natter-gateway-config').data.NATTER_MAX_STREAMS);
  assertOne(unset, 'Deployment/natter-gateway', 'may hold 20000 streams (NATTER_MAX_STREAMS unset)');
  const tooMany = violations((_, find) => (find('ConfigMap', 'natter-gateway-config').data.NATTER_MAX_STREAMS = '5000'));
  assertOne(tooMany, 'Deployment/natter-gateway', 'its memory limit is 256Mi');
  const raised = violations((_, find) => {
    find('ConfigMap', 'natter-gateway-config').data.NATTER_MAX_STREAMS = '5000';
    find('Deployment', 'natter-gateway').spec.template.spec.containers[0].resources.limits.memory = '1Gi';
  });
  assert.deepEqual(raised, []);
});

test('an autoscaler on streams must target fewer than the gateway\'s cap', () => {
  const below = violations((_, find) => find('HorizontalPodAutoscaler', 'natter-gateway').spec.metrics = [streamsMetric('2800')]);
  assert.deepEqual(below, []);
  for (const target of ['4000', '6000', '0']) {
    const errors = violations((_, find) => (find('HorizontalPodAutoscaler', 'natter-gateway').spec.metrics = [streamsMetric(target)]));
    assertOne(errors, 'HorizontalPodAutoscaler/natter-gateway', `targets ${target} natter_gateway_streams_open per pod, which is not below the gateway's cap NATTER_MAX_STREAMS 4000`);
  }
  const onChat = violations((_, find) => (find('HorizontalPodAutoscaler', 'natter-chat').spec.metrics = [streamsMetric('100')]));
  assertOne(onChat, 'HorizontalPodAutoscaler/natter-chat', 'Deployment/natter-chat runs no natter-gateway');
});

test('helpers: memory quantities', () => {
  assert.equal(memoryBytes('512Mi'), 512 * 2 ** 20);
  assert.equal(memoryBytes('1Gi'), 2 ** 30);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes('1048576'), 2 ** 20);
  assert.ok(Number.isNaN(memoryBytes('lots')));
  assert.ok(Number.isNaN(memoryBytes(undefined)));
});

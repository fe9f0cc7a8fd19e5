// Policy rules for Natter's rendered Kubernetes objects (the output of `kubectl kustomize`), kept apart
// from validate-k8s.mjs so that policy.test.mjs can show each rule firing on a broken copy.
//
// checkPolicies(objects, options) returns one message per violation, each naming the object and the rule;
// an empty array means the objects pass. Options:
//   externalNames:  Secret/ConfigMap names that may be referenced without being rendered, because the
//                   operator creates them out of band (prod: natter-secrets, natter-gateway-tls,
//                   natter-service-tls).
//   secretsAllowed: whether the render may contain Secret objects (only dev generates one).
//   jobsNamedByRelease: whether every Job that runs a Natter image must carry that image's tag at the
//                   end of its name (prod: a Job's pod template is immutable, so a new release needs a
//                   new Job; dev deletes its Job by hand instead).
//   alongside:      the objects of another render applied into the same namespace (the topology examples
//                   go next to prod): their pod templates count when a NetworkPolicy's selectors are matched.
//   externalPods:   pods that exist but are made by an operator, not by the render, as
//                   [{ namespace, labels, ports? }] (ports as in a container, or absent when unknown). A
//                   NetworkPolicy selector may match them; a typo in it still matches nothing.
//   externalHosts:  host names in ConfigMap addresses that are outside the cluster although they look like
//                   NAME.NAMESPACE (e.g. mysql.internal).

// A Natter image: natter/auth, registry.example.com/natter/chat:0.1.0, natter/gateway@sha256:...
const NATTER_IMAGE = /(^|\/)natter\/([a-z-]+)(:[\w.-]+)?(@sha256:[0-9a-f]+)?$/;
// Defaults of the binaries, used when a variable is not set.
const DEFAULT_DRAIN_SECONDS = 10;
const DEFAULT_GRACE_SECONDS = 30;
// natter-gateway's --max-streams when NATTER_MAX_STREAMS is not set (gateway/client_admission.h).
const DEFAULT_MAX_STREAMS = 20000;
// What one idle client stream costs natter-gateway in memory, with margin (BENCHMARKS.md, P3: 43-46 KiB
// measured), and what the process holds before its first stream (21 MiB measured, with margin).
const STREAM_BYTES = 48 * 1024;
const GATEWAY_BASE_BYTES = 32 * 1024 * 1024;
// The severities Natter's alerts use (k8s/components/monitoring/prometheus-rule.yaml): what an
// Alertmanager route can match on.
const ALERT_SEVERITIES = new Set(['critical', 'warning', 'info']);
const SERVING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const WORKLOAD_KINDS = new Set([...SERVING_KINDS, 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

export function natterComponent(image) {
  const m = NATTER_IMAGE.exec(image ?? '');
  return m ? m[2] : null;
}

// "registry.example.com/natter/chat:0.1.0" -> "0.1.0"; no tag -> null.
export function natterTag(image) {
  const m = NATTER_IMAGE.exec(image ?? '');
  return m?.[3] ? m[3].slice(1) : null;
}

// A Kubernetes memory quantity in bytes ("512Mi", "1G", "1048576"); NaN for what it cannot read.
export function memoryBytes(quantity) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity ?? ''));
  if (!m) return NaN;
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] ?? 1;
  return Number(m[1]) * unit;
}

// How long a container's preStop hook waits before SIGTERM: `sleep N` (exec) or the sleep action; 0 without.
function preStopSeconds(container) {
  const hook = container.lifecycle?.preStop;
  if (hook?.sleep?.seconds !== undefined) return Number(hook.sleep.seconds);
  const command = hook?.exec?.command ?? [];
  const at = command.findIndex((word) => word === 'sleep' || String(word).endsWith('/sleep'));
  return at >= 0 && command[at + 1] !== undefined ? Number(command[at + 1]) : 0;
}

function id(o) {
  return `${o.kind}/${o.metadata?.name ?? '?'}`;
}

function namespaceOf(o) {
  return o.metadata?.namespace ?? 'default';
}

function podTemplateOf(o) {
  if (o.kind === 'Pod') return { metadata: o.metadata, spec: o.spec };
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template;
  if (WORKLOAD_KINDS.has(o.kind)) return o.spec?.template;
  return undefined;
}

function containersOf(podSpec) {
  return [
    ...(podSpec?.initContainers ?? []).map((c) => ({ c, init: true })),
    ...(podSpec?.containers ?? []).map((c) => ({ c, init: false })),
  ];
}

// A LabelSelector (matchLabels + matchExpressions) or a plain map (a Service's selector).
export function selectorMatches(selector, labels = {}) {
  if (!selector) return false;
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const matchLabels = isLabelSelector ? (selector.matchLabels ?? {}) : selector;
  const expressions = isLabelSelector ? (selector.matchExpressions ?? []) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of expressions) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'In' ? has && e.values.includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !e.values.includes(labels[e.key])
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

// The container's environment as the kubelet builds it: envFrom in order, then env on top. Values from
// ConfigMaps in the render are resolved; other sources (Secrets, fieldRef) give null.
export function resolveEnv(container, namespace, configMaps) {
  const env = new Map();
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) continue;
    const cm = configMaps.get(`${namespace}/${from.configMapRef.name}`);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set((from.prefix ?? '') + k, v);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env.set(e.name, e.value);
    } else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      env.set(e.name, configMaps.get(`${namespace}/${ref.name}`)?.data?.[ref.key] ?? null);
    } else {
      env.set(e.name, null);
    }
  }
  return env;
}

// "0.0.0.0:50051", "[::]:50051" -> 50051; anything else -> null.
export function portOfAddress(address) {
  const m = /:(\d+)$/.exec(address ?? '');
  return m ? Number(m[1]) : null;
}

function containerPort(container, name) {
  return (container.ports ?? []).find((p) => p.name === name)?.containerPort;
}

// The pods a render makes, one entry per pod template: where they run, their labels, their declared ports.
// (Pods made by an operator, from the externalPods option, may have ports null: unknown.)
function podsOf(objects) {
  return objects
    .filter((o) => podTemplateOf(o)?.spec)
    .map((o) => ({
      owner: id(o),
      namespace: namespaceOf(o),
      labels: podTemplateOf(o).metadata?.labels ?? {},
      ports: containersOf(podTemplateOf(o).spec).flatMap(({ c }) => c.ports ?? []),
    }));
}

// A NetworkPolicy's podSelector: unlike a Service's, an empty one selects every pod of the namespace.
function selectsAll(selector) {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

function policySelects(selector, labels) {
  return selectsAll(selector) || selectorMatches(selector, labels);
}

// The values of a selector's `In` expressions that match no pod in `candidates` when they stand alone: a
// misspelt name in a list still leaves the selector matching the others, so it must be looked for per value.
function deadInValues(selector, candidates) {
  const dead = [];
  (selector?.matchExpressions ?? []).forEach((e, i) => {
    if (e.operator !== 'In') return;
    for (const v of e.values ?? []) {
      const one = structuredClone(selector);
      one.matchExpressions[i].values = [v];
      if (!candidates.some((p) => selectorMatches(one, p.labels))) dead.push(`${e.key} In "${v}"`);
    }
  });
  return dead;
}

// Whether a pod declares a NetworkPolicyPort (a number, a range with endPort, or a port name).
function declaresPort(pod, { port, endPort, protocol = 'TCP' }) {
  return pod.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (typeof port === 'string') return p.name === port;
    return endPort === undefined ? p.containerPort === port : p.containerPort >= port && p.containerPort <= endPort;
  });
}

function describePort({ port, endPort, protocol = 'TCP' }) {
  return `${JSON.stringify(port)}${endPort === undefined ? '' : `-${endPort}`}/${protocol}`;
}

// The pods a from/to peer stands for: { external: true } when they may lie outside the render (an
// ipBlock, a namespaceSelector that selects every namespace or none of the render's), else { pods }.
// `namespaces` maps each namespace of the render to its labels.
function peerPods(peer, policyNamespace, pods, namespaces) {
  if (peer.ipBlock) return { external: true };
  let inNamespaces = [policyNamespace];
  if (peer.namespaceSelector) {
    if (selectsAll(peer.namespaceSelector)) return { external: true };
    inNamespaces = [...namespaces].filter(([, labels]) => selectorMatches(peer.namespaceSelector, labels)).map(([n]) => n);
    if (inNamespaces.length === 0) return { external: true };
  }
  const candidates = pods.filter((p) => inNamespaces.includes(p.namespace));
  if (!peer.podSelector) return { pods: candidates };
  return { pods: candidates.filter((p) => policySelects(peer.podSelector, p.labels)), namespaces: inNamespaces };
}

// Every namespace the render uses, with the labels a namespaceSelector sees (the API server adds
// kubernetes.io/metadata.name to every namespace).
function namespacesOf(objects) {
  const namespaces = new Map();
  for (const o of objects) {
    if (o.kind === 'Namespace') {
      namespaces.set(o.metadata.name, { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name });
    } else if (o.metadata?.namespace && !namespaces.has(o.metadata.namespace)) {
      namespaces.set(o.metadata.namespace, { 'kubernetes.io/metadata.name': o.metadata.namespace });
    }
  }
  return namespaces;
}

// A NetworkPolicy that selects no pod, or lets in (or out) nobody, or opens a port nothing listens on,
// applies cleanly and silently blocks traffic: the mistakes kubectl and the schema cannot see.
function checkNetworkPolicy(np, pods, namespaces, fail) {
  const ns = namespaceOf(np);
  const own = np.spec?.podSelector ?? {};
  const selected = pods.filter((p) => p.namespace === ns && policySelects(own, p.labels));
  const inNamespace = pods.filter((p) => p.namespace === ns);
  if (!selectsAll(own) && selected.length === 0) {
    fail(np, `podSelector ${JSON.stringify(own)} matches no pod template in namespace "${ns}"`);
  } else {
    for (const v of deadInValues(own, inNamespace)) fail(np, `podSelector's ${v} matches no pod template in namespace "${ns}"`);
  }
  for (const direction of ['ingress', 'egress']) {
    const peersKey = direction === 'ingress' ? 'from' : 'to';
    (np.spec?.[direction] ?? []).forEach((rule, i) => {
      const where = `${direction}[${i}]`;
      const peers = (rule[peersKey] ?? []).map((peer, j) => {
        const found = peerPods(peer, ns, pods, namespaces);
        if (!found.external && peer.podSelector) {
          const inNamespaces = `in namespace "${found.namespaces.join('", "')}"`;
          if (found.pods.length === 0) {
            fail(np, `${where}.${peersKey}[${j}] podSelector ${JSON.stringify(peer.podSelector)} matches no pod template ${inNamespaces}`);
          } else {
            const candidates = pods.filter((p) => found.namespaces.includes(p.namespace));
            for (const v of deadInValues(peer.podSelector, candidates)) {
              fail(np, `${where}.${peersKey}[${j}] podSelector's ${v} matches no pod template ${inNamespaces}`);
            }
          }
        }
        return found;
      });
      // Ingress ports are the selected pods' own; egress ports are the peers'. A peer that may lie outside
      // the render, no peer at all (anyone), or a pod whose ports are unknown leaves nothing to compare.
      const targets = direction === 'ingress' ? selected : peers.flatMap((p) => p.pods ?? []);
      const anywhere = direction === 'egress' && (peers.length === 0 || peers.some((p) => p.external));
      if (anywhere || targets.length === 0 || targets.some((p) => p.ports === null)) return;
      for (const port of rule.ports ?? []) {
        if (port.port === undefined) continue; // every port of the protocol
        if (!targets.some((p) => declaresPort(p, port))) {
          const whose = direction === 'ingress' ? 'selected pod' : 'peer pod';
          fail(np, `${where} allows port ${describePort(port)}, which no ${whose} declares as a containerPort (${[...new Set(targets.map((p) => p.owner))].join(', ')})`);
        }
      }
    });
  }
}

// The host:port pairs in a configuration value: "dns:///natter-chat.natter.svc.cluster.local:50053",
// "natter-auth:50051", "redis://:pw@natter-redis.natter:6379/0", "a.b:1,c.d:2". Hosts that are IP
// addresses or localhost are left out; others are returned as written.
export function addressesIn(value) {
  let rest = String(value).replace(/^dns:(\/\/[^/]*\/)?/, '');
  const url = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/i.exec(rest);
  if (url) rest = url[1].split('/')[0].replace(/^.*@/, '');
  const out = [];
  for (const item of rest.split(',')) {
    const m = /^([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*):(\d+)$/.exec(item.trim());
    if (!m || /^[\d.]+$/.test(m[1]) || m[1] === 'localhost') continue;
    out.push({ host: m[1], port: Number(m[2]) });
  }
  return out;
}

// The Service a cluster-local host names, from the pod's namespace: NAME, NAME.NAMESPACE,
// NAME.NAMESPACE.svc[.cluster.local], or POD.NAME.NAMESPACE.svc[.cluster.local] (a StatefulSet pod behind
// a headless Service). Null for a host outside the cluster (more labels, another domain).
export function serviceOfHost(host, namespace) {
  const labels = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const qualified = labels.length < host.split('.').length;
  if (labels.length === 1) return qualified ? null : { name: labels[0], namespace };
  if (labels.length === 2) return { name: labels[0], namespace: labels[1] };
  if (labels.length === 3 && qualified) return { name: labels[1], namespace: labels[2] };
  return null;
}

// What is wrong with calling `port` of the Service `target` ({name, namespace}), or null: it must exist,
// have that port, and select a pod template that declares the port's targetPort.
function serviceProblem(service, target, port, workloads) {
  if (!service) return `no Service "${target.name}" in namespace "${target.namespace}" is rendered`;
  const sp = (service.spec?.ports ?? []).find((p) => p.port === port);
  if (!sp) {
    return `Service "${target.name}" has no port ${port} (it has ${(service.spec?.ports ?? []).map((p) => p.port).join(', ') || 'none'})`;
  }
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return null; // endpoints managed elsewhere
  const selected = workloads.filter(
    (w) => namespaceOf(w) === target.namespace && selectorMatches(selector, podTemplateOf(w).metadata?.labels),
  );
  if (selected.length === 0) return `Service "${target.name}" selects no pod template (selector ${JSON.stringify(selector)})`;
  const targetPort = sp.targetPort ?? sp.port;
  const declared = selected.some((w) =>
    containersOf(podTemplateOf(w).spec).some(({ c }) =>
      (c.ports ?? []).some((p) => (typeof targetPort === 'string' ? p.name === targetPort : p.containerPort === targetPort)),
    ),
  );
  return declared ? null : `Service "${target.name}" port ${port} targets ${JSON.stringify(targetPort)}, which no pod it selects declares`;
}

export function checkPolicies(
  objects,
  { externalNames = [], secretsAllowed = true, jobsNamedByRelease = false, alongside = [], externalPods = [], externalHosts = [] } = {},
) {
  const errors = [];
  const fail = (o, rule) => errors.push(`${id(o)}: ${rule}`);

  const configMaps = new Map();
  const secrets = new Set();
  for (const o of objects) {
    const key = `${namespaceOf(o)}/${o.metadata?.name}`;
    if (o.kind === 'ConfigMap') configMaps.set(key, o);
    if (o.kind === 'Secret') secrets.add(key);
  }
  const workloads = objects.filter((o) => podTemplateOf(o)?.spec);
  const services = new Map(objects.filter((o) => o.kind === 'Service').map((o) => [`${namespaceOf(o)}/${o.metadata?.name}`, o]));

  // -- Secrets: only where allowed (prod and base expect the operator's Secret) --
  if (!secretsAllowed) {
    for (const o of objects.filter((x) => x.kind === 'Secret')) {
      fail(o, 'a Secret is rendered here; secrets must be created out of band, not kept in the manifests');
    }
  }

  // -- References to Secrets and ConfigMaps exist --
  const checkRef = (o, kind, name, where) => {
    const key = `${namespaceOf(o)}/${name}`;
    const known = kind === 'Secret' ? secrets.has(key) : configMaps.has(key);
    if (!known && !externalNames.includes(name)) {
      fail(o, `${where} refers to ${kind} "${name}", which is neither rendered nor a documented external one`);
    }
  };

  for (const o of workloads) {
    const template = podTemplateOf(o);
    const spec = template.spec;
    const ns = namespaceOf(o);
    const podSecurity = spec.securityContext ?? {};

    for (const v of spec.volumes ?? []) {
      if (v.secret && !v.secret.optional) checkRef(o, 'Secret', v.secret.secretName, `volume "${v.name}"`);
      if (v.configMap && !v.configMap.optional) checkRef(o, 'ConfigMap', v.configMap.name, `volume "${v.name}"`);
      for (const s of v.projected?.sources ?? []) {
        if (s.secret && !s.secret.optional) checkRef(o, 'Secret', s.secret.name, `volume "${v.name}"`);
        if (s.configMap && !s.configMap.optional) checkRef(o, 'ConfigMap', s.configMap.name, `volume "${v.name}"`);
      }
    }

    for (const { c, init } of containersOf(spec)) {
      const where = `${init ? 'initContainer' : 'container'} "${c.name}"`;
      const natter = natterComponent(c.image) !== null;

      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        const m = e.valueFrom?.configMapKeyRef;
        if (s && !s.optional) checkRef(o, 'Secret', s.name, `${where} env ${e.name}`);
        if (m && !m.optional) checkRef(o, 'ConfigMap', m.name, `${where} env ${e.name}`);
      }
      for (const f of c.envFrom ?? []) {
        if (f.secretRef && !f.secretRef.optional) checkRef(o, 'Secret', f.secretRef.name, `${where} envFrom`);
        if (f.configMapRef && !f.configMapRef.optional) {
          checkRef(o, 'ConfigMap', f.configMapRef.name, `${where} envFrom`);
        }
      }

      // -- Resources --
      for (const section of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (c.resources?.[section]?.[resource] === undefined) {
            fail(o, `${where} has no resources.${section}.${resource} (every container needs cpu and memory requests and limits)`);
          }
        }
      }

      // -- Probes (long-running workloads only; Jobs finish) --
      if (SERVING_KINDS.has(o.kind) && !init) {
        if (!c.readinessProbe) fail(o, `${where} has no readinessProbe`);
        if (!c.livenessProbe) fail(o, `${where} has no livenessProbe`);
      }

      // -- Non-root, no privilege escalation, read-only root for our own images --
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSecurity.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? podSecurity.runAsUser;
      if (runAsNonRoot !== true) fail(o, `${where} may run as root (runAsNonRoot is not true at pod or container level)`);
      if (runAsUser === 0) fail(o, `${where} runs as root (runAsUser 0)`);
      if (sc.allowPrivilegeEscalation !== false) fail(o, `${where} does not set allowPrivilegeEscalation: false`);
      if (natter && sc.readOnlyRootFilesystem !== true) fail(o, `${where} (a Natter image) does not set readOnlyRootFilesystem: true`);

      if (!natter) continue;
      const env = resolveEnv(c, ns, configMaps);

      // -- Ports agree with the addresses the process listens on --
      // A named container port and the NATTER_* address the process listens on agree, or are both absent.
      const agree = (name, variable, unsetHint = '') => {
        const port = containerPort(c, name);
        const address = env.get(variable);
        if (port === undefined && address === undefined) return port;
        if (port === undefined) fail(o, `${where} sets ${variable}=${address} but has no container port named "${name}"`);
        else if (address == null) fail(o, `${where} has port "${name}" ${port} but ${variable} is not set${unsetHint}`);
        else if (portOfAddress(address) !== port) fail(o, `${where} port "${name}" is ${port} but ${variable} is ${address}`);
        return port;
      };
      const grpcPort = containerPort(c, 'grpc');
      if (SERVING_KINDS.has(o.kind) && !init && grpcPort === undefined) {
        fail(o, `${where} (a Natter server) has no container port named "grpc"`);
      }
      agree('grpc', 'NATTER_LISTEN', ' from a value or a rendered ConfigMap (the default listens on 127.0.0.1 only)');
      agree('metrics', 'NATTER_METRICS_LISTEN');
      const healthPort = agree('health', 'NATTER_HEALTH_LISTEN');
      // Probes check the plaintext health port when there is one, else the gRPC port; the kubelet's
      // gRPC probes speak plaintext only, so a gRPC port serving TLS cannot be probed.
      const probeName = healthPort !== undefined ? 'health' : 'grpc';
      const probePort = healthPort ?? grpcPort;
      const tls = ['NATTER_TLS_CERT', 'NATTER_SERVICE_CA'].find((k) => env.has(k));
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const p = c[probe]?.grpc?.port;
        if (p === undefined) continue;
        if (p !== probePort) fail(o, `${where} ${probe} checks gRPC port ${p}, not the "${probeName}" port ${probePort}`);
        else if (p === grpcPort && tls) fail(o, `${where} ${probe} checks the "grpc" port ${p}, which serves TLS (${tls}); the kubelet's gRPC probes speak plaintext: probe a "health" port (NATTER_HEALTH_LISTEN)`);
      }

      // -- Every cluster-local address it is given names a Service that leads to a listening pod --
      // A misspelt name or port is only found at run time, as calls that never connect.
      for (const [variable, value] of env) {
        // Where to listen, not whom to call; Secrets' values (null here) are not in the render.
        if (value == null || variable.endsWith('_LISTEN')) continue;
        for (const { host, port } of addressesIn(value)) {
          const target = externalHosts.includes(host) ? null : serviceOfHost(host, ns);
          if (!target) continue;
          const problem = serviceProblem(services.get(`${target.namespace}/${target.name}`), target, port, workloads);
          if (problem) fail(o, `${where} ${variable}=${value}: ${problem}`);
        }
      }

      // -- The pod outlives the drain (and the preStop sleep before it: the grace period counts both) --
      const drainValue = env.get('NATTER_DRAIN_SECONDS');
      const drain = drainValue == null ? DEFAULT_DRAIN_SECONDS : Number(drainValue);
      const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      const preStop = preStopSeconds(c);
      if (!(grace > preStop + drain)) {
        const before = preStop > 0 ? `the preStop sleep ${preStop} plus ` : '';
        fail(o, `terminationGracePeriodSeconds ${grace} is not greater than ${before}NATTER_DRAIN_SECONDS ${drain} of ${where}: the pod would be killed mid-drain`);
      }
    }
  }

  // -- A release's Job is a new Job: its name ends with the tag of each Natter image it runs --
  if (jobsNamedByRelease) {
    for (const j of objects.filter((o) => o.kind === 'Job')) {
      const name = j.metadata?.name ?? '';
      for (const { c } of containersOf(podTemplateOf(j)?.spec)) {
        if (natterComponent(c.image) === null) continue;
        const tag = natterTag(c.image);
        if (!tag || !name.endsWith(`-${tag}`)) {
          fail(j, `runs ${c.image} but its name does not end with "-${tag ?? 'TAG'}": re-applying it with the next release's images would be refused (a Job's template is immutable)`);
        }
      }
    }
  }

  // -- Every Deployment has a PodDisruptionBudget; chat and gateway also an autoscaler --
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const labels = d.spec?.template?.metadata?.labels ?? {};
    const ns = namespaceOf(d);
    if (!pdbs.some((p) => namespaceOf(p) === ns && selectorMatches(p.spec?.selector, labels))) {
      fail(d, 'no PodDisruptionBudget selects its pods');
    }
    const components = (d.spec?.template?.spec?.containers ?? []).map((c) => natterComponent(c.image));
    if (components.includes('chat') || components.includes('gateway')) {
      const target = (h) => h.spec?.scaleTargetRef ?? {};
      const scaled = hpas.some(
        (h) => namespaceOf(h) === ns && target(h).kind === 'Deployment' && target(h).name === d.metadata?.name,
      );
      if (!scaled) fail(d, 'runs natter-chat or natter-gateway but no HorizontalPodAutoscaler scales it');
    }
  }

  // -- A Service that takes traffic from outside keeps the client's address: with the default
  //    externalTrafficPolicy (Cluster) every connection seems to come from a node, and the gateway's
  //    per-address limits would lump all clients behind a node together --
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const external = s.spec?.type === 'LoadBalancer' || s.spec?.type === 'NodePort';
    if (external && s.spec?.externalTrafficPolicy !== 'Local') {
      fail(s, 'takes traffic from outside but does not set externalTrafficPolicy: Local, so client addresses are lost');
    }
  }

  // -- NetworkPolicies select pods, let in and out pods that exist, and open ports they declare --
  const pods = [
    ...podsOf(objects),
    ...podsOf(alongside),
    ...externalPods.map((p) => ({ owner: `pods made outside the render ${JSON.stringify(p.labels)}`, ...p, ports: p.ports ?? null })),
  ];
  const namespaces = namespacesOf([...objects, ...alongside]);
  for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) checkNetworkPolicy(np, pods, namespaces, fail);

  // -- Services select pods, and their target ports exist on those pods --
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const selector = s.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) continue; // endpoints managed elsewhere
    const pods = workloads.filter(
      (w) => namespaceOf(w) === namespaceOf(s) && selectorMatches(selector, podTemplateOf(w).metadata?.labels),
    );
    if (pods.length === 0) {
      fail(s, `selector ${JSON.stringify(selector)} matches no pod template`);
      continue;
    }
    for (const port of s.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const found = pods.some((w) =>
        containersOf(podTemplateOf(w).spec).some(({ c }) =>
          (c.ports ?? []).some((p) => (typeof target === 'string' ? p.name === target : p.containerPort === target)),
        ),
      );
      if (!found) fail(s, `port "${port.name ?? port.port}" targets ${JSON.stringify(target)}, which no selected pod's container declares`);
    }
  }

  // -- Alerts say how bad they are and what is wrong, and wait out a blip before firing --
  for (const pr of objects.filter((o) => o.kind === 'PrometheusRule')) {
    for (const group of pr.spec?.groups ?? []) {
      (group.rules ?? []).forEach((rule, i) => {
        const where = `group "${group.name}" rule ${rule.alert ?? rule.record ?? `#${i}`}`;
        if ((rule.alert === undefined) === (rule.record === undefined)) {
          fail(pr, `${where} must have exactly one of alert and record`);
        }
        if (rule.expr === undefined || String(rule.expr).trim() === '') fail(pr, `${where} has no expr`);
        if (rule.alert === undefined) return;
        const severity = rule.labels?.severity;
        if (!ALERT_SEVERITIES.has(severity)) {
          fail(pr, `${where} has severity ${JSON.stringify(severity)}, not one of ${[...ALERT_SEVERITIES].join(', ')}`);
        }
        for (const a of ['summary', 'description']) {
          if (!rule.annotations?.[a]?.trim()) fail(pr, `${where} has no ${a} annotation`);
        }
        if (!rule.for || /^0+[smhdwy]?$/.test(rule.for)) {
          fail(pr, `${where} has no for: duration, so one bad scrape fires it (and it flaps)`);
        }
      });
    }
  }

  // -- A ServiceMonitor selects rendered Services, and scrapes a port they name --
  // A misspelt label or port name applies cleanly and scrapes nothing, silently: no metrics, no alerts.
  for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const ns = sm.spec?.namespaceSelector;
    if (ns?.any) continue; // Services anywhere: not all of them are in the render
    const inNamespaces = ns?.matchNames?.length ? ns.matchNames : [namespaceOf(sm)];
    const candidates = objects
      .filter((o) => o.kind === 'Service' && inNamespaces.includes(namespaceOf(o)))
      .map((o) => ({ service: o, labels: o.metadata?.labels ?? {} }));
    const where = `namespace "${inNamespaces.join('", "')}"`;
    const selected = candidates.filter((c) => selectorMatches(sm.spec?.selector, c.labels));
    if (selected.length === 0) {
      fail(sm, `selector ${JSON.stringify(sm.spec?.selector)} matches no Service in ${where}`);
      continue;
    }
    for (const v of deadInValues(sm.spec?.selector, candidates)) fail(sm, `selector's ${v} matches no Service in ${where}`);
    (sm.spec?.endpoints ?? []).forEach((e, i) => {
      if (e.port === undefined) return; // targetPort: the pods' port, checked by Kubernetes' endpoints
      const named = selected.filter((c) => (c.service.spec?.ports ?? []).some((p) => p.name === e.port));
      if (named.length === 0) {
        const names = [...new Set(selected.flatMap((c) => (c.service.spec?.ports ?? []).map((p) => p.name)))];
        fail(sm, `endpoints[${i}] port "${e.port}" is not a port name of any Service it selects (they have ${names.join(', ') || 'none'})`);
      }
    });
  }

  // -- A gateway's memory limit holds its stream cap: past the limit the kernel kills the pod and every
  //    client on it reconnects at once, where the cap would have sent only the newcomers elsewhere --
  for (const w of workloads) {
    for (const { c } of containersOf(podTemplateOf(w).spec)) {
      if (natterComponent(c.image) !== 'gateway') continue;
      const capValue = resolveEnv(c, namespaceOf(w), configMaps).get('NATTER_MAX_STREAMS');
      const cap = capValue == null ? DEFAULT_MAX_STREAMS : Number(capValue);
      const limit = memoryBytes(c.resources?.limits?.memory);
      const needed = GATEWAY_BASE_BYTES + cap * STREAM_BYTES;
      if (limit < needed) {
        fail(w, `container "${c.name}" may hold ${cap} streams (NATTER_MAX_STREAMS${capValue == null ? ' unset' : ''}), about ${Math.ceil(needed / 2 ** 20)} MiB at ${STREAM_BYTES / 1024} KiB each, but its memory limit is ${c.resources.limits.memory}: lower NATTER_MAX_STREAMS or raise the limit`);
      }
    }
  }

  // -- An autoscaler on the gateway's streams scales before the gateways are full --
  // A target at or above the cap never fires: every gateway refuses new streams first.
  for (const h of hpas) {
    const target = h.spec?.scaleTargetRef ?? {};
    const d = workloads.find((w) => w.kind === target.kind && w.metadata?.name === target.name && namespaceOf(w) === namespaceOf(h));
    for (const m of h.spec?.metrics ?? []) {
      if (m.type !== 'Pods' || m.pods?.metric?.name !== 'natter_gateway_streams_open') continue;
      const value = Number(m.pods?.target?.averageValue);
      const gateway = containersOf(d?.spec?.template?.spec).find(({ c }) => natterComponent(c.image) === 'gateway');
      if (!gateway) {
        fail(h, `scales on natter_gateway_streams_open but ${target.kind}/${target.name} runs no natter-gateway`);
        continue;
      }
      const capValue = resolveEnv(gateway.c, namespaceOf(d), configMaps).get('NATTER_MAX_STREAMS');
      const cap = capValue == null ? DEFAULT_MAX_STREAMS : Number(capValue);
      if (!(value > 0 && value < cap)) {
        fail(h, `targets ${m.pods?.target?.averageValue} natter_gateway_streams_open per pod, which is not below the gateway's cap NATTER_MAX_STREAMS ${cap}: gateways would refuse streams before it scales`);
      }
    }
  }

  // -- Grafana dashboards in ConfigMaps are JSON that Grafana can load --
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard !== undefined)) {
    for (const [key, text] of Object.entries(cm.data ?? {})) {
      let dashboard;
      try {
        dashboard = JSON.parse(text);
      } catch (e) {
        fail(cm, `dashboard ${key} is not JSON: ${e.message}`);
        continue;
      }
      if (!dashboard.uid || !dashboard.title) fail(cm, `dashboard ${key} has no uid or no title`);
      if (!(dashboard.panels ?? []).some((p) => (p.targets ?? []).length > 0)) fail(cm, `dashboard ${key} has no panel with a query`);
    }
  }

  return errors;
}

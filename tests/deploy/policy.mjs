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

// A Natter image: natter/auth, registry.example.com/natter/chat:0.1.0, natter/gateway@sha256:...
const NATTER_IMAGE = /(^|\/)natter\/([a-z-]+)(:[\w.-]+)?(@sha256:[0-9a-f]+)?$/;
// Defaults of the binaries, used when a variable is not set.
const DEFAULT_DRAIN_SECONDS = 10;
const DEFAULT_GRACE_SECONDS = 30;
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

export function checkPolicies(objects, { externalNames = [], secretsAllowed = true, jobsNamedByRelease = false } = {}) {
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

      // -- The pod outlives the drain --
      const drainValue = env.get('NATTER_DRAIN_SECONDS');
      const drain = drainValue == null ? DEFAULT_DRAIN_SECONDS : Number(drainValue);
      const grace = spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      if (!(grace > drain)) {
        fail(o, `terminationGracePeriodSeconds ${grace} is not greater than NATTER_DRAIN_SECONDS ${drain} of ${where}: the pod would be killed mid-drain`);
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

  return errors;
}

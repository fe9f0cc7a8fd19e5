// Turns the rendered dev overlay (`kubectl kustomize k8s/overlays/dev`) into what `podman kube play` can
// run on one machine without a pod network, and writes the plan the kube-play test checks against.
//
// What kube play cannot express here, and what this does instead (the test prints the same list):
//   - No pod network, no Services or cluster DNS: every pod gets hostNetwork and its own loopback address
//     (PREFIX.N), binds its declared ports there (0.0.0.0 in a listen address becomes that address), and
//     each address naming a Service (NAME.NAMESPACE.svc.cluster.local:PORT, NAME:PORT) in a ConfigMap or
//     Secret is replaced by the address of the pod the Service selects, at the Service's target port.
//   - No controllers: a Deployment of R replicas becomes R Pods (NAME-0...), a StatefulSet becomes Pods
//     with a PersistentVolumeClaim per claim template, a Job becomes a Pod with the template's restart
//     policy. GATEWAYS gateway
//     replicas are played whatever the overlay says, so that a message can cross from one to the other.
//   - No kubelet probes: the probes are taken out of the played pods and written to the plan, and the test
//     runs each one itself (gRPC health, HTTP GET, exec) against the pod's address.
//   - $(VAR) in args is expanded from the container's env as the kubelet would.
//   - Services, NetworkPolicies, HorizontalPodAutoscalers and PodDisruptionBudgets have no counterpart in
//     podman: they are left out here and checked statically by tests/deploy/validate-k8s.mjs.
//   - Images no registry here can provide (mariadb:10.11, redis:7) are replaced by STANDIN images.
//
//   - podman 4.3 cannot read a secretKeyRef (it fails to parse the Secret it stores, whichever way it was
//     made), and lets envFrom override env (Kubernetes does the reverse): every variable is written into
//     the played pod as a literal env value, as Kubernetes would resolve it. The Secret's values are the
//     dev overlay's published dev-only passwords.
//
// Usage: node transform.mjs RENDERED.yaml NODE_MODULES PREFIX GATEWAYS OUT.yaml PLAN.json
//   PREFIX: three octets of a 127/8 network, e.g. 127.77.3

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [renderedFile, nodeModules, prefix, gatewaysArg, outFile, planFile] = process.argv.slice(2);
if (!planFile) {
  console.error('usage: node transform.mjs RENDERED.yaml NODE_MODULES PREFIX GATEWAYS OUT.yaml PLAN.json');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const YAML = require('yaml');

const STANDINS = {
  'mariadb:10.11': 'localhost/natter-standin/mariadb:10.11',
  'redis:7': 'localhost/natter-standin/redis:7',
};
const LEFT_OUT = ['Namespace', 'Service', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'];
const gateways = Number(gatewaysArg);

const docs = YAML.parseAllDocuments(readFileSync(renderedFile, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const byKind = (kind) => docs.filter((d) => d.kind === kind);
const unknown = docs.filter(
  (d) => !LEFT_OUT.includes(d.kind) && !['ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'Job'].includes(d.kind),
);
if (unknown.length) {
  console.error(`transform: no podman counterpart for ${unknown.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  process.exit(1);
}

// -- Pods: one per replica, each with its loopback address --
const pods = [];
let host = 10;
const addPod = (owner, kind, name, template, extra = {}) => {
  pods.push({ owner, kind, name, address: `${prefix}.${host++}`, template: structuredClone(template), ...extra });
};
for (const d of byKind('StatefulSet')) {
  for (let i = 0; i < (d.spec.replicas ?? 1); i++) {
    addPod(d, 'StatefulSet', `${d.metadata.name}-${i}`, d.spec.template, { claims: d.spec.volumeClaimTemplates ?? [] });
  }
}
for (const d of byKind('Job')) addPod(d, 'Job', d.metadata.name, d.spec.template, { once: true });
for (const d of byKind('Deployment')) {
  const isGateway = d.metadata.labels?.['app.kubernetes.io/name'] === 'natter-gateway';
  const replicas = isGateway ? gateways : (d.spec.replicas ?? 1);
  for (let i = 0; i < replicas; i++) addPod(d, 'Deployment', `${d.metadata.name}-${i}`, d.spec.template);
}

// -- Services: name:port -> the first selected pod's address at the target port --
const labelsMatch = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
const serviceAddress = new Map(); // "name:port" -> "address:containerPort"
for (const svc of byKind('Service')) {
  const selected = pods.filter((p) => labelsMatch(svc.spec.selector, p.template.metadata?.labels));
  if (!selected.length) continue;
  const pod = selected[0];
  for (const port of svc.spec.ports ?? []) {
    let target = port.targetPort ?? port.port;
    if (typeof target === 'string') {
      const named = pod.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target);
      if (!named) {
        console.error(`transform: Service ${svc.metadata.name} targets port "${target}", which ${pod.name} does not declare`);
        process.exit(1);
      }
      target = named.containerPort;
    }
    const ns = svc.metadata.namespace ?? 'default';
    for (const name of [svc.metadata.name, `${svc.metadata.name}.${ns}`, `${svc.metadata.name}.${ns}.svc`,
      `${svc.metadata.name}.${ns}.svc.cluster.local`]) {
      serviceAddress.set(`${name}:${port.port}`, `${pod.address}:${target}`);
    }
  }
}
const rewrites = [];
const rewriteAddresses = (value, where) =>
  value.replace(/(?<![\w.-])([a-z0-9][a-z0-9.-]*):(\d+)/g, (match, name, port) => {
    const to = serviceAddress.get(`${name}:${port}`);
    if (!to) return match;
    rewrites.push({ where, from: match, to });
    return to;
  });

const configMaps = byKind('ConfigMap').map((cm) => {
  const data = Object.fromEntries(
    Object.entries(cm.data ?? {}).map(([k, v]) => [k, rewriteAddresses(String(v), `ConfigMap ${cm.metadata.name} ${k}`)]),
  );
  return { ...cm, data };
});
const secrets = byKind('Secret').map((s) => {
  const data = {};
  for (const [k, v] of Object.entries(s.data ?? {})) {
    data[k] = Buffer.from(rewriteAddresses(Buffer.from(v, 'base64').toString('utf8'), `Secret ${s.metadata.name} ${k}`)).toString('base64');
  }
  for (const [k, v] of Object.entries(s.stringData ?? {})) {
    data[k] = Buffer.from(rewriteAddresses(String(v), `Secret ${s.metadata.name} ${k}`)).toString('base64');
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata: s.metadata, type: s.type, data };
});
const configMapData = new Map(configMaps.map((cm) => [cm.metadata.name, cm.data]));
const secretData = new Map(
  secrets.map((s) => [s.metadata.name, Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))]),
);

// The env a container sees (envFrom, then env), for $(VAR) expansion and listen addresses.
const effectiveEnv = (container, podName) => {
  const env = {};
  for (const from of container.envFrom ?? []) {
    const source = from.configMapRef ? configMapData.get(from.configMapRef.name) : secretData.get(from.secretRef?.name);
    Object.assign(env, source ?? {});
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = secretData.get(e.valueFrom.secretKeyRef.name)?.[e.valueFrom.secretKeyRef.key];
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = configMapData.get(e.valueFrom.configMapKeyRef.name)?.[e.valueFrom.configMapKeyRef.key];
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
  }
  return env;
};

// -- The played objects and the plan --
const played = [...configMaps];
const plan = { prefix, leftOut: [], rewrites, claims: [], pods: [] };
for (const kind of LEFT_OUT) {
  for (const d of byKind(kind)) plan.leftOut.push(`${kind}/${d.metadata.name}`);
}
for (const pod of pods) {
  const spec = pod.template.spec;
  const planned = { name: pod.name, kind: pod.kind, owner: pod.owner.metadata.name, address: pod.address, once: !!pod.once,
    labels: pod.template.metadata?.labels ?? {}, annotations: pod.template.metadata?.annotations ?? {},
    runAsUser: spec.securityContext?.runAsUser, containers: [] };
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const env = effectiveEnv(c, pod.name);
    // Listen on the pod's own address, as a pod on its own network would on 0.0.0.0.
    const overrides = [];
    for (const [k, v] of Object.entries(env)) {
      if (typeof v === 'string' && v.startsWith('0.0.0.0:')) overrides.push({ name: k, value: `${pod.address}:${v.slice(8)}` });
    }
    // The pod's name and Secrets' values as literals (see the top of this file).
    c.env = (c.env ?? []).map((e) => (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' || e.valueFrom?.secretKeyRef
      ? { name: e.name, value: env[e.name] } : e));
    // envFrom as env entries: podman 4.3 lets envFrom override env, the reverse of Kubernetes.
    for (const from of c.envFrom ?? []) {
      const source = from.configMapRef ? configMapData.get(from.configMapRef.name) : secretData.get(from.secretRef?.name);
      for (const [k, v] of Object.entries(source ?? {})) {
        if (!c.env.some((e) => e.name === k)) c.env.push({ name: k, value: String(v) });
      }
    }
    delete c.envFrom;
    c.env = [...(c.env ?? []).filter((e) => !overrides.some((o) => o.name === e.name)), ...overrides];
    const expand = (s) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => (name in env ? env[name] : m));
    if (c.args) c.args = c.args.map(expand);
    if (c.command) c.command = c.command.map(expand);
    if (STANDINS[c.image]) {
      c.image = STANDINS[c.image];
      // The stand-ins bind where upstream's images bind 0.0.0.0.
      if (c.image.includes('/mariadb:')) c.args = [...(c.args ?? []), `--bind-address=${pod.address}`];
      if (c.image.includes('/redis:')) c.args = [...(c.args ?? []), '--bind', pod.address];
    }
    c.imagePullPolicy = 'Never';
    const probes = {};
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      if (c[probe]) probes[probe] = c[probe];
      delete c[probe];
      // redis-cli asks 127.0.0.1:6379, which on the host's network is not this pod's Redis.
      const exec = probes[probe]?.exec;
      if (exec && c.image.includes('/redis:')) {
        const before = exec.command.join(' ');
        exec.command = exec.command.map((word) => word.replace(/\bredis-cli\b/, `redis-cli -h ${pod.address}`));
        rewrites.push({ where: `${pod.name} ${probe}`, from: before, to: exec.command.join(' ') });
      }
    }
    planned.containers.push({
      name: c.name,
      image: c.image,
      init: (spec.initContainers ?? []).includes(c),
      ports: c.ports ?? [],
      probes,
      readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem ?? false,
      runAsUser: c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser,
      env: Object.fromEntries(Object.entries({ ...env, ...Object.fromEntries(overrides.map((o) => [o.name, o.value])) })
        .filter(([k]) => /LISTEN|TARGET/.test(k))),
    });
  }
  // On the host's network podman takes no port mappings; the plan keeps the declared ports.
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) delete c.ports;
  // What podman cannot apply here or has no use for.
  delete spec.topologySpreadConstraints;
  delete spec.affinity;
  delete spec.automountServiceAccountToken;
  delete spec.enableServiceLinks;
  delete spec.serviceAccountName;
  spec.hostNetwork = true;
  // A Job's pod restarts as its template says (OnFailure: it retries while the database starts).
  spec.restartPolicy = pod.once ? (spec.restartPolicy ?? 'Never') : 'Always';
  for (const claim of pod.claims ?? []) {
    const claimName = `${claim.metadata.name}-${pod.name}`;
    played.push({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claimName }, spec: claim.spec });
    plan.claims.push(claimName);
    spec.volumes = [...(spec.volumes ?? []), { name: claim.metadata.name, persistentVolumeClaim: { claimName } }];
  }
  played.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, labels: pod.template.metadata?.labels, annotations: pod.template.metadata?.annotations },
    spec,
  });
  plan.pods.push(planned);
}

writeFileSync(outFile, played.map((d) => YAML.stringify(d)).join('---\n'));
writeFileSync(planFile, JSON.stringify(plan, null, 2));

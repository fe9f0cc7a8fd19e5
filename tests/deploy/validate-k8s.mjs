// Renders k8s/base and each overlay with `kubectl kustomize` and checks what comes out:
//   (a) schema: every object is type-checked by tsc (--strict) against its kubernetes-types interface,
//       so a misspelt or misplaced field (excess property) or a wrong type is an error;
//   (b) policy: the rules in policy.mjs (resources, probes, non-root, autoscalers, ports, secrets,
//       NetworkPolicies' selectors and ports, the Services named by addresses in ConfigMaps, ...).
// Also fails on kustomize warnings (deprecated fields) and on kinds it has no type for. Custom resources
// are typed by the declarations in crd-types/ (GROUP/VERSION.d.ts), written from their operators' docs.
//
// Usage: node validate-k8s.mjs REPO_ROOT NODE_MODULES [KUBECTL]
//   NODE_MODULES: where `npm ci` installed package.json's tools (kubernetes-types, typescript, yaml).
//   KUBECTL: the kubectl to use (default: kubectl on PATH); its kustomize must be v4 or newer.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkPolicies } from './policy.mjs';

// What each render may reference without containing it, and whether it may contain Secrets.
const RENDERS = [
  { dir: 'k8s/base', externalNames: ['natter-secrets'], secretsAllowed: false },
  { dir: 'k8s/overlays/dev', externalNames: [], secretsAllowed: true },
  {
    dir: 'k8s/overlays/prod',
    externalNames: ['natter-secrets', 'natter-gateway-tls', 'natter-service-tls'],
    secretsAllowed: false,
    jobsNamedByRelease: true,
  },
  // Examples applied on their own, next to the prod overlay (k8s/overlays/prod/topologies/*/README.md):
  // their NetworkPolicies let in prod's pods, so prod's pod templates count for their selectors.
  {
    dir: 'k8s/overlays/prod/topologies/galera-operator',
    externalNames: ['natter-db'],
    secretsAllowed: false,
    appliedWith: 'k8s/overlays/prod',
    // The mariadb-operator makes the Galera pods from the MariaDB resource `natter-db` and labels them
    // with its name; their ports are the operator's (3306, 4444, 4567, 4568).
    externalPods: [
      {
        namespace: 'natter',
        labels: { 'app.kubernetes.io/instance': 'natter-db' },
        ports: [3306, 4444, 4567, 4568].map((containerPort) => ({ containerPort })),
      },
    ],
  },
  // prod with the optional components on (k8s/components/: monitoring, stream autoscaling), the way
  // docs/DEPLOY.md tells an operator to enable them.
  {
    dir: 'tests/deploy/renders/prod-monitored',
    externalNames: ['natter-secrets', 'natter-gateway-tls', 'natter-service-tls'],
    secretsAllowed: false,
    jobsNamedByRelease: true,
  },
  {
    dir: 'k8s/overlays/prod/topologies/redis-sentinel',
    externalNames: ['natter-redis'],
    secretsAllowed: false,
    appliedWith: 'k8s/overlays/prod',
  },
];

function die(message) {
  console.error(`validate-k8s: ${message}`);
  process.exit(1);
}

const [repoRoot, nodeModules, kubectl = 'kubectl'] = process.argv.slice(2);
if (!repoRoot || !nodeModules) die('usage: node validate-k8s.mjs REPO_ROOT NODE_MODULES [KUBECTL]');
const typesDir = path.resolve(nodeModules, 'kubernetes-types');
const crdTypesDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'crd-types');
const tscPath = path.resolve(nodeModules, 'typescript', 'bin', 'tsc');
if (!existsSync(typesDir) || !existsSync(tscPath)) {
  die(`${nodeModules} lacks kubernetes-types or typescript: run npm ci with tests/deploy/package.json there`);
}
const YAML = createRequire(path.resolve(nodeModules, 'x.js'))('yaml');

// -- kubectl with a recent kustomize --
const NEED_KUBECTL = 'kubectl with kustomize v4 or newer is needed to render k8s/ (install kubectl >= 1.21)';
const version = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  die(`${NEED_KUBECTL}; running "${kubectl} version" failed: ${version.error?.message ?? version.stderr.trim()}`);
}
let kustomizeVersion;
try {
  kustomizeVersion = JSON.parse(version.stdout).kustomizeVersion;
} catch {
  die(`${NEED_KUBECTL}; cannot read "${kubectl} version -o json"`);
}
const major = Number(/^v?(\d+)/.exec(kustomizeVersion ?? '')?.[1]);
if (!(major >= 4)) die(`${NEED_KUBECTL}; ${kubectl} has kustomize ${kustomizeVersion ?? 'unknown'}`);

// -- Render and parse --
const renders = [];
let failures = 0;
for (const r of RENDERS) {
  const out = spawnSync(kubectl, ['kustomize', path.join(repoRoot, r.dir)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) {
    console.error(`FAIL ${r.dir}: kubectl kustomize failed:\n${out.stderr}`);
    failures++;
    continue;
  }
  if (out.stderr.trim()) {
    console.error(`FAIL ${r.dir}: kubectl kustomize printed warnings (deprecated syntax?):\n${out.stderr}`);
    failures++;
  }
  const docs = YAML.parseAllDocuments(out.stdout);
  const bad = docs.find((d) => d.errors.length > 0);
  if (bad) {
    console.error(`FAIL ${r.dir}: output is not valid YAML: ${bad.errors[0].message}`);
    failures++;
    continue;
  }
  renders.push({ ...r, objects: docs.map((d) => d.toJS()).filter((o) => o) });
}

// -- (a) Schema: one TypeScript file per render, one typed constant per object --
// apiVersion "apps/v1" -> kubernetes-types/apps/v1, "v1" -> core/v1, "networking.k8s.io/v1" -> networking/v1.
function typeModule(apiVersion) {
  const [group, ver] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `${group.replace(/\.k8s\.io$/, '')}/${ver}`;
}
// Where the type of `kind` is declared: 'kubernetes-types' (built-in kinds), 'crd-types' (custom
// resources, crd-types/GROUP/VERSION.d.ts), or null.
function typePackage(module, kind) {
  for (const [pkg, dir] of [['kubernetes-types', typesDir], ['crd-types', crdTypesDir]]) {
    const file = path.join(dir, `${module}.d.ts`);
    if (existsSync(file) && readFileSync(file, 'utf8').includes(`export interface ${kind} {`)) return pkg;
  }
  return null;
}

const work = mkdtempSync(path.join(tmpdir(), 'natter-k8s-'));
try {
  const owners = new Map(); // file name -> [{from, to, label}]
  for (const r of renders) {
    const file = `${r.dir.replaceAll('/', '_')}.ts`;
    const imports = new Map();
    const body = [];
    const ranges = [];
    let line = 1; // line numbers are fixed up below once the imports are known
    r.objects.forEach((o, i) => {
      const label = `${r.dir}: ${o.kind}/${o.metadata?.name}`;
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
        console.error(`FAIL ${label}: no apiVersion or kind`);
        failures++;
        return;
      }
      const module = typeModule(o.apiVersion);
      const pkg = typePackage(module, o.kind);
      if (!pkg) {
        console.error(`FAIL ${label}: unknown kind ${o.apiVersion} ${o.kind} (no type in kubernetes-types or crd-types)`);
        failures++;
        return;
      }
      const alias = `${module.replace(/\W/g, '_')}_${o.kind}`;
      imports.set(alias, `import type { ${o.kind} as ${alias} } from '${pkg}/${module}';`);
      const text = `// ${label}\nexport const o${i}: ${alias} = ${JSON.stringify(o, null, 2)};\n`;
      const lines = text.split('\n').length - 1;
      ranges.push({ from: line, to: line + lines - 1, label });
      body.push(text);
      line += lines;
    });
    const head = [...imports.values()];
    for (const range of ranges) {
      range.from += head.length;
      range.to += head.length;
    }
    owners.set(file, ranges);
    writeFileSync(path.join(work, file), `${head.join('\n')}\n${body.join('')}`);
  }
  writeFileSync(
    path.join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        types: [],
        paths: { 'kubernetes-types/*': [`${typesDir}/*`], 'crd-types/*': [`${crdTypesDir}/*`] },
      },
      files: [...owners.keys()],
    }),
  );
  const tsc = spawnSync(process.execPath, [tscPath, '-p', path.join(work, 'tsconfig.json'), '--pretty', 'false'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (tsc.status !== 0) {
    // "file.ts(12,5): error TS2353: ..." plus indented continuation lines.
    let current = null;
    for (const l of tsc.stdout.split('\n')) {
      const m = /^(.+?\.ts)\((\d+),\d+\): (error .*)$/.exec(l);
      if (m) {
        const owner = (owners.get(path.basename(m[1])) ?? []).find((x) => x.from <= +m[2] && +m[2] <= x.to);
        current = `FAIL ${owner?.label ?? m[1]}: schema: ${m[3]}`;
        console.error(current);
        failures++;
      } else if (current && l.trim()) {
        console.error(`    ${l.trim()}`);
      }
    }
    if (tsc.stderr.trim() || !current) console.error(`FAIL tsc exited ${tsc.status}:\n${tsc.stdout}${tsc.stderr}`);
    if (!current) failures++;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// -- (b) Policies --
for (const r of renders) {
  const alongside = renders.find((x) => x.dir === r.appliedWith)?.objects ?? [];
  if (r.appliedWith && alongside.length === 0) {
    console.error(`FAIL ${r.dir}: ${r.appliedWith}, which it is applied with, did not render`);
    failures++;
  }
  const errors = checkPolicies(r.objects, { ...r, alongside });
  for (const e of errors) console.error(`FAIL ${r.dir}: ${e}`);
  failures += errors.length;
  console.log(`${r.dir}: ${r.objects.length} objects checked`);
}

if (failures > 0) die(`${failures} problem(s) found`);
console.log(`validate-k8s: ${renders.length} renders pass schema and policy checks (kustomize ${kustomizeVersion})`);

// Static checks of the top-level Dockerfile and .dockerignore (no container engine needed):
//   - one target per program, each built on the `runtime` stage, running as a non-zero numeric uid;
//   - the build stage installs with scripts/install-deps; the runtime stage uses --no-install-recommends;
//   - no secret-looking ENV/ARG/LABEL, no COPY/ADD of keys, .env files or .natter/;
//   - .dockerignore keeps build/, .natter/ and .git out of the context;
//   - given built binaries: every shared library `ldd` resolves belongs to a Debian package that the
//     binary's image (its target's stage and the stages it derives from) installs, directly or as a
//     dependency, or that debian:12-slim already has; and the images stay slim: a target's own stage
//     installs only packages its binary loads directly, the shared runtime stage only what some binary
//     loads (plus ca-certificates), so Qt is only in the images of natter-auth and
//     natter-chat (they decode images).
// The library check reads package dependencies from this machine's dpkg database, so it assumes the
// machine is Debian 12 with the packages of scripts/install-deps (as developer machines and CI are).
//
// Usage: node check-dockerfile.mjs REPO_ROOT [BINARY...]

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

const TARGETS = ['natter-auth', 'natter-presence', 'natter-chat', 'natter-gateway', 'natterctl'];
// Packages in debian:12-slim that the binaries use without the runtime stage installing them. A short
// list of what apt, dpkg and coreutils need themselves (so the image always has them); anything else must
// be installed explicitly. Their dependencies count too.
const SLIM_BASE = ['libc6', 'libgcc-s1', 'libstdc++6', 'zlib1g', 'libzstd1', 'liblzma5', 'libbz2-1.0', 'libmd0', 'libselinux1'];

const [repoRoot, ...binaries] = process.argv.slice(2);
if (!repoRoot) {
  console.error('usage: node check-dockerfile.mjs REPO_ROOT [BINARY...]');
  process.exit(1);
}
const problems = [];
const fail = (message) => problems.push(message);

// -- Parse: continuation lines joined, comments dropped, one {op, args} per instruction --
const dockerfile = path.join(repoRoot, 'Dockerfile');
if (!existsSync(dockerfile)) {
  console.error(`check-dockerfile: ${dockerfile} does not exist`);
  process.exit(1);
}
const instructions = [];
let pending = '';
for (const raw of readFileSync(dockerfile, 'utf8').split('\n')) {
  if (/^\s*#/.test(raw) && pending === '') continue;
  if (/^\s*#/.test(raw)) continue; // comment inside a continued instruction
  const line = pending + raw;
  if (/\\\s*$/.test(line)) {
    pending = line.replace(/\\\s*$/, ' ');
    continue;
  }
  pending = '';
  const m = /^\s*(\w+)\s+(.*)$/.exec(line);
  if (m) instructions.push({ op: m[1].toUpperCase(), args: m[2].trim() });
}

const stages = [];
for (const ins of instructions) {
  if (ins.op === 'FROM') {
    const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
    stages.push({ from: m?.[1], name: m?.[2] ?? String(stages.length), instructions: [] });
  } else if (stages.length > 0) {
    stages.at(-1).instructions.push(ins);
  } else if (ins.op !== 'ARG') {
    fail(`${ins.op} before the first FROM`);
  }
}
const stage = (name) => stages.find((s) => s.name === name);
// The stage and its ancestors, nearest first.
function chain(s) {
  const out = [];
  for (let cur = s; cur && !out.includes(cur); cur = stage(cur.from)) out.push(cur);
  return out;
}
const runs = (s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

// -- Stages --
const build = stage('build');
const runtime = stage('runtime');
if (!build) fail('no stage named "build"');
else {
  if (build.from !== 'debian:12') fail(`the build stage starts FROM ${build.from}, not debian:12`);
  if (!runs(build).some((r) => /(^|[\s;&])(\.\/)?scripts\/install-deps\b/.test(r))) {
    fail('the build stage does not run scripts/install-deps (it must have the developer packages)');
  }
  if (!runs(build).some((r) => /cmake --preset release\b/.test(r))) fail('the build stage does not configure with cmake --preset release');
}
// Packages a stage's own RUN lines install with apt (every one with --no-install-recommends).
function installsOf(st) {
  const out = new Set();
  for (const r of runs(st)) {
    for (const cmd of r.split(/&&|;|\|\|/)) {
      const words = cmd.trim().split(/\s+/);
      const at = words.findIndex((w, i) => w === 'install' && /^apt(-get)?$/.test(words[i - 1] ?? ''));
      if (at < 0) continue;
      if (!words.includes('--no-install-recommends')) fail(`stage ${st.name} installs without --no-install-recommends: ${cmd.trim().replace(/\s+/g, ' ')}`);
      for (const w of words.slice(at + 1)) if (!w.startsWith('-')) out.add(w.replace(/[:=].*$/, ''));
    }
  }
  return out;
}
const installed = runtime ? installsOf(runtime) : new Set();
if (!runtime) fail('no stage named "runtime"');
else {
  if (runtime.from !== 'debian:12-slim') fail(`the runtime stage starts FROM ${runtime.from}, not debian:12-slim`);
  if (installed.size === 0) fail('the runtime stage installs no packages');
  if (!installed.has('ca-certificates')) fail('the runtime stage does not install ca-certificates (natterctl --tls trusts the system CAs)');
}
// What each target's image installs: its stage and every stage it derives from (not the build stage).
const targetInstalls = new Map(
  TARGETS.filter((t) => stage(t)).map((t) => [t, new Set(chain(stage(t)).flatMap((st) => [...installsOf(st)]))]),
);

for (const t of TARGETS) {
  const s = stage(t);
  if (!s) {
    fail(`no target "${t}"`);
    continue;
  }
  const ancestors = chain(s);
  if (!ancestors.includes(runtime)) fail(`target ${t} does not derive from the runtime stage (FROM ${s.from})`);
  const user = ancestors.flatMap((a) => a.instructions.filter((i) => i.op === 'USER')).at(0)?.args;
  const uid = user?.split(':')[0];
  if (!user) fail(`target ${t} has no USER (it would run as root)`);
  else if (!/^\d+$/.test(uid) || Number(uid) === 0) fail(`target ${t} runs as USER ${user}; use a non-zero numeric uid so runAsNonRoot can verify it`);
  if (!s.instructions.some((i) => i.op === 'ENTRYPOINT' && i.args.includes(t))) fail(`target ${t} has no ENTRYPOINT running ${t}`);
}

// -- Secrets --
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|KEY)/i;
for (const s of stages) {
  for (const i of s.instructions) {
    if (['ENV', 'ARG', 'LABEL'].includes(i.op)) {
      // KEY=VALUE pairs, or the old "ENV KEY VALUE" form.
      const pairs = i.args.includes('=') ? [...i.args.matchAll(/([\w.-]+)=("[^"]*"|\S*)/g)].map((m) => [m[1], m[2]])
        : [[i.args.split(/\s+/)[0], i.args.split(/\s+/).slice(1).join(' ')]];
      for (const [k, v] of pairs) {
        if (SECRET_NAME.test(k) && v.replace(/"/g, '') !== '') fail(`stage ${s.name}: ${i.op} ${k} has a value that looks like a secret`);
      }
    }
    if (i.op === 'COPY' || i.op === 'ADD') {
      const sources = i.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
      for (const src of sources) {
        if (/\.(pem|key)$|(^|\/)\.env$|(^|\/)\.natter(\/|$)/.test(src)) fail(`stage ${s.name}: ${i.op} copies ${src}, which may hold secrets`);
      }
    }
  }
}

// -- .dockerignore --
const ignorePath = path.join(repoRoot, '.dockerignore');
const ignored = existsSync(ignorePath)
  ? readFileSync(ignorePath, 'utf8').split('\n').map((l) => l.trim().replace(/^\/+|\/+$/g, '')).filter((l) => l && !l.startsWith('#'))
  : [];
if (!existsSync(ignorePath)) fail('there is no .dockerignore');
for (const entry of ['build', '.natter', '.git']) {
  if (!ignored.includes(entry)) fail(`.dockerignore does not exclude ${entry}/`);
}

// -- Shared libraries of the built binaries --
// Debian 12 is usr-merged: dpkg may know a library under /lib or /usr/lib, by its link or its target.
function candidatesOf(file) {
  const real = existsSync(file) ? realpathSync(file) : file;
  const candidates = new Set([file, real]);
  for (const f of [file, real]) {
    if (f.startsWith('/usr/')) candidates.add(f.slice(4));
    else candidates.add(`/usr${f}`);
  }
  return [...candidates];
}

// Package of each library, from one `dpkg -S` over every candidate path (one call per library would
// take a minute).
function packagesOf(files) {
  const owner = new Map();
  const all = [...new Set(files.flatMap(candidatesOf))];
  if (all.length > 0) {
    // Exits 1 when some path belongs to no package; the others are still printed.
    const r = spawnSync('dpkg', ['-S', ...all], { encoding: 'utf8' });
    for (const line of r.stdout.split('\n')) {
      const m = /^([^:,\s]+)(?::[^:\s]+)?: (\/\S+)$/.exec(line.trim());
      if (m) owner.set(m[2], m[1]);
    }
  }
  const result = new Map();
  for (const f of files) result.set(f, candidatesOf(f).map((c) => owner.get(c)).find(Boolean) ?? null);
  return result;
}

// Depends and Pre-Depends of every installed package, and which packages provide a virtual one.
function dependencyGraph() {
  const out = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n'], { encoding: 'utf8' });
  const deps = new Map();
  const providers = new Map();
  const names = (field) => field.split(',').map((alt) => alt.split('|').map((n) => n.trim().split(/[\s(:]/)[0]).filter(Boolean)).filter((a) => a.length);
  for (const line of out.split('\n').filter(Boolean)) {
    const [pkg, provides, depends] = line.split('\t');
    deps.set(pkg, names(depends));
    for (const [p] of names(provides)) providers.set(p, [...(providers.get(p) ?? []), pkg]);
  }
  return { deps, providers };
}

// What apt brings in for `roots` (no Recommends): for alternatives, the first one known here.
function closure(roots, { deps, providers }) {
  const seen = new Set();
  const todo = [...roots];
  while (todo.length) {
    const pkg = todo.pop();
    if (seen.has(pkg)) continue;
    seen.add(pkg);
    for (const alternatives of deps.get(pkg) ?? []) {
      const real = alternatives.find((a) => deps.has(a)) ?? alternatives.map((a) => providers.get(a)?.[0]).find(Boolean);
      if (real) todo.push(real);
    }
  }
  return seen;
}

// Which target ships a binary: its file name is the target's name.
if (binaries.length > 0) {
  const graph = dependencyGraph();
  const everyInstall = new Set([...targetInstalls.values()].flatMap((set) => [...set]));
  for (const p of everyInstall) if (!graph.deps.has(p)) fail(`the Dockerfile installs ${p}, which is not a package installed on this machine (misspelt?)`);
  const loadedBy = new Map(); // target -> packages its binary loads directly
  for (const bin of binaries) {
    const target = path.basename(bin);
    if (!targetInstalls.has(target)) {
      fail(`${bin}: no Dockerfile target is named ${target}`);
      continue;
    }
    if (!existsSync(bin)) {
      fail(`${bin} does not exist (build it first)`);
      continue;
    }
    const ldd = spawnSync('ldd', [bin], { encoding: 'utf8' });
    if (ldd.status !== 0) {
      fail(`ldd ${bin} failed: ${ldd.stderr.trim()}`);
      continue;
    }
    const libs = [];
    for (const line of ldd.stdout.split('\n')) {
      if (/=>\s*not found/.test(line)) {
        fail(`${target}: ${line.trim()}`);
        continue;
      }
      const lib = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
      if (lib) libs.push(lib); // (linux-vdso has no file)
    }
    const available = closure([...targetInstalls.get(target), ...SLIM_BASE], graph);
    const missing = new Map();
    const loaded = new Set();
    for (const [lib, pkg] of packagesOf(libs)) {
      if (!pkg) fail(`${target}: ${lib} belongs to no Debian package`);
      else {
        loaded.add(pkg);
        if (!available.has(pkg)) missing.set(pkg, lib);
      }
    }
    loadedBy.set(target, loaded);
    for (const [pkg, lib] of missing) {
      fail(`${target} loads ${lib} from package ${pkg}, which its image does not install (add it to the apt-get install of its stage, or of runtime if every program loads it)`);
    }
    if (missing.size === 0) console.log(`${target}: every shared library comes from its image's packages`);
    // Slim: a target's own stage installs only what its binary loads directly.
    for (const pkg of installsOf(stage(target))) {
      if (!loaded.has(pkg)) fail(`target ${target} installs ${pkg}, which ${target} does not load (keep each image to what its program needs)`);
    }
  }
  // And the shared runtime stage only what some program loads (plus the CA certificates).
  if (loadedBy.size === TARGETS.length) {
    const anyLoads = new Set([...loadedBy.values()].flatMap((set) => [...set]));
    for (const pkg of installed) {
      if (pkg !== 'ca-certificates' && !anyLoads.has(pkg)) fail(`the runtime stage installs ${pkg}, which no program loads`);
    }
  }
}

for (const p of problems) console.error(`FAIL ${p}`);
if (problems.length > 0) {
  console.error(`check-dockerfile: ${problems.length} problem(s) in ${dockerfile}`);
  process.exit(1);
}
console.log(`check-dockerfile: ${stages.length} stages, targets ${TARGETS.join(', ')} pass`);

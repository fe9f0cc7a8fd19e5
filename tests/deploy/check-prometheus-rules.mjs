// Checks the monitoring component's PromQL with Prometheus's own promtool (Debian's `prometheus`
// package):
//   (a) every alert of k8s/components/monitoring/prometheus-rule.yaml parses (promtool check rules);
//   (b) every query of the Grafana dashboard parses (checked as recording rules);
//   (c) the alerts fire, and only when they should, on the series in prometheus-rules.test.yaml
//       (promtool test rules: a gateway near its cap, a component gone, an error ratio, ...).
// Which metric names exist is not checked here: tests/e2e/monitoring_metrics_test.cc does that
// against a running stack.
//
// Usage: node check-prometheus-rules.mjs REPO_ROOT NODE_MODULES [PROMTOOL]

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [repoRoot, nodeModules, promtool = 'promtool'] = process.argv.slice(2);
if (!repoRoot || !nodeModules) {
  console.error('usage: node check-prometheus-rules.mjs REPO_ROOT NODE_MODULES [PROMTOOL]');
  process.exit(1);
}
const YAML = createRequire(path.resolve(nodeModules, 'x.js'))('yaml');
const here = path.dirname(new URL(import.meta.url).pathname);
const component = path.join(repoRoot, 'k8s/components/monitoring');

function run(args, cwd) {
  const r = spawnSync(promtool, args, { cwd, encoding: 'utf8' });
  if (r.error) {
    console.error(`check-prometheus-rules: cannot run ${promtool} (${r.error.message}): install Debian's prometheus package (scripts/install-deps)`);
    process.exit(1);
  }
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0, output };
}

const work = mkdtempSync(path.join(tmpdir(), 'natter-rules-'));
let failures = 0;
try {
  const rule = YAML.parse(readFileSync(path.join(component, 'prometheus-rule.yaml'), 'utf8'));
  writeFileSync(path.join(work, 'natter-rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));

  const dashboard = JSON.parse(readFileSync(path.join(component, 'dashboards/natter.json'), 'utf8'));
  const panels = [...dashboard.panels, ...dashboard.panels.flatMap((p) => p.panels ?? [])];
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t, i) => ({ record: `dashboard:${p.id}:${i}`, expr: t.expr })));
  writeFileSync(path.join(work, 'dashboard-queries.yaml'), YAML.stringify({ groups: [{ name: 'dashboard', rules: queries }] }));
  copyFileSync(path.join(here, 'prometheus-rules.test.yaml'), path.join(work, 'prometheus-rules.test.yaml'));

  for (const [what, args] of [
    ['the PrometheusRule', ['check', 'rules', 'natter-rules.yaml']],
    [`the dashboard's ${queries.length} queries`, ['check', 'rules', 'dashboard-queries.yaml']],
    ['the alerts against prometheus-rules.test.yaml', ['test', 'rules', 'prometheus-rules.test.yaml']],
  ]) {
    const r = run(args, work);
    if (r.ok) {
      console.log(`ok: ${what}`);
    } else {
      console.error(`FAIL ${what}:\n${r.output}`);
      failures++;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`check-prometheus-rules: ${failures} problem(s) found`);
  process.exit(1);
}
console.log('check-prometheus-rules: the alerts and the dashboard parse, and the alerts fire as tested');

// The Helm chart (deploy/helm/berth): `helm lint`, what it renders, and a server-side dry run of the
// rendered manifests against a real testbed API server (admission, schemas, CRDs: all real).
// helm and kubectl are built from Go modules by scripts/helm-build (scripts/test runs it first).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadTestbed, repoRoot, type TestbedCluster } from '../testbed/state.js';

const CHART = join(repoRoot, 'deploy/helm/berth');
const TEST_VALUES = join(CHART, 'ci/test-values.yaml');
const SM_CRD = join(repoRoot, 'test/deploy/fixtures/servicemonitor-crd.yaml');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

let bin = '';
function run(tool: 'helm' | 'kubectl', args: string[], input?: string): Run {
  const r = spawnSync(join(bin, tool), args, { input, encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ok(r: Run): string {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
function template(...extra: string[]): Run {
  return run('helm', ['template', 'berth', CHART, '--namespace', 'berth-test', ...extra]);
}
function objects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
}
function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `${kind}/${name} not rendered: ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  return o;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function container(d: K8sObject): any {
  return d.spec.template.spec.containers[0];
}
function env(
  d: K8sObject,
): Record<string, { value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return Object.fromEntries(container(d).env.map((e: any) => [e.name, e]));
}

beforeAll(() => {
  // Warm: milliseconds. Cold (a fresh machine): scripts/test has already built them before jest starts.
  const out = execFileSync(join(repoRoot, 'scripts/helm-build'), { encoding: 'utf8', timeout: 1_800_000 });
  bin = out.trim().split('\n').pop()!;
}, 1_800_000);

describe('Helm chart: lint and rendering', () => {
  it("has Berth's version as appVersion", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
    expect(/^appVersion:\s*"?([^"\s]+)"?/m.exec(chart)?.[1]).toBe(pkg.version);
  });

  it('passes helm lint --strict with the secret references set', () => {
    const r = run('helm', ['lint', '--strict', CHART, '-f', TEST_VALUES]);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses to render without the secret references or a database (it never makes up secrets)', () => {
    const noSecrets = template(
      '--set',
      'database.url=postgres://db/berth',
      '--set',
      'redis.url=redis://r:6379',
    );
    expect(noSecrets.status).not.toBe(0);
    expect(noSecrets.stderr).toContain('BERTH_JWT_SECRET: set secrets.existingSecret');
    const noDb = template('--set', 'secrets.existingSecret=s', '--set', 'redis.url=redis://r:6379');
    expect(noDb.status).not.toBe(0);
    expect(noDb.stderr).toContain('DATABASE_URL: set database.url or database.existingSecret');
    // helm lint tolerates `fail` (lint mode) but reports it
    const lintNoValues = run('helm', ['lint', CHART]);
    expect(lintNoValues.stderr).toContain('Fail: BERTH_JWT_SECRET: set secrets.existingSecret');
    // config may not override what the chart sets per component
    const reserved = template('-f', TEST_VALUES, '--set', 'config.BERTH_WORKERS=true');
    expect(reserved.status).not.toBe(0);
    expect(reserved.stderr).toContain('config.BERTH_WORKERS is set by the chart');
  });

  it('renders API and worker Deployments: BERTH_WORKERS, concurrency, secrets by reference, probes, security', () => {
    const objs = objects(
      ok(
        template(
          '-f',
          TEST_VALUES,
          '--set',
          'workers.replicas=3',
          '--set',
          'workers.concurrency=7',
          '--set',
          'config.BERTH_KUBE_TIMEOUT_MS=4000',
        ),
      ),
    );
    const api = find(objs, 'Deployment', 'berth-api');
    const workers = find(objs, 'Deployment', 'berth-workers');
    expect(api.spec.replicas).toBe(2);
    expect(workers.spec.replicas).toBe(3);
    const apiEnv = env(api);
    const wEnv = env(workers);
    expect(apiEnv.BERTH_WORKERS.value).toBe('false');
    expect(apiEnv.BERTH_WORKER_CONCURRENCY).toBeUndefined();
    expect(apiEnv.BERTH_RUN_MIGRATIONS.value).toBe('true');
    expect(wEnv.BERTH_WORKERS.value).toBe('true');
    expect(wEnv.BERTH_WORKER_CONCURRENCY.value).toBe('7');
    expect(wEnv.BERTH_RUN_MIGRATIONS.value).toBe('false');
    for (const e of [apiEnv, wEnv]) {
      expect(e.NODE_ENV.value).toBe('production');
      for (const [name, key] of [
        ['BERTH_JWT_SECRET', 'jwt-secret'],
        ['BERTH_ENCRYPTION_KEYS', 'encryption-keys'],
        ['BERTH_ADMIN_PASSWORD', 'admin-password'],
        ['DATABASE_URL', 'database-url'],
      ]) {
        expect(e[name].value).toBeUndefined();
        expect(e[name].valueFrom?.secretKeyRef).toEqual({ name: 'berth-secrets', key });
      }
      expect(e.REDIS_URL.value).toBe('redis://berth-redis:6379');
    }
    // no Secret objects, and no secret material anywhere in the output
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const d of [api, workers]) {
      const c = container(d);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'berth' } }]);
    }
    expect(find(objs, 'ConfigMap', 'berth').data).toEqual({
      LOG_LEVEL: 'info',
      BERTH_KUBE_TIMEOUT_MS: '4000',
    });
    const svc = find(objs, 'Service', 'berth');
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('api');
    expect(find(objs, 'PodDisruptionBudget', 'berth-api').spec.maxUnavailable).toBe(1);
    expect(find(objs, 'PodDisruptionBudget', 'berth-workers').spec.selector.matchLabels).toMatchObject({
      'app.kubernetes.io/component': 'workers',
    });
    expect(objs.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
  });
});

describe('Helm chart: server-side dry run on a testbed cluster', () => {
  let cluster: TestbedCluster;
  const ns = `berth-helm-${randomBytes(3).toString('hex')}`;
  let createdCrd = false;
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', ['--kubeconfig', cluster.kubeconfig_path, ...args], input);
  const dryRun = (manifests: string) =>
    kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], manifests);

  beforeAll(() => {
    cluster = loadTestbed()[0];
    ok(kubectl(['create', 'namespace', ns]));
  });
  afterAll(() => {
    if (!cluster || !bin) return;
    kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    if (createdCrd) kubectl(['delete', '-f', SM_CRD, '--wait=false', '--ignore-not-found']);
  });

  it('accepts the default rendering (every object admitted, nothing created)', () => {
    const out = ok(dryRun(ok(template('-f', TEST_VALUES, '--namespace', ns))));
    for (const o of [
      'serviceaccount/berth',
      'configmap/berth',
      'service/berth',
      'service/berth-workers',
      'deployment.apps/berth-api',
      'deployment.apps/berth-workers',
      'poddisruptionbudget.policy/berth-api',
      'poddisruptionbudget.policy/berth-workers',
    ])
      expect(out).toContain(`${o} created (server dry run)`);
    expect(ok(kubectl(['get', 'deployments,services,configmaps', '-n', ns, '-o', 'name']))).not.toContain(
      'berth',
    );
    // the server really checks: an invalid value is refused
    const bad = dryRun(ok(template('-f', TEST_VALUES, '--namespace', ns, '--set', 'api.replicas=-1')));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('spec.replicas');
  });

  it('accepts the ServiceMonitor (monitoring.coreos.com/v1) when enabled', () => {
    if (kubectl(['get', 'crd', 'servicemonitors.monitoring.coreos.com']).status !== 0) {
      ok(kubectl(['apply', '-f', SM_CRD]));
      createdCrd = true;
    }
    ok(
      kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=30s',
        'crd/servicemonitors.monitoring.coreos.com',
      ]),
    );
    const rendered = ok(
      template('-f', TEST_VALUES, '--namespace', ns, '--set', 'serviceMonitor.enabled=true'),
    );
    const sm = find(objects(rendered), 'ServiceMonitor', 'berth');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' },
    ]);
    // the CRD's discovery can lag its Established condition by a moment
    let out = dryRun(rendered);
    for (let i = 0; i < 20 && out.status !== 0 && /no matches for kind|ensure CRDs/.test(out.stderr); i++) {
      spawnSync('sleep', ['0.5']);
      out = dryRun(rendered);
    }
    expect(ok(out)).toContain('servicemonitor.monitoring.coreos.com/berth created (server dry run)');
    const bad = dryRun(
      ok(
        template(
          '-f',
          TEST_VALUES,
          '--namespace',
          ns,
          '--set',
          'serviceMonitor.enabled=true',
          '--set',
          'serviceMonitor.interval=soon',
        ),
      ),
    );
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('interval');
  });
});

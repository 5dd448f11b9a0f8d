import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClusterClientPool } from '../../src/kube/client/cluster-client.pool.js';
import { importCluster, kubeconfigOf, kubeconfigWith, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

const BAD_USER_FORMS: [string, string, string][] = [
  [
    'exec',
    '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "id"]',
    'user.exec',
  ],
  ['auth-provider', '    auth-provider:\n      name: oidc\n      config: {}', 'user.auth-provider'],
  ['tokenFile', '    tokenFile: /etc/passwd', 'user.tokenFile'],
  [
    'client-certificate',
    '    client-certificate: /etc/ssl/private/key.pem\n    client-key: /etc/ssl/private/key.pem',
    'user.client-certificate',
  ],
  ['basic auth', '    username: admin\n    password: secret', 'user.username'],
];

const kubeconfig = kubeconfigWith;

describe('clusters (e2e, real testbed clusters)', () => {
  let t: TestApp;
  let admin: string;
  let tb: TestbedCluster[];

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('imports a cluster by kubeconfig: probed, stored encrypted, answered without the credential', async () => {
    const res = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: {
        name: 'alpha',
        kubeconfig: kubeconfigOf(tb[0]),
        display_name: 'Alpha',
        labels: { env: 'prod', team: 'core' },
        city: 'Hangzhou',
        district: 'Xihu',
        description: 'first',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: 'alpha',
      display_name: 'Alpha',
      provider: 'imported',
      status: 'active',
      labels: { env: 'prod', team: 'core' },
      city: 'Hangzhou',
      district: 'Xihu',
      server: tb[0].server,
      auth_type: 'token',
      node_count: expect.any(Number),
      ready_node_count: expect.any(Number),
      last_error: null,
    });
    expect(res.body.data.version).toMatch(/^v1\.\d+\.\d+/);
    expect(res.body.data.node_count).toBeGreaterThan(0);
    expect(res.text).not.toContain(tb[0].token);
    const row = (await t.sql.query('SELECT * FROM clusters WHERE id = $1', [res.body.data.id])).rows[0];
    expect(JSON.stringify(row)).not.toContain(tb[0].token);
    expect(row.access_sealed).toMatch(/^v1:dev:/);
  });

  it('imports a cluster by server + token + CA', async () => {
    const res = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: {
        name: 'beta',
        server: tb[1].server,
        token: tb[1].token,
        ca_data: tb[1].ca_data,
        labels: { env: 'staging' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name: 'beta', status: 'active', server: tb[1].server });
  });

  it.each(BAD_USER_FORMS)(
    'refuses a kubeconfig using %s with 422 naming the field',
    async (_label, block, field) => {
      const res = await t.api('POST', '/api/v1/clusters/import', {
        token: admin,
        body: { name: 'evil', kubeconfig: kubeconfig(tb[0], block) },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe(42201);
      expect(res.body.data.field).toContain(field);
      expect(res.body.message).toContain(field.split('.').pop());
    },
  );

  it('refuses file-path CAs, proxies, non-https servers, oversized and multi-context kubeconfigs', async () => {
    const caFile = kubeconfig(tb[0], `    token: ${tb[0].token}`, '').replace(
      `certificate-authority-data: ${tb[0].ca_data}`,
      'certificate-authority: /etc/ssl/certs/ca.pem',
    );
    const proxy = kubeconfig(tb[0], `    token: ${tb[0].token}`).replace(
      '    certificate-authority-data',
      '    proxy-url: http://10.9.9.9:3128\n    certificate-authority-data',
    );
    const http = kubeconfig(tb[0], `    token: ${tb[0].token}`).replace('https://', 'http://');
    const big = kubeconfig(tb[0], `    token: ${tb[0].token}`) + `# ${'x'.repeat(300_000)}\n`;
    // several contexts, none current: refused, naming the context field (with current-context: see below)
    const multi = kubeconfig(tb[0], `    token: ${tb[0].token}`).replace(
      'current-context: ctx',
      '- name: other\n  context: {cluster: c, user: u}',
    );
    for (const [doc, field] of [
      [caFile, 'certificate-authority'],
      [proxy, 'proxy-url'],
      [http, 'server'],
      [big, 'kubeconfig'],
      [multi, 'context'],
    ]) {
      const res = await t.api('POST', '/api/v1/clusters/import', {
        token: admin,
        body: { name: 'evil', kubeconfig: doc },
      });
      expect(res.status).toBe(422);
      expect(res.body.data.field).toContain(field);
    }
    const withContext = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'multi', kubeconfig: multi, context: 'other' },
    });
    expect(withContext.status).toBe(201);
    const withCurrent = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'multi-current', kubeconfig: multi + 'current-context: other\n' },
    });
    expect(withCurrent.status).toBe(201);
    expect((await t.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name = 'evil'")).rows[0].n).toBe(
      0,
    );
  });

  it('refuses an unreachable cluster within the timeout, or saves it as unavailable with force', async () => {
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'dead', server: 'https://127.0.0.1:1', token: 'x' },
    });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe(50301);
    expect(res.body.message).toContain('force=true');
    expect(Date.now() - started).toBeLessThan(t.config.kube.timeout_ms + 1000);
    const forced = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'dead', server: 'https://127.0.0.1:1', token: 'x', force: true },
    });
    expect(forced.status).toBe(201);
    // One generic reason for every connection failure (issue 9: the errno would fingerprint the port); the errno is logged.
    expect(forced.body.data).toMatchObject({
      status: 'unavailable',
      last_error: 'Cluster dead is unreachable',
    });
    expect(t.logs.join('\n')).toMatch(/dead .* is unreachable: ECONNREFUSED/);
  });

  it('refuses a credential the cluster rejects (another cluster’s token) with 422', async () => {
    const res = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'wrongtoken', server: tb[0].server, token: tb[1].token, ca_data: tb[0].ca_data },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe(42202);
  });

  it('refuses duplicates, half credentials and unknown fields', async () => {
    expect(
      (
        await t.api('POST', '/api/v1/clusters/import', {
          token: admin,
          body: { name: 'alpha', kubeconfig: kubeconfigOf(tb[0]) },
        })
      ).status,
    ).toBe(409);
    const half = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'half', server: tb[0].server },
    });
    expect(half.status).toBe(400);
    expect(half.body.data.fields[0].field).toBe('token');
    const neither = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'neither' },
    });
    expect(neither.status).toBe(400);
    const viewer = await userToken(t, admin, 'vic', 'viewer');
    expect(
      (
        await t.api('POST', '/api/v1/clusters/import', {
          token: viewer,
          body: { name: 'v', kubeconfig: kubeconfigOf(tb[2]) },
        })
      ).status,
    ).toBe(403);
  });

  it('lists with filters and sorting', async () => {
    const all = await t.api('GET', '/api/v1/clusters?sort=-name', { token: admin });
    expect(all.body.data.data.map((c: { name: string }) => c.name)).toEqual([
      'multi-current',
      'multi',
      'dead',
      'beta',
      'alpha',
    ]);
    const prod = await t.api('GET', '/api/v1/clusters?label=env=prod', { token: admin });
    expect(prod.body.data.data.map((c: { name: string }) => c.name)).toEqual(['alpha']);
    const down = await t.api('GET', '/api/v1/clusters?status=unavailable', { token: admin });
    expect(down.body.data.data.map((c: { name: string }) => c.name)).toEqual(['dead']);
    const search = await t.api('GET', '/api/v1/clusters?q=alp', { token: admin });
    expect(search.body.data.total).toBe(1);
    const bad = await t.api('GET', '/api/v1/clusters?label=env&sort=color', { token: admin });
    expect(bad.status).toBe(400);
  });

  it('reads a status older than the stale window as "stale"', async () => {
    const id = (await t.api('GET', '/api/v1/clusters?q=beta', { token: admin })).body.data.data[0].id;
    await t.sql.query("UPDATE clusters SET last_probed_at = now() - interval '1 hour' WHERE id = $1", [id]);
    expect((await t.api('GET', `/api/v1/clusters/${id}`, { token: admin })).body.data.status).toBe('stale');
    expect(
      (await t.api('GET', '/api/v1/clusters?status=stale', { token: admin })).body.data.data.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([id]);
    const health = await t.api('GET', `/api/v1/clusters/${id}/health`, { token: admin });
    expect(health.status).toBe(200);
    expect(health.body.data).toMatchObject({
      status: 'active',
      error: null,
      version: expect.stringMatching(/^v1\./),
    });
    expect((await t.api('GET', `/api/v1/clusters/${id}`, { token: admin })).body.data.status).toBe('active');
  });

  it('updates attributes, rotates the credential after probing it, and drops cached clients', async () => {
    const id = (await t.api('GET', '/api/v1/clusters?q=dead', { token: admin })).body.data.data[0].id;
    const renamed = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: admin,
      body: { display_name: 'Was dead', labels: { env: 'dev' } },
    });
    expect(renamed.body.data).toMatchObject({
      display_name: 'Was dead',
      labels: { env: 'dev' },
      status: 'unavailable',
    });
    const rejected = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: admin,
      body: { server: tb[2].server, token: 'wrong', ca_data: tb[2].ca_data },
    });
    expect(rejected.status).toBe(422);
    const rotated = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: admin,
      body: { kubeconfig: kubeconfigOf(tb[2]) },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data).toMatchObject({ status: 'active', server: tb[2].server, last_error: null });
    const version = (await t.sql.query('SELECT access_version FROM clusters WHERE id = $1', [id])).rows[0]
      .access_version;
    expect(version).toBe(2);
  });

  it('detaches: the record and its pooled client go, the cluster is untouched', async () => {
    const id = await importCluster(t, admin, tb[2], 'gamma-tmp');
    await t.api('GET', `/api/v1/clusters/${id}/health`, { token: admin });
    const pool = t.app.get(ClusterClientPool);
    const before = pool.size;
    expect((await t.api('DELETE', `/api/v1/clusters/${id}`, { token: admin })).status).toBe(200);
    expect(pool.size).toBe(before - 1);
    expect((await t.api('GET', `/api/v1/clusters/${id}`, { token: admin })).status).toBe(404);
    const again = await importCluster(t, admin, tb[2], 'gamma-tmp2');
    expect((await t.api('GET', `/api/v1/clusters/${again}/health`, { token: admin })).body.data.status).toBe(
      'active',
    );
  });
});

describe('cluster health sweep (e2e)', () => {
  it('probes every cluster on the configured interval through a repeatable bull job', async () => {
    const t = await startTestApp({ env: { BERTH_PROBE_INTERVAL_SECONDS: '5' } });
    try {
      const admin = await t.login();
      const tb = testbed();
      const alive = await importCluster(t, admin, tb[0], 'sweep-alive');
      const dead = (
        await t.api('POST', '/api/v1/clusters/import', {
          token: admin,
          body: { name: 'sweep-dead', server: 'https://127.0.0.1:1', token: 'x', force: true },
        })
      ).body.data.id;
      // Age both records: the sweep must refresh them.
      await t.sql.query(
        "UPDATE clusters SET last_probed_at = now() - interval '1 hour', status = 'unavailable'",
      );
      expect((await t.api('GET', `/api/v1/clusters/${alive}`, { token: admin })).body.data.status).toBe(
        'stale',
      );
      const swept = await eventually(
        async () => {
          const rows = (await t.sql.query('SELECT id, status, last_probed_at FROM clusters')).rows as {
            id: string;
            status: string;
            last_probed_at: Date;
          }[];
          return rows.every((r) => Date.now() - r.last_probed_at.getTime() < 30_000) ? rows : null;
        },
        20_000,
        250,
      );
      expect(swept.find((r) => r.id === alive)?.status).toBe('active');
      expect(swept.find((r) => r.id === dead)?.status).toBe('unavailable');
      expect((await t.api('GET', `/api/v1/clusters/${alive}`, { token: admin })).body.data.status).toBe(
        'active',
      );
    } finally {
      await t.close();
    }
  });
});

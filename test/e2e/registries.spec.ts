import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import { HARBOR_SWAGGER_SOURCE } from '../simulators/harbor/harbor-2.11-schemas.js';
import { checkExchanges, formatReport } from '../simulators/harbor/harbor-fidelity.js';
import { type HarborSimulator, startHarborSimulator } from '../simulators/harbor/simulator.js';
import type { TestbedCluster } from '../testbed/state.js';

const RUN = randomBytes(3).toString('hex');
const NS = `berth-reg-${RUN}`;

/** Reads an object straight from a testbed API server (not through Berth). */
function kubeGet(c: TestbedCluster, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, c.server),
      {
        headers: { authorization: `Bearer ${c.token}`, accept: 'application/json' },
        ca: Buffer.from(c.ca_data, 'base64'),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('image registries: Harbor (e2e, Harbor simulator + real testbed clusters)', () => {
  let t: TestApp;
  let sim: HarborSimulator;
  let admin: string;
  let operator: string;
  let viewer: string;
  let tb: TestbedCluster[];
  const clusterIds: string[] = [];
  let harborCred: string;
  let rancherCred: string;
  let registryId: string;
  let host: string;
  const base = () => `/api/v1/registries/${registryId}`;

  beforeAll(async () => {
    tb = testbed();
    sim = await startHarborSimulator();
    host = new URL(sim.url).host;
    t = await startTestApp();
    admin = await t.login();
    operator = await userToken(t, admin, 'op', 'operator');
    viewer = await userToken(t, admin, 'viewer', 'viewer');
    let res = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: { name: 'harbor-sim', provider: 'harbor', ...sim.credential },
    });
    expect(res.status).toBe(201);
    harborCred = res.body.data.id;
    res = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'rancher-x',
        provider: 'rancher',
        settings: { endpoint: 'https://rancher.example.com' },
        secrets: { token: 'token-abcde:xxxxxxxx' },
      },
    });
    expect(res.status).toBe(201);
    rancherCred = res.body.data.id;
    res = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { name: 'harbor', provider: 'harbor', endpoint: sim.url, credential_id: harborCred },
    });
    expect(res.status).toBe(201);
    registryId = res.body.data.id;
    for (const c of tb) clusterIds.push(await importCluster(t, admin, c));
  });

  afterAll(async () => {
    for (const id of clusterIds)
      await t
        .api('DELETE', `/api/v1/clusters/${id}/resources/namespaces/${NS}`, { token: admin })
        .catch(() => undefined);
    await t?.close();
    await sim?.close();
  });

  it('manages registry records: create, validate, list with filters, get, patch, delete; admin only', async () => {
    const body = {
      name: 'other',
      provider: 'harbor',
      endpoint: `${sim.url}/`,
      credential_id: harborCred,
      description: 'second',
    };
    const created = await t.api('POST', '/api/v1/registries', { token: admin, body });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'other',
      provider: 'harbor',
      endpoint: sim.url,
      host,
      credential_id: harborCred,
      description: 'second',
    });
    const id = created.body.data.id;

    const wrongProvider = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { ...body, name: 'bad', credential_id: rancherCred },
    });
    expect(wrongProvider.status).toBe(400);
    expect(wrongProvider.body).toMatchObject({ code: 40001, data: { fields: [{ field: 'credential_id' }] } });
    expect(wrongProvider.body.data.fields[0].errors[0]).toContain('harbor');
    const missingCred = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { ...body, name: 'bad', credential_id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missingCred.status).toBe(400);
    const invalid = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { name: 'Bad Name', provider: 'quay', endpoint: 'ftp://x', credential_id: 'nope' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.data.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'credential_id',
      'endpoint',
      'name',
      'provider',
    ]);
    expect((await t.api('POST', '/api/v1/registries', { token: admin, body })).status).toBe(409);
    expect(
      (await t.api('POST', '/api/v1/registries', { token: operator, body: { ...body, name: 'x' } })).status,
    ).toBe(403);
    expect(
      (await t.api('PATCH', `/api/v1/registries/${id}`, { token: operator, body: { description: 'x' } }))
        .status,
    ).toBe(403);

    const list = await t.api('GET', '/api/v1/registries?q=oth&provider=harbor', { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject({ total: 1, cur_page: 1, data: [{ id, name: 'other' }] });
    const byCred = await t.api('GET', `/api/v1/registries?credential_id=${harborCred}&page_size=1&page=2`, {
      token: viewer,
    });
    expect(byCred.body.data).toMatchObject({ total: 2, total_page: 2, cur_page: 2 });
    expect(byCred.body.data.data).toHaveLength(1);
    expect((await t.api('GET', `/api/v1/registries/${id}`, { token: viewer })).body.data.name).toBe('other');

    const patched = await t.api('PATCH', `/api/v1/registries/${id}`, {
      token: admin,
      body: { description: 'changed', name: 'other-2' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'other-2', description: 'changed' });
    expect(
      (
        await t.api('PATCH', `/api/v1/registries/${id}`, {
          token: admin,
          body: { credential_id: rancherCred },
        })
      ).status,
    ).toBe(400);
    expect(
      (await t.api('PATCH', `/api/v1/registries/${id}`, { token: admin, body: { name: 'harbor' } })).status,
    ).toBe(409);

    expect((await t.api('DELETE', `/api/v1/registries/${id}`, { token: admin })).status).toBe(200);
    expect((await t.api('GET', `/api/v1/registries/${id}`, { token: admin })).status).toBe(404);
    expect((await t.api('GET', '/api/v1/registries/not-a-uuid', { token: admin })).body.code).toBe(40002);
    // A credential a registry uses cannot be deleted out from under it.
    expect((await t.api('DELETE', `/api/v1/credentials/${harborCred}`, { token: admin })).status).toBe(409);
  });

  it('reports live health and version', async () => {
    const res = await t.api('GET', `${base()}/health`, { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      registry_id: registryId,
      status: 'healthy',
      version: 'v2.11.0-sim',
    });
    expect(res.body.data.components.length).toBeGreaterThan(3);
    sim.setComponentHealth('registry', 'unhealthy');
    try {
      const sick = await t.api('GET', `${base()}/health`, { token: viewer });
      expect(sick.body.data.status).toBe('unhealthy');
      expect(sick.body.data.components).toContainEqual(
        expect.objectContaining({ name: 'registry', status: 'unhealthy', error: expect.any(String) }),
      );
    } finally {
      sim.setComponentHealth('registry', 'healthy');
    }
  });

  it('pages projects: Berth page/page_size mapped onto Harbor’s, totals right, search', async () => {
    for (let i = 0; i < 26; i++) {
      const res = await t.api('POST', `${base()}/projects`, {
        token: operator,
        body: { name: `pg-${String(i).padStart(2, '0')}` },
      });
      expect(res.status).toBe(201);
    }
    const seen: string[] = [];
    for (const [p, n] of [
      [1, 10],
      [2, 10],
      [3, 6],
    ]) {
      const res = await t.api('GET', `${base()}/projects?q=pg-&page=${p}&page_size=10`, { token: viewer });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ cur_page: p, cur_page_size: 10, total: 26, total_page: 3 });
      expect(res.body.data.data).toHaveLength(n);
      seen.push(...res.body.data.data.map((x: { name: string }) => x.name));
    }
    expect(seen).toEqual(Array.from({ length: 26 }, (_, i) => `pg-${String(i).padStart(2, '0')}`));
    // Larger than Harbor's 100 page limit: still one Berth page.
    const big = await t.api('GET', `${base()}/projects?page_size=300`, { token: viewer });
    expect(big.body.data.total).toBeGreaterThanOrEqual(27); // + library
    expect(big.body.data.data).toHaveLength(big.body.data.total);
    const beyond = await t.api('GET', `${base()}/projects?q=pg-&page=9&page_size=10`, { token: viewer });
    expect(beyond.body.data).toMatchObject({ total: 26, data: [] });
  });

  it('creates public and private projects, flips visibility, answers 409 / 404 / 400 / 403', async () => {
    const pub = await t.api('POST', `${base()}/projects`, {
      token: operator,
      body: { name: 'open-proj', public: true },
    });
    expect(pub.status).toBe(201);
    expect(pub.body.data).toMatchObject({ name: 'open-proj', public: true, repository_count: 0 });
    const priv = await t.api('POST', `${base()}/projects`, {
      token: operator,
      body: { name: 'closed-proj' },
    });
    expect(priv.body.data.public).toBe(false);
    expect(sim.store.findProjectByName('open-proj')?.metadata.public).toBe('true');

    const flipped = await t.api('PATCH', `${base()}/projects/open-proj`, {
      token: operator,
      body: { public: false },
    });
    expect(flipped.status).toBe(200);
    expect(flipped.body.data.public).toBe(false);
    expect(sim.store.findProjectByName('open-proj')?.metadata.public).toBe('false');
    expect((await t.api('GET', `${base()}/projects/open-proj`, { token: viewer })).body.data.public).toBe(
      false,
    );

    const dup = await t.api('POST', `${base()}/projects`, { token: operator, body: { name: 'open-proj' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      code: 40900,
      data: { vendor: 'harbor', vendor_code: 'CONFLICT', vendor_request_id: expect.any(String) },
    });
    const missing = await t.api('GET', `${base()}/projects/no-such-proj`, { token: viewer });
    expect(missing.status).toBe(404);
    expect(missing.body.data).toMatchObject({ vendor_status: 404, vendor_code: 'NOT_FOUND' });
    expect((await t.api('GET', `${base()}/projects/Bad..Name`, { token: viewer })).status).toBe(400);
    expect(
      (await t.api('POST', `${base()}/projects`, { token: operator, body: { name: 'UPPER' } })).status,
    ).toBe(400);
    expect(
      (await t.api('POST', `${base()}/projects`, { token: viewer, body: { name: 'nope' } })).status,
    ).toBe(403);
    expect((await t.api('DELETE', `${base()}/projects/closed-proj`, { token: viewer })).status).toBe(403);
    expect((await t.api('DELETE', `${base()}/projects/closed-proj`, { token: operator })).status).toBe(200);
    expect(sim.store.findProjectByName('closed-proj')).toBeUndefined();
    expect(
      (
        await t.api('GET', `/api/v1/registries/00000000-0000-4000-8000-000000000000/projects`, {
          token: viewer,
        })
      ).status,
    ).toBe(404);
  });

  it('lists repositories and artifacts, deletes artifacts by tag and by digest and repositories with "/" in their names', async () => {
    const web10 = sim.pushImage('apps/web', '1.0', { size: 1234 });
    const web11 = sim.pushImage('apps/web', '1.1');
    sim.pushImage('apps/team/api', 'v1');
    const repos = await t.api('GET', `${base()}/projects/apps/repositories`, { token: viewer });
    expect(repos.status).toBe(200);
    expect(repos.body.data.total).toBe(2);
    expect(repos.body.data.data.map((r: { name: string }) => r.name).sort()).toEqual(['team/api', 'web']);
    expect(repos.body.data.data.find((r: { name: string }) => r.name === 'web')).toMatchObject({
      full_name: 'apps/web',
      artifact_count: 2,
    });

    const arts = await t.api('GET', `${base()}/projects/apps/repositories/web/artifacts`, { token: viewer });
    expect(arts.body.data.total).toBe(2);
    const a10 = arts.body.data.data.find((a: { digest: string }) => a.digest === web10.digest);
    expect(a10).toMatchObject({
      size: 1234,
      pulled_at: null,
      pushed_at: expect.any(String),
      tags: [{ name: '1.0', immutable: false }],
    });
    const nested = await t.api(
      'GET',
      `${base()}/projects/apps/repositories/${encodeURIComponent('team/api')}/artifacts`,
      { token: viewer },
    );
    expect(nested.status).toBe(200);
    expect(nested.body.data.data[0].tags[0].name).toBe('v1');

    expect(
      (await t.api('DELETE', `${base()}/projects/apps/repositories/web/artifacts/1.0`, { token: viewer }))
        .status,
    ).toBe(403);
    expect(
      (await t.api('DELETE', `${base()}/projects/apps/repositories/web/artifacts/1.0`, { token: operator }))
        .status,
    ).toBe(200);
    let left = await t.api('GET', `${base()}/projects/apps/repositories/web/artifacts`, { token: viewer });
    expect(left.body.data.data.map((a: { digest: string }) => a.digest)).toEqual([web11.digest]);
    expect(
      (
        await t.api('DELETE', `${base()}/projects/apps/repositories/web/artifacts/${web11.digest}`, {
          token: operator,
        })
      ).status,
    ).toBe(200);
    left = await t.api('GET', `${base()}/projects/apps/repositories/web/artifacts`, { token: viewer });
    expect(left.body.data).toMatchObject({ total: 0, data: [] });
    expect(
      (
        await t.api('DELETE', `${base()}/projects/apps/repositories/web/artifacts/${web11.digest}`, {
          token: operator,
        })
      ).status,
    ).toBe(404);

    expect(
      (
        await t.api('DELETE', `${base()}/projects/apps/repositories/${encodeURIComponent('team/api')}`, {
          token: operator,
        })
      ).status,
    ).toBe(200);
    expect(
      sim.store.findProjectByName('apps') &&
        sim.store.repositoriesOf(sim.store.findProjectByName('apps')!).map((r) => r.name),
    ).toEqual(['apps/web']);
  });

  it('refuses to delete a project holding repositories (412 with Harbor’s reason) unless force=true', async () => {
    sim.pushImage('full/a', '1');
    sim.pushImage('full/b/c', '1');
    const refused = await t.api('DELETE', `${base()}/projects/full`, { token: operator });
    expect(refused.status).toBe(412);
    expect(refused.body).toMatchObject({ code: 41200, data: { vendor_code: 'PRECONDITION' } });
    expect(refused.body.message).toContain('contains repositories');
    expect(sim.store.findProjectByName('full')).toBeDefined();
    const forced = await t.api('DELETE', `${base()}/projects/full?force=true`, { token: operator });
    expect(forced.status).toBe(200);
    expect(forced.body.data).toEqual({ deleted_repositories: 2 });
    expect(sim.store.findProjectByName('full')).toBeUndefined();
    expect((await t.api('GET', `${base()}/projects/full`, { token: viewer })).status).toBe(404);
  });

  it('maps Harbor faults: 503 → 503, 500 → 502, throttling retried then success, refused credential and unreachable registry', async () => {
    sim.addFault({ kind: 'error', action: 'listProjects', status: 503 });
    try {
      const res = await t.api('GET', `${base()}/projects`, { token: viewer });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 50302,
        data: { vendor: 'harbor', vendor_status: 503, vendor_request_id: expect.any(String) },
      });
    } finally {
      sim.clearFaults();
    }
    sim.addFault({ kind: 'error', action: 'getProject', status: 500, message: 'database is on fire' });
    try {
      const res = await t.api('GET', `${base()}/projects/library`, { token: viewer });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({
        code: 50200,
        data: { vendor_code: 'UNKNOWN', vendor_message: 'database is on fire' },
      });
    } finally {
      sim.clearFaults();
    }
    const before = sim.server.calls.filter((c) => c.action === 'listProjects').length;
    sim.addFault({ kind: 'throttle', action: 'listProjects', count: 1 });
    try {
      const res = await t.api('GET', `${base()}/projects?q=library`, { token: viewer });
      expect(res.status).toBe(200);
      expect(res.body.data.data.map((p: { name: string }) => p.name)).toEqual(['library']);
      expect(sim.server.calls.filter((c) => c.action === 'listProjects').length - before).toBe(2);
    } finally {
      sim.clearFaults();
    }

    const badCred = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'harbor-wrong',
        provider: 'harbor',
        settings: sim.credential.settings,
        secrets: { password: 'wrong-password' },
      },
    });
    // Registry creation asks Harbor first: a refused credential is 50202 now, an unreachable Harbor 503.
    const refusedAtCreate = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { name: 'refused', provider: 'harbor', endpoint: sim.url, credential_id: badCred.body.data.id },
    });
    expect(refusedAtCreate.status).toBe(502);
    expect(refusedAtCreate.body).toMatchObject({ code: 50202, data: { credential_name: 'harbor-wrong' } });
    // a registry whose credential is later replaced by a wrong one: its reads are 50202
    const refusedReg = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { name: 'refused', provider: 'harbor', endpoint: sim.url, credential_id: harborCred },
    });
    expect(refusedReg.status).toBe(201);
    const swapped = await t.api('PATCH', `/api/v1/registries/${refusedReg.body.data.id}`, {
      token: admin,
      body: { credential_id: badCred.body.data.id },
    });
    expect(swapped.status).toBe(200);
    const refused = await t.api('GET', `/api/v1/registries/${refusedReg.body.data.id}/projects`, {
      token: viewer,
    });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({
      code: 50202,
      data: { credential_refused: true, credential_name: 'harbor-wrong', vendor_status: 401 },
    });
    expect(refused.body.message).toContain('harbor-wrong');

    const dead = await t.api('POST', '/api/v1/registries', {
      token: admin,
      body: { name: 'dead', provider: 'harbor', endpoint: 'http://127.0.0.1:1', credential_id: harborCred },
    });
    expect(dead.status).toBe(503);
    expect(dead.body.code).toBe(50302);
  });

  it('refuses a Harbor older than 2.2 at creation with a clear 422 (Berth needs /robots and name-or-id paths)', async () => {
    const old = await startHarborSimulator({ version: '2.0' });
    try {
      const res = await t.api('POST', '/api/v1/registries', {
        token: admin,
        body: { name: 'harbor-2-0', provider: 'harbor', endpoint: old.url, credential_id: harborCred },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 42200, data: { min_version: '2.2', version: 'v2.0.6-sim' } });
      expect(res.body.message).toContain('Berth needs Harbor 2.2 or newer');
      expect(
        (await t.sql.query("SELECT count(*)::int AS n FROM registries WHERE name = 'harbor-2-0'")).rows[0].n,
      ).toBe(0);
    } finally {
      await old.close();
    }
  });

  describe('pull access and usage in real clusters', () => {
    beforeAll(async () => {
      for (const id of clusterIds.slice(0, 2)) {
        const res = await t.api('POST', `/api/v1/clusters/${id}/namespaces`, {
          token: admin,
          body: { name: NS },
        });
        expect(res.status).toBe(201);
      }
    });

    it('installs a robot-backed dockerconfigjson Secret, lists it, refuses duplicates, undoes the robot on failure, and deletes both', async () => {
      expect(
        (await t.api('POST', `${base()}/projects`, { token: operator, body: { name: 'pulls' } })).status,
      ).toBe(201);
      const path = `/api/v1/clusters/${clusterIds[0]}/namespaces/${NS}/image-pull-secrets`;
      expect(
        (await t.api('POST', path, { token: viewer, body: { registry_id: registryId, project: 'pulls' } }))
          .status,
      ).toBe(403);
      const robotsBefore = sim.store.robots.size;
      const created = await t.api('POST', path, {
        token: operator,
        body: { registry_id: registryId, project: 'pulls', name: 'harbor-pulls' },
      });
      expect(created.status).toBe(201);
      expect(created.body.data).toMatchObject({
        cluster_id: clusterIds[0],
        namespace: NS,
        name: 'harbor-pulls',
        registry_id: registryId,
        project: 'pulls',
      });
      expect(created.body.data.robot_name).toMatch(/^robot\$pulls\+berth-/);
      expect(JSON.stringify(created.body)).not.toMatch(/secret"?:/i);

      // The robot exists at Harbor, pull-only on that project.
      const robot = [...sim.store.robots.values()].find((r) => r.name === created.body.data.robot_name)!;
      expect(robot).toBeDefined();
      expect(String(robot.id)).toBe(created.body.data.robot_id);
      expect(robot.permissions).toEqual([
        { kind: 'project', namespace: 'pulls', access: [{ resource: 'repository', action: 'pull' }] },
      ]);

      // The Secret is in the real cluster with the right content.
      const secret = await kubeGet(tb[0], `/api/v1/namespaces/${NS}/secrets/harbor-pulls`);
      expect(secret.status).toBe(200);
      expect(secret.body.type).toBe('kubernetes.io/dockerconfigjson');
      const cfg = JSON.parse(Buffer.from(secret.body.data['.dockerconfigjson'], 'base64').toString('utf8'));
      expect(Object.keys(cfg.auths)).toEqual([host]);
      expect(cfg.auths[host]).toEqual({
        username: robot.name,
        password: robot.secret,
        auth: Buffer.from(`${robot.name}:${robot.secret}`).toString('base64'),
      });
      // …and those credentials really open the project at Harbor.
      const pull = await fetch(`${sim.url}/api/v2.0/projects/pulls`, {
        headers: { authorization: `Basic ${cfg.auths[host].auth}` },
      });
      expect(pull.status).toBe(200);

      // The record holds who backs what, never the robot's secret.
      const rows = await t.sql.query('SELECT * FROM image_pull_secrets WHERE secret_name = $1', [
        'harbor-pulls',
      ]);
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({
        cluster_id: clusterIds[0],
        namespace: NS,
        robot_name: robot.name,
        robot_id: String(robot.id),
        project: 'pulls',
      });
      expect(JSON.stringify(rows.rows[0])).not.toContain(robot.secret);

      const listed = await t.api('GET', `/api/v1/clusters/${clusterIds[0]}/image-pull-secrets`, {
        token: viewer,
      });
      expect(listed.body.data).toMatchObject({ total: 1, data: [{ name: 'harbor-pulls', namespace: NS }] });
      expect((await t.api('GET', path, { token: viewer })).body.data.total).toBe(1);
      expect(
        (await t.api('GET', `/api/v1/clusters/${clusterIds[1]}/image-pull-secrets`, { token: viewer })).body
          .data.total,
      ).toBe(0);

      expect(
        (
          await t.api('POST', path, {
            token: operator,
            body: { registry_id: registryId, project: 'pulls', name: 'harbor-pulls' },
          })
        ).status,
      ).toBe(409);
      // A registry backing pull secrets cannot be removed.
      expect((await t.api('DELETE', base(), { token: admin })).status).toBe(409);
      // Nor the project whose robot backs one (the registry would delete the robot with it).
      const projectGone = await t.api('DELETE', `${base()}/projects/pulls?force=true`, { token: operator });
      expect(projectGone.status).toBe(409);
      expect(projectGone.body.data).toEqual({ image_pull_secrets: 1 });
      expect(sim.store.findProjectByName('pulls')).toBeDefined();

      // Installing into a namespace that does not exist fails at the cluster: the robot is deleted again.
      const robotsNow = sim.store.robots.size;
      const noNs = await t.api(
        'POST',
        `/api/v1/clusters/${clusterIds[0]}/namespaces/${NS}-missing/image-pull-secrets`,
        {
          token: operator,
          body: { registry_id: registryId, project: 'pulls' },
        },
      );
      expect(noNs.status).toBe(404);
      expect(sim.store.robots.size).toBe(robotsNow);
      expect((await t.sql.query('SELECT count(*)::int AS n FROM image_pull_secrets')).rows[0].n).toBe(1);
      // An unknown project fails at Harbor: nothing installed.
      const noProject = await t.api('POST', path, {
        token: operator,
        body: { registry_id: registryId, project: 'no-such-project' },
      });
      expect(noProject.status).toBe(404);
      expect((await kubeGet(tb[0], `/api/v1/namespaces/${NS}/secrets/harbor-no-such-project`)).status).toBe(
        404,
      );

      expect((await t.api('DELETE', `${path}/harbor-pulls`, { token: viewer })).status).toBe(403);
      expect((await t.api('DELETE', `${path}/harbor-pulls`, { token: operator })).status).toBe(200);
      expect((await kubeGet(tb[0], `/api/v1/namespaces/${NS}/secrets/harbor-pulls`)).status).toBe(404);
      expect(sim.store.robots.has(robot.id)).toBe(false);
      expect(sim.store.robots.size).toBe(robotsBefore);
      expect((await t.api('GET', path, { token: viewer })).body.data.total).toBe(0);
      expect((await t.api('DELETE', `${path}/harbor-pulls`, { token: operator })).status).toBe(404);
    });

    it('finds the pods running an artifact across clusters (by digest and by tag), and none for an idle one', async () => {
      const app = sim.pushImage('usage/app', '1.0');
      const idle = sim.pushImage('usage/idle', '2.0');
      const deployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: usage}}
  template:
    metadata: {labels: {app: usage}}
    spec:
      containers: [{name: app, image: "${image}"}]
`;
      for (const [i, image] of [
        [0, `${host}/usage/app@${app.digest}`],
        [1, `${host}/usage/app:1.0`],
      ] as const) {
        const res = await t.api('POST', `/api/v1/clusters/${clusterIds[i]}/apply`, {
          token: operator,
          body: { manifest: deployment(image) },
        });
        expect(res.status).toBe(200);
      }
      const usage = await eventually(
        async () => {
          const res = await t.api('GET', `${base()}/artifacts/${app.digest}/usage?repository=usage/app`, {
            token: viewer,
          });
          expect(res.status).toBe(200);
          return res.body.data.pods.length >= 2 ? res.body.data : undefined;
        },
        60_000,
        500,
      );
      expect(usage).toMatchObject({ digest: app.digest, repository: 'usage/app', tags: ['1.0'] });
      expect(usage.references).toEqual([`${host}/usage/app@${app.digest}`, `${host}/usage/app:1.0`]);
      const where = usage.pods.map((p: { cluster_id: string; namespace: string; containers: string[] }) => [
        p.cluster_id,
        p.namespace,
        p.containers,
      ]);
      expect(where).toEqual(
        expect.arrayContaining([
          [clusterIds[0], NS, ['app']],
          [clusterIds[1], NS, ['app']],
        ]),
      );
      expect(usage.pods).toHaveLength(2);
      for (const p of usage.pods) expect(p.pod).toMatch(/^app-/);
      expect(usage.clusters).toHaveLength(clusterIds.length);
      for (const c of usage.clusters) expect(c.status).toBe('ok');
      expect(usage.clusters.find((c: { cluster_id: string }) => c.cluster_id === clusterIds[2]).pods).toBe(0);

      // Without the repository hint the registry is searched for the digest.
      const searched = await t.api('GET', `${base()}/artifacts/${app.digest}/usage`, { token: viewer });
      expect(searched.body.data).toMatchObject({ repository: 'usage/app' });
      expect(searched.body.data.pods).toHaveLength(2);

      const none = await t.api('GET', `${base()}/artifacts/${idle.digest}/usage?repository=usage/idle`, {
        token: viewer,
      });
      expect(none.status).toBe(200);
      expect(none.body.data.pods).toEqual([]);
      expect(none.body.data.clusters.map((c: { status: string }) => c.status)).toEqual(
        clusterIds.map(() => 'ok'),
      );

      const unknown = await t.api('GET', `${base()}/artifacts/sha256:${'0'.repeat(64)}/usage`, {
        token: viewer,
      });
      expect(unknown.status).toBe(404);
      expect((await t.api('GET', `${base()}/artifacts/not-a-digest/usage`, { token: viewer })).status).toBe(
        400,
      );
    });
  });

  // Runs last (jest keeps declaration order): every exchange Berth's Harbor adapter made above.
  it(`every Harbor exchange Berth made matches Harbor ${HARBOR_SWAGGER_SOURCE.harbor}'s swagger`, () => {
    const berth = sim.server.exchanges.filter((x) => x.requestHeaders['user-agent'] === 'berth');
    const report = checkExchanges(berth);
    console.log(formatReport(report));
    expect(report.checked).toBeGreaterThan(50);
    // Berth uses each of these operations in the tests above.
    for (const op of ['getSystemInfo', 'listProjects', 'createProject', 'CreateRobot', 'DeleteRobot'])
      expect(report.byOperation[op]).toBeGreaterThan(0);
    expect(report.violations).toEqual([]);
  });
});

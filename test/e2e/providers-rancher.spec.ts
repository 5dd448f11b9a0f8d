// Rancher clusters end to end: Berth's API → operations → the Rancher adapter (plain HTTP, v1 provisioning
// clusters with machine pools, v3 generateKubeconfig) → the Rancher simulator, pointing at testbed clusters.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRancherSimulator } from '../simulators/rancher/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { callsOf, settled, simCredential, simState } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { testbed } from '../helpers/clusters.js';

const pool = (name: string, desired_size: number, roles: string[]) => ({
  name,
  desired_size,
  roles,
  machine_config: { kind: 'Amazonec2Config', name: `nc-${name}` },
});
const spec = {
  kubernetes_version: 'v1.31.4+rke2r1',
  cloud_credential: 'cattle-global-data:cc-abcde',
  node_pools: [pool('cp', 1, ['etcd', 'control-plane']), pool('workers', 2, ['worker'])],
};

describe('Rancher clusters (e2e, simulator)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;
  let credentialId: string;

  beforeAll(async () => {
    sim = await startRancherSimulator({ timeScale: 0.05 });
    t = await startTestApp();
    admin = await t.login();
    credentialId = await simCredential(t, admin, sim, 'rancher-main');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('runs the lifecycle: create → active → describe → resize a machine pool → add/delete a pool → destroy', async () => {
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'rancher', credential_id: credentialId, name: 'ran-life', spec },
    });
    expect(res.status).toBe(202);
    const clusterId = res.body.data.target_id as string;
    const op = await settled(t, admin, res.body.data.id);
    expect(op).toMatchObject({
      status: 'succeeded',
      result: { vendor_cluster_id: 'fleet-default/ran-life' },
    });
    const cluster = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(cluster).toMatchObject({ status: 'active', provider: 'rancher', region: null });
    expect(testbed().map((c) => c.server)).toContain(cluster.server);
    const nss = await t.api('GET', `/api/v1/clusters/${clusterId}/namespaces`, { token: admin });
    expect(nss.body.data.data.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain(
      'default',
    );

    const described = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { description: 'payments' },
    });
    expect(described.status).toBe(202);
    expect((await settled(t, admin, described.body.data.id)).status).toBe('succeeded');
    const prov = (await simState(sim)).provisioningClusters.find(
      (c: { metadata: { name: string } }) => c.metadata.name === 'ran-life',
    );
    expect(prov.metadata.annotations['field.cattle.io/description']).toBe('payments');
    const rename = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { name: 'ran-other' },
    });
    expect(rename.status).toBe(422);
    expect(rename.body.message).toBe('Berth cannot change the name of rancher clusters at the vendor');

    const pools = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data;
    expect(
      pools.map((p: { name: string; desired_size: number; total_nodes: number; status: string }) => [
        p.name,
        p.desired_size,
        p.total_nodes,
        p.status,
      ]),
    ).toEqual([
      ['cp', 1, 1, 'active'],
      ['workers', 2, 2, 'active'],
    ]);
    const workers = pools.find((p: { name: string }) => p.name === 'workers');
    const resize = await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${workers.id}`, {
      token: admin,
      body: { desired_size: 3 },
    });
    expect((await settled(t, admin, resize.body.data.id)).status).toBe('succeeded');
    expect(
      (await t.sql.query('SELECT total_nodes FROM node_pools WHERE id = $1', [workers.id])).rows[0]
        .total_nodes,
    ).toBe(3);
    expect(
      (await t.sql.query('SELECT count(*)::int AS n FROM nodes WHERE cluster_id = $1', [clusterId])).rows[0]
        .n,
    ).toBe(4);

    // A single machine is removed as Rancher's UI does it: marked with CAPI's delete-machine annotation,
    // then its pool's quantity lowered by one, so exactly that machine goes.
    const node = (
      await t.sql.query('SELECT node_name FROM nodes WHERE cluster_id = $1 AND pool_id = $2 LIMIT 1', [
        clusterId,
        workers.id,
      ])
    ).rows[0].node_name as string;
    const removal = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/${node}`, { token: admin });
    expect(removal.status).toBe(202);
    expect((await settled(t, admin, removal.body.data.id)).status).toBe('succeeded');
    const left = (await t.sql.query('SELECT node_name FROM nodes WHERE pool_id = $1', [workers.id])).rows.map(
      (r: { node_name: string }) => r.node_name,
    );
    expect(left).toHaveLength(2);
    expect(left).not.toContain(node);

    const extra = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
      token: admin,
      body: pool('extra', 1, ['worker']),
    });
    expect((await settled(t, admin, extra.body.data.id)).status).toBe('succeeded');
    const three = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data;
    expect(three.map((p: { name: string }) => p.name)).toEqual(['cp', 'extra', 'workers']);
    const drop = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${three[1].id}`, {
      token: admin,
    });
    expect((await settled(t, admin, drop.body.data.id)).status).toBe('succeeded');
    expect(
      (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data.data.map(
        (p: { name: string }) => p.name,
      ),
    ).toEqual(['cp', 'workers']);

    const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
    expect((await settled(t, admin, destroy.body.data.id)).status).toBe('succeeded');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).status).toBe(404);
    const gone = await fetch(`${sim.url}/v1/provisioning.cattle.io.clusters/fleet-default/ran-life`, {
      headers: { authorization: `Bearer ${sim.credential.secrets.token}` },
    });
    expect(gone.status).toBe(404);
    console.log(
      `Rancher simulated lifecycle (create → active → describe → resize → add/delete pool → destroy): ${Date.now() - started} ms`,
    );
  });

  it('refuses a token Rancher rejects with a clear 502, and a spec Rancher cannot build', async () => {
    const bad = await simCredential(t, admin, sim, 'rancher-bad', { token: 'token-abcde:wrongwrongwrong' });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'rancher', credential_id: bad, name: 'ran-bad', spec },
    });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: 50202,
      data: {
        vendor: 'rancher',
        vendor_code: 'Unauthorized',
        vendor_status: 401,
        reason: 'credential_rejected',
      },
    });
    const noCp = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: {
        provider: 'rancher',
        credential_id: credentialId,
        name: 'ran-x',
        spec: { ...spec, node_pools: [pool('w', 1, ['worker'])] },
      },
    });
    expect(noCp.status).toBe(400);
    expect(noCp.body.data.fields.map((f: { field: string }) => f.field)).toContain('spec.node_pools');
  });

  it('marks the cluster failed with Rancher’s message, and retries throttled calls', async () => {
    sim.addFault({
      kind: 'fail-task',
      action: 'createCluster',
      path: '^/v1/',
      message: 'quota exceeded',
      count: 1,
    });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'rancher', credential_id: credentialId, name: 'ran-doomed', spec },
    });
    const op = await settled(t, admin, res.body.data.id);
    expect(op.status).toBe('failed');
    expect(op.error.message).toContain('quota exceeded');
    expect(
      (await t.api('GET', `/api/v1/clusters/${res.body.data.target_id}`, { token: admin })).body.data,
    ).toMatchObject({ status: 'failed', last_error: expect.stringContaining('quota exceeded') });

    sim.addFault({ kind: 'throttle', action: 'createCluster', path: '^/v1/', count: 2 });
    const before = callsOf(sim, 'createCluster');
    const ok = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'rancher', credential_id: credentialId, name: 'ran-throttled', spec },
    });
    expect((await settled(t, admin, ok.body.data.id)).status).toBe('succeeded');
    expect(callsOf(sim, 'createCluster') - before).toBe(3);
  });

  it('reports Rancher calls and the operations in /metrics (issue 15: vendor attempts by operation and outcome)', async () => {
    const text = (await t.api('GET', '/metrics')).text;
    const count = (labels: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`berth_vendor_requests_total{`) && l.includes(labels))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    // The throttled create above: two refused attempts, then the one that worked.
    expect(count('vendor="rancher",operation="createCluster",outcome="throttled"')).toBeGreaterThanOrEqual(2);
    expect(count('vendor="rancher",operation="createCluster",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('vendor="rancher",')).toBeGreaterThan(0);
    expect(count('outcome="credential"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /^berth_vendor_request_duration_seconds_count\{vendor="rancher",operation="createCluster"\} [1-9]/m,
    );
    expect(text).toMatch(/^berth_operations_total\{type="clusters.create",outcome="failed"\} [1-9]/m);
    expect(text).toMatch(/^berth_operations_total\{type="clusters.create",outcome="succeeded"\} [1-9]/m);
  });
});

// Tencent Cloud TKE clusters end to end: Berth's API → operations → the TKE adapter (official SDK) →
// the TKE simulator, whose running clusters point at the real testbed clusters.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTkeSimulator } from '../simulators/tke/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { callsOf, settled, simCredential, simState } from '../helpers/providers.js';
import { startTestApp, userToken, type TestApp } from '../helpers/test-app.js';
import { testbed } from '../helpers/clusters.js';

const spec = {
  kubernetes_version: '1.30.0',
  vpc_id: 'vpc-sim',
  subnet_ids: ['subnet-a'],
  pod_cidr: '172.20.0.0/16',
  service_cidr: '172.21.0.0/20',
  node_pools: [{ name: 'workers', desired_size: 2 }],
};

describe('TKE clusters (e2e, simulator)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;
  let credentialId: string;

  beforeAll(async () => {
    // The SDK sends through http_proxy when it is set.
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];
    sim = await startTkeSimulator({ timeScale: 0.05 });
    t = await startTestApp();
    admin = await t.login();
    credentialId = await simCredential(t, admin, sim, 'tke-main');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('runs the lifecycle: create with a pool → active → rename + describe → resize → remove node → destroy', async () => {
    const started = Date.now();
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'tke', credential_id: credentialId, name: 'tke-life', description: 'first', spec },
    });
    expect(res.status).toBe(202);
    const clusterId = res.body.data.target_id as string;
    const op = await settled(t, admin, res.body.data.id);
    expect(op).toMatchObject({
      status: 'succeeded',
      result: { vendor_cluster_id: expect.stringMatching(/^cls-/) },
    });
    const cluster = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(cluster).toMatchObject({ status: 'active', region: 'ap-guangzhou', provider: 'tke' });
    expect(testbed().map((c) => c.server)).toContain(cluster.server);
    const nss = await t.api('GET', `/api/v1/clusters/${clusterId}/namespaces`, { token: admin });
    expect(nss.body.data.data.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain(
      'kube-system',
    );

    // TKE renames and re-describes synchronously; still an operation for the API.
    const patch = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { name: 'tke-life-2', description: 'second' },
      headers: { 'idempotency-key': 'tke-rename' },
    });
    expect(patch.status).toBe(202);
    const replay = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { name: 'tke-life-2', description: 'second' },
      headers: { 'idempotency-key': 'tke-rename' },
    });
    expect(replay.body.data.id).toBe(patch.body.data.id);
    expect((await settled(t, admin, patch.body.data.id)).status).toBe('succeeded');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data).toMatchObject({
      name: 'tke-life-2',
      description: 'second',
    });
    const vendor = (await simState(sim)).clusters.find(
      (c: { ClusterId: string }) => c.ClusterId === op.result.vendor_cluster_id,
    );
    expect(vendor).toMatchObject({ ClusterName: 'tke-life-2', ClusterDescription: 'second' });
    // The kubeconfig works because Berth opened the internal endpoint (in the first subnet) and waited for it.
    expect(vendor.endpoints).toEqual({ intranet: { Status: 'Created', ErrorMsg: '', SubnetId: 'subnet-a' } });
    expect(callsOf(sim, 'CreateClusterEndpoint')).toBe(1);
    const protect = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { deletion_protection: true },
    });
    expect(protect.status).toBe(422);
    expect(protect.body.data.unsupported).toEqual(['deletion_protection']);

    // The spec's pool was created after the cluster ran.
    const pools = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data;
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({
      name: 'workers',
      status: 'active',
      desired_size: 2,
      total_nodes: 2,
      vendor_pool_id: expect.stringMatching(/^np-/),
    });
    // Viewers read pools, never change them or the cluster.
    const viewer = await userToken(t, admin, 'tke-viewer', 'viewer');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: viewer })).status).toBe(
      200,
    );
    expect(
      (
        await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pools[0].id}`, {
          token: viewer,
          body: { desired_size: 5 },
        })
      ).status,
    ).toBe(403);
    expect((await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/x`, { token: viewer })).status).toBe(
      403,
    );
    expect(
      (await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: viewer })).status,
    ).toBe(403);
    const autoscale = await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pools[0].id}`, {
      token: admin,
      body: { autoscaling: { enabled: true, min_size: 1, max_size: 4 } },
    });
    expect(autoscale.status).toBe(422);
    expect(autoscale.body.data.field).toBe('autoscaling');
    const resize = await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pools[0].id}`, {
      token: admin,
      body: { desired_size: 3 },
    });
    expect((await settled(t, admin, resize.body.data.id)).status).toBe('succeeded');
    const nodes = (
      await t.sql.query('SELECT instance_id, node_name FROM nodes WHERE cluster_id = $1 ORDER BY node_name', [
        clusterId,
      ])
    ).rows;
    expect(nodes).toHaveLength(3);
    const removal = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/${nodes[0].node_name}`, {
      token: admin,
    });
    expect(removal.status).toBe(202);
    expect(await settled(t, admin, removal.body.data.id)).toMatchObject({
      status: 'succeeded',
      result: { instance_id: nodes[0].instance_id },
    });
    expect((await simState(sim)).instances.map((i: { InstanceId: string }) => i.InstanceId)).not.toContain(
      nodes[0].instance_id,
    );
    expect(
      (await t.sql.query('SELECT count(*)::int AS n FROM nodes WHERE cluster_id = $1', [clusterId])).rows[0]
        .n,
    ).toBe(2);

    const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
    expect(destroy.status).toBe(202);
    expect((await settled(t, admin, destroy.body.data.id)).status).toBe('succeeded');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).status).toBe(404);
    expect((await simState(sim)).clusters.map((c: { ClusterId: string }) => c.ClusterId)).not.toContain(
      op.result.vendor_cluster_id,
    );
    console.log(
      `TKE simulated lifecycle (create + pool → active → rename → resize → remove node → destroy): ${Date.now() - started} ms`,
    );
  });

  it('refuses a secret TKE rejects with a clear 502', async () => {
    const bad = await simCredential(t, admin, sim, 'tke-bad', { secret_key: 'not-the-right-secret-key' });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'tke', credential_id: bad, name: 'tke-bad', spec },
    });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe(50202);
    expect(res.body.data).toMatchObject({
      vendor: 'tke',
      vendor_code: 'AuthFailure.SignatureFailure',
      reason: 'credential_rejected',
      request_id: expect.any(String),
    });
  });

  it('checks the spec for TKE (VPC and pod CIDR are required)', async () => {
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: {
        provider: 'tke',
        credential_id: credentialId,
        name: 'tke-x',
        spec: { kubernetes_version: '1.30.0' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.data.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'spec.endpoint.subnet_id',
      'spec.pod_cidr',
      'spec.vpc_id',
    ]);
  });

  it('marks the cluster failed with TKE’s reason when creation fails, and retries throttled calls', async () => {
    sim.addFault({ kind: 'fail-task', action: 'CreateCluster', message: 'subnet has no free IPs', count: 1 });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'tke', credential_id: credentialId, name: 'tke-doomed', spec },
    });
    const op = await settled(t, admin, res.body.data.id);
    expect(op.status).toBe('failed');
    expect(op.error.message).toContain('subnet has no free IPs');
    const cluster = (await t.api('GET', `/api/v1/clusters/${res.body.data.target_id}`, { token: admin })).body
      .data;
    expect(cluster).toMatchObject({
      status: 'failed',
      last_error: expect.stringContaining('subnet has no free IPs'),
    });

    sim.addFault({ kind: 'throttle', action: 'CreateCluster', count: 2 });
    sim.addFault({ kind: 'throttle', action: 'DescribeClusterStatus', count: 2 });
    const before = callsOf(sim, 'CreateCluster');
    const ok = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: {
        provider: 'tke',
        credential_id: credentialId,
        name: 'tke-throttled',
        spec: { ...spec, node_pools: [] },
      },
    });
    expect((await settled(t, admin, ok.body.data.id)).status).toBe('succeeded');
    expect(callsOf(sim, 'CreateCluster') - before).toBe(3);
    expect(
      (await simState(sim)).clusters.filter(
        (c: { ClusterName: string }) => c.ClusterName === 'tke-throttled',
      ),
    ).toHaveLength(1);
  });
});

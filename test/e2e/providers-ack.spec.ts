// Alibaba Cloud ACK clusters end to end: Berth's API → operations → the ACK adapter (official SDK) →
// the ACK simulator, whose running clusters point at the real testbed clusters.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Cs, * as $cs from '@alicloud/cs20151215';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { startAckSimulator } from '../simulators/ack/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { callsOf, settled, simCredential, simState } from '../helpers/providers.js';
import { startTestApp, userToken, type TestApp } from '../helpers/test-app.js';
import { importCluster, testbed } from '../helpers/clusters.js';

const spec = {
  kubernetes_version: '1.31.1-aliyun.1',
  vpc_id: 'vpc-sim',
  subnet_ids: ['vsw-a'],
  node_pools: [{ name: 'default', desired_size: 2, instance_types: ['ecs.g7.large'] }],
};

describe('ACK clusters (e2e, simulator)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;
  let credentialId: string;
  const servers = testbed().map((c) => c.server);

  beforeAll(async () => {
    sim = await startAckSimulator({ timeScale: 0.05 });
    t = await startTestApp();
    admin = await t.login();
    credentialId = await simCredential(t, admin, sim, 'ack-main');
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('runs the lifecycle: create (idempotent) → active and readable through Berth → rename → destroy', async () => {
    const started = Date.now();
    const body = {
      provider: 'ack',
      credential_id: credentialId,
      name: 'ack-life',
      labels: { env: 'test' },
      spec,
    };
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body,
      headers: { 'idempotency-key': 'ack-life-1' },
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({
      type: 'clusters.create',
      target_type: 'clusters',
      status: expect.stringMatching(/queued|running/),
    });
    const clusterId = res.body.data.target_id as string;
    const replay = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body,
      headers: { 'idempotency-key': 'ack-life-1' },
    });
    expect(replay.status).toBe(202);
    expect(replay.body.data.id).toBe(res.body.data.id);
    const reused = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { ...body, region: 'cn-shanghai' },
      headers: { 'idempotency-key': 'ack-life-1' },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe(40901);

    const provisioning = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(provisioning).toMatchObject({
      name: 'ack-life',
      provider: 'ack',
      status: 'provisioning',
      credential_id: credentialId,
      region: 'cn-hangzhou',
      server: null,
    });

    const op = await settled(t, admin, res.body.data.id);
    expect(op).toMatchObject({
      status: 'succeeded',
      progress: 100,
      attempts: 1,
      result: { cluster_id: clusterId, vendor_cluster_id: expect.stringMatching(/^c[0-9a-f]{32}$/) },
    });
    expect(callsOf(sim, 'CreateCluster')).toBe(1);
    const cluster = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(cluster).toMatchObject({
      status: 'active',
      vendor_cluster_id: op.result.vendor_cluster_id,
      auth_type: 'token',
      last_error: null,
    });
    expect(servers).toContain(cluster.server);
    // ACK's kubeconfig `expiration` is recorded (the simulator's default: three years), so the scheduled
    // refresh replaces it before it runs out.
    const threeYears = 3 * 365 * 86_400_000;
    expect(Math.abs(Date.parse(cluster.credential_expires_at) - (Date.now() + threeYears))).toBeLessThan(
      3600_000,
    );
    // The stored kubeconfig reaches a real cluster: live reads go through Berth.
    const pods = await t.api('GET', `/api/v1/clusters/${clusterId}/resources/pods?namespace=kube-system`, {
      token: admin,
    });
    expect(pods.status).toBe(200);
    expect(pods.body.data.kind).toBe('Pod');
    const nss = await t.api('GET', `/api/v1/clusters/${clusterId}/namespaces`, { token: admin });
    expect(nss.body.data.data.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain(
      'default',
    );
    // The kubeconfig is sealed, never shown.
    const row = (
      await t.sql.query('SELECT access_sealed, vendor_spec FROM clusters WHERE id = $1', [clusterId])
    ).rows[0];
    expect(row.access_sealed).toMatch(/^v1:/);
    expect(row.vendor_spec.node_pools[0].name).toBe('default');
    expect(JSON.stringify(cluster)).not.toContain('token:');

    // Rename at the vendor: an operation; the record follows.
    const renamed = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { name: 'ack-life-2', display_name: 'Life' },
    });
    expect(renamed.status).toBe(202);
    expect(renamed.body.data.type).toBe('clusters.update');
    expect((await settled(t, admin, renamed.body.data.id)).status).toBe('succeeded');
    const after = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(after).toMatchObject({ name: 'ack-life-2', display_name: 'Life' });
    const vendor = (await simState(sim)).clusters.find(
      (c: { cluster_id: string }) => c.cluster_id === op.result.vendor_cluster_id,
    );
    expect(vendor.name).toBe('ack-life-2');
    // Berth-only fields change at once (200); a field ACK cannot change is a 400 naming it.
    const labels = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { labels: { env: 'prod' } },
    });
    expect(labels.status).toBe(200);
    expect(labels.body.data.labels).toEqual({ env: 'prod' });
    const access = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { token: 'x', server: 'https://1.2.3.4' },
    });
    expect(access.status).toBe(400);

    // Node pools: as the vendor reports them, recorded in Postgres.
    const pools = await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin });
    expect(pools.status).toBe(200);
    expect(pools.body.data.data).toHaveLength(1);
    const pool = pools.body.data.data[0];
    expect(pool).toMatchObject({
      name: 'default',
      provider: 'ack',
      status: 'active',
      desired_size: 2,
      total_nodes: 2,
      vendor_pool_id: expect.stringMatching(/^np/),
    });
    const resize = await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
      token: admin,
      body: { desired_size: 3 },
    });
    expect(resize.status).toBe(202);
    expect((await settled(t, admin, resize.body.data.id)).status).toBe('succeeded');
    const grown = (
      await t.sql.query('SELECT desired_size, total_nodes, status FROM node_pools WHERE id = $1', [pool.id])
    ).rows[0];
    expect(grown).toEqual({ desired_size: 3, total_nodes: 3, status: 'active' });
    const nodeRows = (
      await t.sql.query(
        'SELECT instance_id, node_name, pool_id, provider FROM nodes WHERE cluster_id = $1 ORDER BY node_name',
        [clusterId],
      )
    ).rows;
    expect(nodeRows).toHaveLength(3);
    expect(
      nodeRows.every(
        (n: { pool_id: string; provider: string; instance_id: string }) =>
          n.pool_id === pool.id && n.provider === 'ack' && n.instance_id.startsWith('i-'),
      ),
    ).toBe(true);

    // The pool's instances joined the cluster (kwok nodes named, labelled and with the providerID ACK
    // gives them): live node reads carry Berth's record of each (matched by node name) in one added field.
    const live = (await t.api('GET', `/api/v1/clusters/${clusterId}/nodes`, { token: admin })).body.data;
    expect(live.kind).toBe('Node');
    type LiveNode = {
      metadata: { name: string };
      spec: { providerID?: string };
      status: { nodeInfo?: unknown };
      berth_node: unknown;
    };
    const joined = (live.data as LiveNode[]).filter((n) => n.berth_node !== null);
    expect(joined.map((n) => n.metadata.name).sort()).toEqual(
      nodeRows.map((n: { node_name: string }) => n.node_name).sort(),
    );
    for (const n of joined) {
      const row = nodeRows.find((r: { node_name: string }) => r.node_name === n.metadata.name);
      expect(n.status.nodeInfo).toBeDefined();
      expect(n.spec.providerID).toBe(`cn-hangzhou.${row.instance_id}`);
      expect(n.berth_node).toEqual({
        instance_id: row.instance_id,
        node_name: row.node_name,
        pool_id: pool.id,
        provider: 'ack',
        ip: expect.any(String),
        state: 'running',
      });
    }
    // The testbed's own nodes are no instance Berth knows.
    expect((live.data as LiveNode[]).some((n) => n.berth_node === null)).toBe(true);

    const extra = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
      token: admin,
      body: { name: 'extra', desired_size: 1, instance_types: ['ecs.g7.xlarge'] },
      headers: { 'idempotency-key': 'extra-pool' },
    });
    expect(extra.status).toBe(202);
    const extraAgain = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
      token: admin,
      body: { name: 'extra', desired_size: 1, instance_types: ['ecs.g7.xlarge'] },
      headers: { 'idempotency-key': 'extra-pool' },
    });
    expect(extraAgain.body.data.id).toBe(extra.body.data.id);
    expect(await settled(t, admin, extra.body.data.id)).toMatchObject({
      status: 'succeeded',
      result: { vendor_pool_id: expect.stringMatching(/^np/) },
    });
    const two = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data;
    expect(two.map((p: { name: string; total_nodes: number }) => [p.name, p.total_nodes])).toEqual([
      ['default', 3],
      ['extra', 1],
    ]);
    expect(callsOf(sim, 'CreateClusterNodePool')).toBe(1);
    const dupe = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
      token: admin,
      body: { name: 'extra', desired_size: 1, instance_types: ['ecs.g7.xlarge'] },
    });
    expect(dupe.status).toBe(409);
    // ACK's required pool fields are checked at the edge: a 400 names the one missing.
    const noTypes = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
      token: admin,
      body: { name: 'typeless', desired_size: 1 },
    });
    expect(noTypes.status).toBe(400);
    expect(noTypes.body.data.fields.map((f: { field: string }) => f.field)).toEqual(['instance_types']);

    // Remove one node: cordon and drain it through Kubernetes (it joined the testbed cluster), then release it.
    const victim = nodeRows[0];
    const removal = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/${victim.node_name}`, {
      token: admin,
    });
    expect(removal.status).toBe(202);
    expect(removal.body.data.type).toBe('nodes.remove');
    expect(await settled(t, admin, removal.body.data.id)).toMatchObject({
      status: 'succeeded',
      result: { instance_id: victim.instance_id, drained: { registered: true } },
    });
    const remaining = (await t.api('GET', `/api/v1/clusters/${clusterId}/nodes`, { token: admin })).body.data
      .data;
    expect(remaining.map((n: { metadata: { name: string } }) => n.metadata.name)).not.toContain(
      victim.node_name,
    );
    expect(
      (await t.sql.query('SELECT instance_id FROM nodes WHERE cluster_id = $1', [clusterId])).rows.map(
        (r: { instance_id: string }) => r.instance_id,
      ),
    ).not.toContain(victim.instance_id);
    expect((await simState(sim)).nodes.map((n: { instance_id: string }) => n.instance_id)).not.toContain(
      victim.instance_id,
    );
    const missing = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/no-such-node`, {
      token: admin,
    });
    expect(missing.status).toBe(404);

    const extraId = two.find((p: { name: string }) => p.name === 'extra').id;
    const dropPool = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${extraId}`, {
      token: admin,
    });
    expect(dropPool.status).toBe(202);
    expect((await settled(t, admin, dropPool.body.data.id)).status).toBe('succeeded');
    const left = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data;
    expect(left.map((p: { name: string; desired_size: number }) => [p.name, p.desired_size])).toEqual([
      ['default', 2],
    ]);

    // Every operation of the cluster is listed under it.
    const ops = await t.api('GET', `/api/v1/operations?target_type=clusters&target_id=${clusterId}`, {
      token: admin,
    });
    expect(ops.body.data.data.map((o: { type: string }) => o.type).sort()).toEqual([
      'clusters.create',
      'clusters.update',
      'node-pools.create',
      'node-pools.delete',
      'node-pools.resize',
      'nodes.remove',
    ]);

    // Deletion protection at the vendor refuses a destroy; the cluster stays active, with the reason.
    const protect = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { deletion_protection: true },
    });
    expect(protect.status).toBe(202);
    expect((await settled(t, admin, protect.body.data.id)).status).toBe('succeeded');
    const refused = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
    expect(await settled(t, admin, refused.body.data.id)).toMatchObject({
      status: 'failed',
      error: { code: 50200, details: { vendor_code: 'ErrorClusterDeletionProtection' } },
    });
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data).toMatchObject({
      status: 'active',
      last_error: expect.stringContaining('deletion protection'),
    });
    const unprotect = await t.api('PATCH', `/api/v1/clusters/${clusterId}`, {
      token: admin,
      body: { deletion_protection: false },
    });
    expect((await settled(t, admin, unprotect.body.data.id)).status).toBe('succeeded');

    // Destroy at the vendor, then the record goes.
    const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, {
      token: admin,
      headers: { 'idempotency-key': 'ack-life-destroy' },
    });
    expect(destroy.status).toBe(202);
    expect(destroy.body.data.type).toBe('clusters.destroy');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data.status).toBe(
      'deleting',
    );
    const again = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, {
      token: admin,
      headers: { 'idempotency-key': 'ack-life-destroy' },
    });
    expect(again.body.data.id).toBe(destroy.body.data.id);
    expect(await settled(t, admin, destroy.body.data.id)).toMatchObject({
      status: 'succeeded',
      result: { removed: true },
    });
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).status).toBe(404);
    expect((await simState(sim)).clusters.map((c: { cluster_id: string }) => c.cluster_id)).not.toContain(
      op.result.vendor_cluster_id,
    );
    expect(callsOf(sim, 'DeleteCluster')).toBe(2); // the refused one and this one
    expect(
      (await t.sql.query('SELECT count(*)::int AS n FROM node_pools WHERE cluster_id = $1', [clusterId]))
        .rows[0].n,
    ).toBe(0);
    console.log(
      `ACK simulated lifecycle (create → active → rename → pools → remove node → destroy): ${Date.now() - started} ms`,
    );
  });

  it('refuses a credential ACK rejects with a clear 502 and records nothing', async () => {
    const bad = await simCredential(t, admin, sim, 'ack-bad', { access_key_secret: 'not-the-right-secret' });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: bad, name: 'ack-bad', spec },
    });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe(50202);
    expect(res.body.message).toContain('rejected the credential');
    expect(res.body.data).toMatchObject({
      vendor: 'ack',
      vendor_code: 'SignatureDoesNotMatch',
      vendor_status: 400,
      reason: 'credential_rejected',
    });
    expect((await t.api('GET', '/api/v1/clusters?q=ack-bad', { token: admin })).body.data.total).toBe(0);
  });

  it('refuses what cannot work before starting: wrong provider credential, bad spec, viewer, imported destroy', async () => {
    const tke = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'tke-x',
        provider: 'tke',
        settings: { region: 'ap-shanghai' },
        secrets: { secret_id: 'AKIDxxxxxxxx', secret_key: 'secret-value-x' },
      },
    });
    const wrong = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: tke.body.data.id, name: 'ack-x', spec },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data.fields[0].field).toBe('credential_id');
    const badSpec = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: {
        provider: 'ack',
        credential_id: credentialId,
        name: 'ack-x',
        spec: { kubernetes_version: 'v1.31' },
      },
    });
    expect(badSpec.status).toBe(400);
    expect(badSpec.body.data.fields[0].field).toBe('spec.kubernetes_version');
    const unknown = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-x', spec: { nope: 1 } },
    });
    expect(unknown.status).toBe(400);
    const viewer = await userToken(t, admin, 'ack-viewer', 'viewer');
    const denied = await t.api('POST', '/api/v1/clusters', {
      token: viewer,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-x', spec },
    });
    expect(denied.status).toBe(403);
    expect(callsOf(sim, 'CreateCluster')).toBe(1);
    // Imported clusters are attached and detached, never destroyed.
    const imported = await importCluster(t, admin, testbed()[0], 'imp-x');
    const destroy = await t.api('DELETE', `/api/v1/clusters/${imported}?destroy=true`, { token: admin });
    expect(destroy.status).toBe(422);
    const protect = await t.api('PATCH', `/api/v1/clusters/${imported}`, {
      token: admin,
      body: { deletion_protection: true },
    });
    expect(protect.status).toBe(400);
    const renamed = await t.api('PATCH', `/api/v1/clusters/${imported}`, {
      token: admin,
      body: { name: 'imp-y' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe('imp-y');
    expect((await t.api('DELETE', `/api/v1/clusters/${imported}`, { token: admin })).status).toBe(200);
  });

  it('marks the cluster failed with the vendor’s reason when the create task fails', async () => {
    sim.addFault({
      kind: 'fail-task',
      action: 'CreateCluster',
      code: 'QuotaExceeded.Vpc',
      message: 'no more VPCs in cn-hangzhou',
      count: 1,
    });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-doomed', spec },
    });
    expect(res.status).toBe(202);
    const op = await settled(t, admin, res.body.data.id);
    expect(op.status).toBe('failed');
    expect(op.error).toMatchObject({
      code: 50200,
      details: { reason: 'vendor_task_failed', vendor_code: 'QuotaExceeded.Vpc' },
    });
    expect(op.error.message).toContain('no more VPCs in cn-hangzhou');
    const cluster = (await t.api('GET', `/api/v1/clusters/${res.body.data.target_id}`, { token: admin })).body
      .data;
    expect(cluster.status).toBe('failed');
    expect(cluster.last_error).toContain('no more VPCs in cn-hangzhou');
    expect(cluster.server).toBeNull();
    // A failed cluster can still be destroyed at the vendor.
    const destroy = await t.api('DELETE', `/api/v1/clusters/${cluster.id}?destroy=true`, { token: admin });
    expect((await settled(t, admin, destroy.body.data.id)).status).toBe('succeeded');
    expect((await simState(sim)).clusters.map((c: { name: string }) => c.name)).not.toContain('ack-doomed');
  });

  it('retries throttled calls: two throttles on create and on polling still succeed, with one cluster at the vendor', async () => {
    sim.addFault({ kind: 'throttle', action: 'CreateCluster', count: 2 });
    sim.addFault({ kind: 'throttle', action: 'DescribeClusterDetail', count: 2 });
    const before = callsOf(sim, 'CreateCluster');
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-throttled', spec },
    });
    const op = await settled(t, admin, res.body.data.id);
    expect(op.status).toBe('succeeded');
    expect(callsOf(sim, 'CreateCluster') - before).toBe(3);
    expect(
      (await simState(sim)).clusters.filter((c: { name: string }) => c.name === 'ack-throttled'),
    ).toHaveLength(1);
    expect(
      (await t.api('GET', `/api/v1/clusters/${res.body.data.target_id}`, { token: admin })).body.data.status,
    ).toBe('active');
  });
});

describe('ACK create across a Berth restart (e2e, simulator)', () => {
  it('resumes after a restart and adopts the vendor cluster an earlier run created: no duplicate', async () => {
    const sim = await startAckSimulator({ timeScale: 0.05 });
    const a = await startTestApp({ env: { BERTH_WORKERS: 'false' } });
    let b: TestApp | undefined;
    try {
      let token = await a.login();
      const cred = await simCredential(a, token, sim, 'ack-restart');
      const res = await a.api('POST', '/api/v1/clusters', {
        token,
        body: { provider: 'ack', credential_id: cred, name: 'ack-restart', spec },
      });
      expect(res.status).toBe(202);
      expect(res.body.data.status).toBe('queued');
      // An earlier worker got as far as CreateCluster and died before saving the vendor id.
      const ack = new Cs.default(
        new $OpenApiUtil.Config({
          accessKeyId: sim.credential.secrets.access_key_id,
          accessKeySecret: sim.credential.secrets.access_key_secret,
          endpoint: sim.url.replace('http://', ''),
          protocol: 'HTTP',
          regionId: 'cn-hangzhou',
        }),
      );
      const early = await ack.createCluster(
        new $cs.CreateClusterRequest({
          name: 'ack-restart',
          regionId: 'cn-hangzhou',
          clusterType: 'ManagedKubernetes',
          vpcid: 'vpc-sim',
          vswitchIds: ['vsw-a'],
          containerCidr: '172.20.0.0/16',
        }),
      );
      await a.close({ keepDatabase: true });

      b = await startTestApp({ dbName: a.dbName, redisPrefix: a.redisPrefix });
      token = await b.login();
      const op = await settled(b, token, res.body.data.id);
      expect(op).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        result: { vendor_cluster_id: early.body!.clusterId },
      });
      expect(callsOf(sim, 'CreateCluster')).toBe(1);
      expect(
        (await simState(sim)).clusters.filter((c: { name: string }) => c.name === 'ack-restart'),
      ).toHaveLength(1);
      expect(
        (await b.api('GET', `/api/v1/clusters/${res.body.data.target_id}`, { token })).body.data.status,
      ).toBe('active');
      expect(b.logs.join('\n')).toContain('adopting ack cluster');
    } finally {
      await b?.close();
      await sim.close();
    }
  });
});

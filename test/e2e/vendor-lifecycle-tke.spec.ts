// TKE end to end against the faithful simulator, a 5 × 503 burst in every polling phase (issue 14).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTkeSimulator } from '../simulators/tke/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { settled, simCredential } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { runLifecycle } from './vendor-lifecycle.js';

const spec = {
  kubernetes_version: '1.30.0',
  vpc_id: 'vpc-sim',
  subnet_ids: ['subnet-a'],
  pod_cidr: '172.20.0.0/16',
  node_pools: [{ name: 'workers', desired_size: 1 }],
};

describe('TKE lifecycle with vendor outages (e2e, simulator, testbed)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[k];
    sim = await startTkeSimulator({ timeScale: 0.1 });
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('create → endpoint → active → pods → pool create/resize/delete → drain + remove a node → destroy, through 503 bursts', async () => {
    await runLifecycle(
      t,
      admin,
      {
        sim,
        provider: 'tke',
        spec,
        pool: {},
        resizes: 'ModifyNodePoolDesiredCapacityAboutAsg',
        polls: {
          create: 'DescribeClusterStatus',
          pool: 'DescribeClusterNodePools',
          remove: 'DescribeClusterInstances',
          destroy: 'DescribeClusterStatus',
        },
        poolLabel: 'tke.cloud.tencent.com/nodepool-id',
      },
      'tke-outages',
    );
  }, 300_000);

  it('a failed TKE pool delete fails with the vendor’s reason instead of hanging; the pool is usable again', async () => {
    const credentialId = await simCredential(t, admin, sim, 'tke-pooldel');
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'tke', credential_id: credentialId, name: 'tke-pooldel', spec },
    });
    expect((await settled(t, admin, res.body.data.id, 60_000)).status).toBe('succeeded');
    const clusterId = res.body.data.target_id as string;
    const pool = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data[0];
    sim.addFault({
      kind: 'fail-task',
      action: 'DeleteClusterNodePool',
      message: 'instances are protected from scale-in',
      count: 1,
    });
    const started = Date.now();
    const del = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
      token: admin,
    });
    const op = await settled(t, admin, del.body.data.id, 30_000);
    expect(op.status).toBe('failed');
    expect(op.error.message).toContain('instances are protected from scale-in');
    expect(Date.now() - started).toBeLessThan(30_000);
    const again = (await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })).body.data
      .data[0];
    expect(again).toMatchObject({ id: pool.id, status: 'active' });
    const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
    expect((await settled(t, admin, destroy.body.data.id, 60_000)).status).toBe('succeeded');
  }, 120_000);
});

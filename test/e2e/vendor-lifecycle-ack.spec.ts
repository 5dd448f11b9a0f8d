// ACK end to end against the faithful simulator, a 5 × 503 burst in every polling phase (issue 14).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAckSimulator } from '../simulators/ack/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { settled, simCredential, simState } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { runLifecycle } from './vendor-lifecycle.js';

const spec = {
  kubernetes_version: '1.31.1-aliyun.1',
  vpc_id: 'vpc-sim',
  subnet_ids: ['vsw-a'],
  node_pools: [{ name: 'default', desired_size: 1, instance_types: ['ecs.g7.large'] }],
};

describe('ACK lifecycle with vendor outages (e2e, simulator, testbed)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    sim = await startAckSimulator({ timeScale: 0.1 });
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('create → active → pods → pool create/resize/delete → drain + remove a node → destroy, through 503 bursts', async () => {
    await runLifecycle(
      t,
      admin,
      {
        sim,
        provider: 'ack',
        spec,
        pool: { instance_types: ['ecs.g7.xlarge'] },
        resizes: 'ModifyClusterNodePool',
        polls: {
          create: 'DescribeTaskInfo',
          pool: 'DescribeTaskInfo',
          remove: 'DescribeTaskInfo',
          destroy: 'DescribeTaskInfo',
        },
        poolLabel: 'alibabacloud.com/nodepool-id',
      },
      'ack-outages',
    );
  }, 300_000);

  it('a failed create says what to do, and POST /retry resumes it, adopting the vendor cluster', async () => {
    const credentialId = await simCredential(t, admin, sim, 'ack-retry');
    sim.addFault({ kind: 'fail-task', action: 'CreateCluster', message: 'quota exceeded', count: 1 });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-retry', spec },
    });
    const failed = await settled(t, admin, res.body.data.id, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(
      /quota exceeded\. What you can do: DELETE \/api\/v1\/clusters\/.*destroy=true/,
    );
    const clusterId = res.body.data.target_id as string;
    const rec = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
    expect(rec.status).toBe('failed');
    expect(rec.last_error).toContain(`POST /api/v1/clusters/${clusterId}/retry`);
    // The vendor cluster failed (ACK state "failed"): a retry adopts it and fails again at once, with the hint.
    const r1 = await t.api('POST', `/api/v1/clusters/${clusterId}/retry`, { token: admin });
    expect(r1.status).toBe(202);
    expect(r1.body.data).toMatchObject({ type: 'clusters.create', target_id: clusterId });
    const busy = await t.api('POST', `/api/v1/clusters/${clusterId}/retry`, { token: admin });
    if (busy.status === 409) expect(busy.body.data.operation_id).toBe(r1.body.data.id);
    const again = await settled(t, admin, r1.body.data.id, 60_000);
    expect(again.status).toBe('failed');
    expect(again.error.message).toMatch(/reports cluster .* failed/);
    const vendorClusters = (await simState(sim)).clusters.filter(
      (c: { name: string }) => c.name === 'ack-retry',
    );
    expect(vendorClusters).toHaveLength(1); // adopted, never created twice
  }, 120_000);

  it('a create stopped by a refused kubeconfig resumes with POST /retry (nothing done twice) and succeeds', async () => {
    const credentialId = await simCredential(t, admin, sim, 'ack-retry2');
    // Non-transient refusal of the kubeconfig (403): the create fails after the cluster runs.
    sim.addFault({
      kind: 'error',
      action: 'DescribeClusterUserKubeconfig',
      status: 403,
      code: 'Forbidden.RAM',
      count: 1,
    });
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credentialId, name: 'ack-retry2', spec },
    });
    const failed = await settled(t, admin, res.body.data.id, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toContain('/retry resumes where it stopped');
    const clusterId = res.body.data.target_id as string;
    const r = await t.api('POST', `/api/v1/clusters/${clusterId}/retry`, { token: admin });
    expect(r.status).toBe(202);
    expect((await settled(t, admin, r.body.data.id, 60_000)).status).toBe('succeeded');
    expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data.status).toBe(
      'active',
    );
    expect(
      (await simState(sim)).clusters.filter((c: { name: string }) => c.name === 'ack-retry2'),
    ).toHaveLength(1);
    // An active cluster has no create to retry.
    const done = await t.api('POST', `/api/v1/clusters/${clusterId}/retry`, { token: admin });
    expect(done.status).toBe(409);
  }, 120_000);
});
